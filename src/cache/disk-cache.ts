// SSD tier: one file per block under <dir>/blocks/xx/, index in memory and in
// SQLite (index-store.ts). The CRC is checked on every read: a corrupt, short
// or grown block is dropped, counted and re-fetched by the caller, never
// served. A disk that keeps failing goes
// normal -> unstable -> down (skipped for a cool-down) instead of failing reads.
// Its bytes are one tenant of the SSD's space owner (ssd-budget.ts): a block
// is admitted within the share the checkpoint tenants leave, and the owner
// calls evictLru(), this tier's one eviction loop, when checkpoint bytes or
// the free-space floor need the room.
//
// Block files are written in place, under a name used once (a counter, not
// derived from the key), without a temporary name and a rename. What makes
// a half-written file harmless is the index, not the rename:
//   1. a block's row is only queued for SQLite after its file was written
//      and closed, and reaches the database at the next flush;
//   2. at start only files with a row are kept (the rest are deleted), and a
//      row whose file is not the size it says is dropped;
//   3. every read checks the size and the checksum.
// A daemon killed mid-write leaves a file without a row (1), deleted at the
// next start (2); a power loss that leaves a row with a short or stale file
// (nothing here is fsynced, with or without a rename) is caught by 2 and 3.
// Names used once also mean the unlink of an evicted block, which runs in
// the background, can never remove a newer file of the same block.
//
// Writing a block is background work: its bytes are already in the memory
// tier and served from there. With the addon, writes go to a thread of their
// own at a lowered priority (ssd-writer.c), not the threadpool that backend
// reads need. What is queued is bounded in bytes (a queued write holds its
// Buffer even after the memory tier let it go): past the bound a block is
// not admitted and counted (writesSkipped), never waited for. close()
// lets the queue drain for a while, then abandons the rest: a write that
// finishes after that gets no row and its file is removed, as after a crash.

import { promises as fsp, mkdirSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, hasCode } from '../errors';
import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';
import { nativeIo, type NativeIo, type NativeSsdWriter, type SsdWriterPriority } from '../native/native-io';
import { IndexStore, type IndexRow } from './index-store';
import { KeysByPath } from './keys-by-path';
import { describeFailure, quarantine, startupText, type SsdStartup } from './ssd-quarantine';
import { AdmissionPolicy } from './policy';
import { Checksums, checksumOf, isChecksum, type Checksum } from './ssd-checksum';
import { SsdTenants, type SsdBudget, type SsdTenant } from './ssd-budget';
import { blockKey, newTierCounters, type BlockId, type BlockOrigin, type TierEvents, type TierSnapshot } from './types';

/** Consecutive I/O errors after which the disk is unstable, then down. */
const UNSTABLE_AFTER_ERRORS = 3;
const DOWN_AFTER_ERRORS = 10;
/** How long a down disk is skipped before it is tried again. */
const DOWN_COOLDOWN_MS = 30_000;
const FLUSH_INTERVAL_MS = 500;
/** Bytes of block writes queued at once, by default; past it blocks are skipped (counted). */
export const DEFAULT_WRITE_BACKLOG_BYTES = 64 * 1024 * 1024;
/** How long close() waits for queued writes before it abandons them, by default. */
const CLOSE_DRAIN_MS = 5_000;

export type DiskState = 'normal' | 'unstable' | 'down' | 'disabled';

interface DiskEntry {
  readonly file: string;
  readonly id: BlockId;
  readonly size: number;
  readonly crc: number;
  readonly crcKind: Checksum;
  origin: BlockOrigin;
  wasRead: boolean;
}

export interface DiskCacheOptions {
  readonly dir: string;
  /** The SSD's space owner: its size is this tier's capacity, shared with the checkpoint tenants. */
  readonly budget: SsdBudget;
  readonly blockSize: number;
  readonly logger: Logger;
  readonly events?: TierEvents;
  readonly now?: () => number;
  /** Batched I/O (default: the addon when built; null: the fs path): a block's read is one threadpool job, a write one job of the writer thread. */
  readonly io?: NativeIo | null;
  /** Bound on the bytes of queued block writes (default DEFAULT_WRITE_BACKLOG_BYTES). */
  readonly writeBacklogBytes?: number;
  /** Scheduling priority of the addon's writer thread (default 'nice'). */
  readonly writePriority?: SsdWriterPriority;
  /** How long close() lets queued writes finish (default CLOSE_DRAIN_MS). */
  readonly closeDrainMs?: number;
}

export class DiskCache {
  readonly counters = newTierCounters();
  private readonly opts: DiskCacheOptions;
  private readonly entries = new Map<string, DiskEntry>();
  /** The keys of `entries` by file path (kept in step with it). */
  private readonly byPath = new KeysByPath();
  private readonly policy: AdmissionPolicy;
  private readonly store: IndexStore | undefined;
  /** How the tier started (ssd-quarantine.ts); in the stats. */
  readonly startup: SsdStartup;
  private readonly blocksDir: string;
  private readonly tmpDir: string;
  private readonly events: TierEvents;
  private readonly now: () => number;
  private readonly io: NativeIo | undefined;
  /** This tier's account with the SSD's owner; always what the policy holds (blocks and puts in flight). */
  private readonly space: SsdTenant;
  private readonly capacityBytes: number;
  private consecutiveErrors = 0;
  private downUntil = 0;
  /** Block subdirectories known to exist (created or found at start-up): no mkdir per block. */
  private readonly subdirs = new Set<string>();
  /** The next block file's number: above every recovered one, so a name is used once. */
  private nextFile = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  /** The addon's writer thread (undefined on the fs path or without the tier). */
  private readonly writer: NativeSsdWriter | undefined;
  private readonly writeBacklogBytes: number;
  /** Bytes of block writes queued or being written: at most writeBacklogBytes. */
  private backlogBytes = 0;
  /** The puts whose write has not finished, for close() to wait on. */
  private readonly writing = new Set<Promise<unknown>>();
  private closed = false;

  constructor(opts: DiskCacheOptions) {
    this.opts = opts;
    this.log = opts.logger.child({ tier: 'ssd' });
    this.events = opts.events ?? {};
    this.now = opts.now ?? Date.now;
    this.io = opts.io === null ? undefined : (opts.io ?? nativeIo());
    this.capacityBytes = opts.budget.capacityBytes;
    this.writeBacklogBytes = opts.writeBacklogBytes ?? DEFAULT_WRITE_BACKLOG_BYTES;
    this.space = opts.budget.tenant(SsdTenants.CACHE_BLOCKS, {
      priority: false,
      what: 'a cache block',
      giveBack: { bytes: () => this.policy.usedBytes, free: (bytes) => this.evictLru(bytes) },
    });
    this.policy = new AdmissionPolicy({ capacityBytes: this.capacityBytes, typicalEntryBytes: opts.blockSize });
    this.blocksDir = join(opts.dir, 'blocks');
    this.tmpDir = join(opts.dir, 'tmp');
    if (this.capacityBytes === 0) {
      this.store = undefined;
      this.writer = undefined;
      this.startup = { kind: 'disabled', why: 'ssd-cache-size is 0' };
      return;
    }
    const opened = this.open();
    this.store = opened.store;
    this.startup = opened.startup;
    this.writer = this.store && this.io ? this.startWriter(this.io, opts.writePriority ?? 'nice') : undefined;
    if (!this.store) return;
    this.flushTimer = setInterval(() => this.flushIndex(), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
  }

  /**
   * Opens the directory and the index and recovers the blocks; when that
   * fails, quarantines what is broken and starts empty, and when that fails
   * too, runs without the tier. Degrade, don't die: the daemon starts anyway.
   */
  private open(): { store: IndexStore | undefined; startup: SsdStartup } {
    const indexFile = join(this.opts.dir, 'index.sqlite');
    let first: unknown;
    try {
      return { store: this.openOnce(indexFile), startup: { kind: 'recovered' } };
    } catch (err) {
      first = err;
    }
    const why = describeFailure(this.opts.dir, first);
    try {
      const aside = quarantine(this.opts.dir, indexFile, first);
      const store = this.openOnce(indexFile);
      const startup: SsdStartup = { kind: 'rebuilt', why: `${why}; moved aside to ${aside}, the tier starts empty` };
      this.log.error('SSD tier rebuilt at start', { why: startupText(startup), quarantined: aside });
      return { store, startup };
    } catch (err) {
      const startup: SsdStartup = { kind: 'disabled', why: `${why}; quarantine and rebuild failed too (${getErrorMessage(err)})` };
      this.log.error('SSD tier disabled: serving from memory and the backend', { why: startupText(startup), dir: this.opts.dir });
      return { store: undefined, startup };
    }
  }

  private openOnce(indexFile: string): IndexStore {
    // Empty again: a first attempt may have recovered part of the index before it failed.
    for (const k of this.entries.keys()) this.byPath.remove(k);
    this.entries.clear();
    for (const k of [...this.policy.lruKeys()]) this.forget(k);
    mkdirSync(this.blocksDir, { recursive: true });
    // Blocks are no longer written through tmp/: emptied of an older daemon's temporary files.
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
    const store = new IndexStore(indexFile);
    try {
      this.recover(store);
      return store;
    } catch (err) {
      store.closeQuietly();
      throw err;
    }
  }

  /** The writer thread; without one (it could not start) writes are threadpool jobs as before. */
  private startWriter(io: NativeIo, priority: SsdWriterPriority): NativeSsdWriter | undefined {
    try {
      const w = io.newSsdWriter(priority);
      if (w.priority !== priority) this.log.warn('SSD writer thread runs at normal priority', { asked: priority, got: w.priority });
      return w;
    } catch (err) {
      this.log.warn('SSD writer thread did not start; block writes use the I/O thread pool', { err: getErrorMessage(err) });
      return undefined;
    }
  }

  get enabled(): boolean {
    return this.store !== undefined && !this.closed;
  }

  get state(): DiskState {
    if (!this.enabled) return 'disabled';
    if (this.downUntil > this.now()) return 'down';
    if (this.consecutiveErrors >= UNSTABLE_AFTER_ERRORS) return 'unstable';
    return 'normal';
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Reads and verifies a block; undefined on a miss, a corrupt block or a failing disk. */
  async get(key: string): Promise<Buffer | undefined> {
    if (!this.enabled) return undefined;
    this.policy.recordAccess(key);
    const e = this.entries.get(key);
    if (e === undefined || this.state === 'down') {
      this.counters.misses++;
      return undefined;
    }
    let data: Buffer | undefined;
    try {
      data = await this.readBlockFile(e);
    } catch (err) {
      this.counters.misses++;
      this.remove(key, e, false);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.ioError('read', err);
      else this.counters.corruptBlocks++;
      return undefined;
    }
    if (data === undefined) {
      this.counters.corruptBlocks++;
      this.counters.misses++;
      this.log.warn('corrupt SSD block dropped; it will be re-fetched', {
        path: e.id.path,
        block: e.id.index,
        file: e.file,
      });
      this.remove(key, e, false);
      return undefined;
    }
    this.consecutiveErrors = 0;
    this.counters.hits++;
    this.policy.touch(key);
    if (!e.wasRead) {
      e.wasRead = true;
      if (e.origin === 'prefetch') this.events.onPrefetchHit?.('ssd', key);
    }
    this.store!.upsert(this.rowOf(e));
    return data;
  }

  /**
   * Stores a block if admitted; never throws (failures are counted and
   * logged). Resolves once the block is written and indexed (true) or not
   * (false): callers on the read path do not wait for it.
   */
  put(id: BlockId, data: Buffer, origin: BlockOrigin = 'read'): Promise<boolean> {
    if (!this.enabled || this.state === 'down') return Promise.resolve(false);
    const key = blockKey(id);
    if (this.entries.has(key)) return Promise.resolve(true);
    // The same block is being written by another put: its bytes are reserved once, by that one.
    if (this.policy.has(key)) return Promise.resolve(false);
    if (this.backlogBytes + data.length > this.writeBacklogBytes) {
      this.counters.writesSkipped++;
      return Promise.resolve(false);
    }
    this.backlogBytes += data.length;
    const p = this.admitAndWrite(id, key, data, origin).finally(() => {
      this.backlogBytes -= data.length;
      this.writing.delete(p);
    });
    this.writing.add(p);
    return p;
  }

  private async admitAndWrite(id: BlockId, key: string, data: Buffer, origin: BlockOrigin): Promise<boolean> {
    // The blocks' share: the SSD's size less what checkpoints hold (their persisted copies gave way first).
    const share = this.space.share(data.length);
    this.policy.capacityBytes = share;
    if (this.policy.usedBytes > share) this.evictLru(this.policy.usedBytes - share);
    // Prefetched blocks were fetched because they will be read soon: admit them.
    const victims = this.policy.admit(key, data.length, { force: origin === 'prefetch' });
    if (victims === null) {
      this.counters.admissionsRejected++;
      return false;
    }
    for (const v of victims) this.evictKey(v);
    try {
      this.space.reserve(data.length);
    } catch (err) {
      // Refused for lack of disk space (ssd-free-ratio): an admission rejected like any other.
      if (hasCode(err, ErrorCodes.NO_SPACE)) this.counters.admissionsRejected++;
      else this.ioError('statfs', err);
      return false;
    }
    const file = fileName(this.nextFile++);
    const path = this.filePath(file);
    // Reserved now (policy and owner) so concurrent puts see it.
    this.policy.insert(key, data.length);
    const sub = file.slice(0, 2);
    let crc: number;
    let crcKind: Checksum;
    try {
      if (!this.subdirs.has(sub)) {
        await fsp.mkdir(join(this.blocksDir, sub), { recursive: true });
        this.subdirs.add(sub);
      }
      if (this.writer) {
        // On the writer thread: CRC-32C, create, write, close (the file is removed on failure).
        crc = await this.writer.write(path, data);
        crcKind = Checksums.CRC32C;
      } else if (this.io) {
        // One job: CRC-32C on the pool thread, create, write, close (the file is removed on failure).
        crc = await this.io.writeBlock(path, data);
        crcKind = Checksums.CRC32C;
      } else {
        crcKind = Checksums.CRC32;
        crc = checksumOf(crcKind, data);
        try {
          await fsp.writeFile(path, data, { flag: 'wx' });
        } catch (err) {
          // Not ours to remove when it was there already.
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await fsp.unlink(path).catch(() => {});
          throw err;
        }
      }
    } catch (err) {
      this.forget(key);
      // Abandoned by close(): not a disk error.
      if (this.closed) return false;
      // The subdirectory may have been removed under us: make it again next time.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.subdirs.delete(sub);
      this.ioError('write', err);
      return false;
    }
    // An evict() of this path may have run while we were writing; or close() gave up on this write: no row, no file.
    if (this.closed || !this.policy.has(key)) {
      await fsp.unlink(this.filePath(file)).catch(() => {});
      return false;
    }
    this.consecutiveErrors = 0;
    const e: DiskEntry = { file, id, size: data.length, crc, crcKind, origin, wasRead: origin === 'read' };
    this.entries.set(key, e);
    this.byPath.add(key);
    this.store!.upsert(this.rowOf(e));
    return true;
  }

  /** A block file's bytes, or undefined when the file is not the size the index says or fails its checksum (corrupt). */
  private async readBlockFile(e: DiskEntry): Promise<Buffer | undefined> {
    if (this.io) {
      // One job: reads the index's size, fstat tells a longer file, and CRC-32C is computed on the pool thread.
      const data = Buffer.allocUnsafeSlow(e.size);
      const native = e.crcKind === Checksums.CRC32C;
      const r = await this.io.read(this.filePath(e.file), 0, data, false, native);
      if (r.stat.size !== e.size || r.bytesRead !== e.size) return undefined;
      return (native ? r.crc32c : checksumOf(e.crcKind, data)) === e.crc ? data : undefined;
    }
    const data = await fsp.readFile(this.filePath(e.file));
    return data.length === e.size && checksumOf(e.crcKind, data) === e.crc ? data : undefined;
  }

  delete(key: string): boolean {
    const e = this.entries.get(key);
    if (e) {
      this.remove(key, e, false);
      return true;
    }
    // A put still writing: dropping it from the policy makes put() discard its file.
    return this.forget(key);
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** The keys of one file's blocks (every version), without scanning the tier. */
  keysOfPath(path: string): readonly string[] {
    return this.byPath.keysOf(path);
  }

  snapshot(): TierSnapshot {
    return {
      name: 'ssd',
      ...this.counters,
      capacityBytes: this.capacityBytes,
      usedBytes: this.policy.usedBytes,
      blocks: this.entries.size,
      writeBacklogBytes: this.backlogBytes,
      state: this.state,
      startup: startupText(this.startup),
      tenants: this.opts.budget.tenants(),
    };
  }

  flushIndex(): void {
    try {
      this.store?.flush();
    } catch (err) {
      this.log.error('persisting the SSD index failed', { err: getErrorMessage(err) });
    }
  }

  /**
   * Lets queued block writes finish (for at most closeDrainMs), then
   * abandons the rest (no row for them) and closes the index. Synchronous
   * when nothing is being written.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.writing.size === 0) {
      this.closeNow();
      return Promise.resolve();
    }
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.opts.closeDrainMs ?? CLOSE_DRAIN_MS);
    });
    return Promise.race([Promise.allSettled([...this.writing]), giveUp]).then(() => {
      clearTimeout(timer);
      if (this.writing.size > 0) this.log.warn('SSD writes abandoned at shutdown; their blocks are not kept', { writes: this.writing.size, bytes: this.backlogBytes });
      this.closeNow();
    });
  }

  private closeNow(): void {
    this.closed = true;
    this.writer?.close();
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.store?.close();
  }

  /**
   * Evicts least recently used blocks (and puts in flight) until `bytes` are
   * freed: the tier's one eviction loop, run for the checkpoint tenants and
   * the free-space floor (by the SSD's owner) and for a shrunk share.
   */
  private evictLru(bytes: number): void {
    const target = this.policy.usedBytes - bytes;
    for (const k of [...this.policy.lruKeys()]) {
      if (this.policy.usedBytes <= target) return;
      this.evictKey(k);
    }
  }

  private evictKey(key: string): void {
    const e = this.entries.get(key);
    if (e) this.remove(key, e, true);
    else this.forget(key);
  }

  /** Drops `key` from the policy and gives its bytes back to the SSD's owner; false when it was not there. */
  private forget(key: string): boolean {
    const size = this.policy.sizeOf(key);
    if (size === undefined) return false;
    this.policy.remove(key);
    this.space.release(size);
    return true;
  }

  private remove(key: string, e: DiskEntry, eviction: boolean): void {
    this.entries.delete(key);
    this.byPath.remove(key);
    this.forget(key);
    this.store?.delete(e.file);
    fsp.unlink(this.filePath(e.file)).catch(() => {});
    if (eviction) {
      this.counters.evictions++;
      this.events.onEvict?.('ssd', key, e.origin, e.wasRead);
    }
  }

  private ioError(op: string, err: unknown): void {
    this.counters.writeErrors++;
    this.consecutiveErrors++;
    const code = (err as NodeJS.ErrnoException).code;
    if (this.consecutiveErrors === UNSTABLE_AFTER_ERRORS || this.consecutiveErrors === 1) {
      this.log.warn(`SSD ${op} failed; serving from other tiers`, { err: getErrorMessage(err), code, state: this.state });
    }
    if (this.consecutiveErrors >= DOWN_AFTER_ERRORS) {
      this.downUntil = this.now() + DOWN_COOLDOWN_MS;
      this.consecutiveErrors = UNSTABLE_AFTER_ERRORS;
      this.log.error('SSD tier is down after repeated errors; retrying later', { cooldownMs: DOWN_COOLDOWN_MS });
    }
  }

  private filePath(file: string): string {
    return join(this.blocksDir, file.slice(0, 2), file);
  }

  private rowOf(e: DiskEntry): IndexRow {
    return {
      file: e.file,
      path: e.id.path,
      version: e.id.version,
      idx: e.id.index,
      size: e.size,
      crc: e.crc,
      crcKind: e.crcKind,
      lastAccess: this.now(),
    };
  }

  /** Rebuilds the live index from SQLite; drops rows without files and files without rows. */
  private recover(store: IndexStore): void {
    const rows = store.loadAll();
    const known = new Set<string>();
    for (const r of rows) {
      let size = -1;
      try {
        size = statSync(this.filePath(r.file)).size;
      } catch {
        /* missing */
      }
      if (size !== r.size || !isChecksum(r.crcKind) || this.policy.usedBytes + r.size > this.capacityBytes) {
        store.delete(r.file);
        continue;
      }
      const id: BlockId = { path: r.path, version: r.version, index: r.idx };
      const key = blockKey(id);
      this.nextFile = Math.max(this.nextFile, fileNumber(r.file) + 1);
      this.entries.set(key, { file: r.file, id, size: r.size, crc: r.crc, crcKind: r.crcKind, origin: 'read', wasRead: true });
      this.byPath.add(key);
      this.policy.insert(key, r.size);
      this.space.adopt(r.size);
      known.add(r.file);
    }
    for (const sub of readdirSync(this.blocksDir)) {
      this.subdirs.add(sub);
      for (const f of readdirSync(join(this.blocksDir, sub))) {
        if (!known.has(f)) {
          try {
            unlinkSync(join(this.blocksDir, sub, f));
          } catch {
            /* already gone */
          }
        }
      }
    }
    store.flush();
    this.log.info('SSD index recovered', { blocks: this.entries.size, bytes: this.policy.usedBytes });
  }
}

/**
 * Block file `n`: its subdirectory (the number's low byte, so blocks spread
 * over 256 directories), a dash, the number. Older daemons named files by
 * the SHA-1 of the key (40 hex digits, no dash); their rows are kept as they are.
 */
function fileName(n: number): string {
  return `${(n & 0xff).toString(16).padStart(2, '0')}-${n.toString(36)}`;
}

/** The number of a file named by fileName(), or -1 (an older daemon's SHA-1 name). */
function fileNumber(file: string): number {
  const dash = file.indexOf('-');
  if (dash !== 2) return -1;
  const n = parseInt(file.slice(3), 36);
  return Number.isSafeInteger(n) ? n : -1;
}

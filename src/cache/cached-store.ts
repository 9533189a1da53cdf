// The block cache orchestrator: memory -> SSD -> fetcher (owner peer, then
// backend), with single-flight on misses, file versions from a metadata cache
// with a TTL, and read observers for history and prefetch.
//
// Hot path (memory hit): one Map lookup for the file version, one for the
// block, a subarray. No SQLite, no allocation of block data, no config lookups.

import type { Backend, BackendStat, ReadOptions } from '../backend/types';
import { normalizeRequestPath } from '../backend/path-guard';
import { ErrorCodes, fileChanged, hasCode, invalidArgument, isDirectory, outOfRange, tooLarge } from '../errors';
import type { Logger } from '../log';
import { formatBytes } from '../util/units';
import type { DiskCache } from './disk-cache';
import type { MemCache } from './mem-cache';
import { SingleFlight } from './single-flight';
import { blockKey, type BlockFetcher, type BlockId, type BlockOrigin, type FetchSource } from './types';

/** Largest number of file versions kept in the metadata cache. */
const MAX_METADATA_ENTRIES = 200_000;
/** Decided once: the options of every prefetch's backend read. */
const BACKGROUND: ReadOptions = Object.freeze({ background: true });

export interface ReadContext {
  /** Job or client identity, from x-tiercache-job metadata or the connection. */
  readonly job: string;
}

export interface ReadEvent {
  readonly job: string;
  readonly path: string;
  readonly offset: number;
  readonly length: number;
  readonly stat: BackendStat;
  readonly time: number;
}

export type ReadObserver = (ev: ReadEvent) => void;

/** Told, per block handed to a reader, which tier served it and how long the reader waited (metrics). */
export type BlockTimer = (tier: BlockRead['tier'], seconds: number) => void;

export interface SourceCounters {
  memory: number;
  ssd: number;
  peer: number;
  backend: number;
}

export interface CachedStoreOptions {
  readonly backend: Backend;
  readonly mem: MemCache;
  readonly disk: DiskCache;
  readonly blockSize: number;
  readonly metadataTtlMs: number;
  readonly maxReadSize: number;
  readonly logger: Logger;
  /** A non-owner keeps a peer-fetched block locally once it was read this often (0 = never). */
  readonly peerKeepHot?: number;
  /**
   * The fetcher behind the local tiers, given the one that reads the backend
   * (the peer tier wraps it: owner peer first, then the backend). Default: the backend's.
   */
  readonly fetcher?: (direct: BlockFetcher) => BlockFetcher;
  /** Told of every client read, synchronously (access history, prefetch, the watcher). */
  readonly observers?: readonly ReadObserver[];
  /** At most one timer (the metrics histograms); without one, getBlock is not timed at all. */
  readonly blockTimer?: BlockTimer;
  readonly now?: () => number;
}

interface MetaEntry {
  stat: BackendStat;
  expiresAt: number;
}

/** A first-block read of a file whose version is not known yet (prefetchCurrent): its stat comes with its bytes. */
interface Probe {
  /** The store's clock when the read started: the stat it learns is as good as a stat at this time. */
  readonly started: number;
  readonly stat: Promise<BackendStat>;
}

export interface BlockRead {
  readonly data: Buffer;
  readonly tier: 'memory' | 'ssd' | FetchSource;
}

export class CachedStore {
  readonly blockSize: number;
  readonly backend: Backend;
  readonly mem: MemCache;
  readonly disk: DiskCache;
  /** Bytes served to clients, by the tier they came from. */
  readonly bytesBySource: SourceCounters = { memory: 0, ssd: 0, peer: 0, backend: 0 };
  readonly blocksBySource: SourceCounters = { memory: 0, ssd: 0, peer: 0, backend: 0 };
  readonly flights = new SingleFlight<BlockRead>();
  /** Backend reads by block: a client read and a peer's request for the same block make one read. */
  private readonly directFlights = new SingleFlight<Buffer>();
  private readonly meta = new Map<string, MetaEntry>();
  /** Probes in flight by normalised path; stat() of such a path waits on its probe. */
  private readonly probes = new Map<string, Probe>();
  private readonly observers: readonly ReadObserver[];
  private readonly backendFetcher: BlockFetcher;
  private readonly fetcher: BlockFetcher;
  private readonly blockTimer: BlockTimer | undefined;
  private readonly opts: CachedStoreOptions;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(opts: CachedStoreOptions) {
    this.opts = opts;
    this.blockSize = opts.blockSize;
    this.backend = opts.backend;
    this.mem = opts.mem;
    this.disk = opts.disk;
    this.now = opts.now ?? Date.now;
    this.log = opts.logger;
    const now = this.now;
    const backend = opts.backend;
    const direct = this.directFlights;
    const confirmed = (id: BlockId, checkedAt: number): void => this.confirmed(id.path, id.version, checkedAt);
    this.backendFetcher = {
      async fetch(id, length, origin) {
        // Nobody waits on a prefetch: the backend may serve it off the event loop (offloaded-backend.ts).
        const how = origin === 'prefetch' ? BACKGROUND : undefined;
        const data = await direct.do(blockKey(id), () => {
          // Timed by the read that asks the backend: one joined later checked nothing itself.
          const started = now();
          return backend.read(id.path, id.index * opts.blockSize, length, id.version, how).then((d) => {
            if (length > 0) confirmed(id, started);
            return d;
          });
        });
        return { data, source: 'backend' };
      },
    };
    this.fetcher = opts.fetcher ? opts.fetcher(this.backendFetcher) : this.backendFetcher;
    this.observers = opts.observers ?? [];
    this.blockTimer = opts.blockTimer;
  }

  /** Block loads that joined one in flight instead of starting their own (groupcache's LoadsDeduped). */
  get loadsDeduped(): number {
    return this.flights.deduped + this.directFlights.deduped;
  }

  /** The file's current version, re-checked on the backend at most every metadata-ttl. */
  async stat(path: string): Promise<BackendStat> {
    // Keys are normalised paths, and normalising is idempotent: a path found as it is needs no normalising.
    let rel = path;
    let m = this.meta.get(path);
    if (m === undefined) {
      rel = normalizeRequestPath(path);
      m = this.meta.get(rel);
    }
    const now = this.now();
    if (m && m.expiresAt > now) return m.stat;
    // A probe of the file in flight is the check already under way (a plan's fetch): no second backend request.
    const probe = this.probes.get(rel);
    if (probe !== undefined && now - probe.started < this.opts.metadataTtlMs) {
      try {
        return await probe.stat;
      } catch (err) {
        // No file is an answer; anything else (a directory, a change during the read) is asked again below.
        if (hasCode(err, ErrorCodes.NOT_FOUND)) throw err;
      }
    }
    let stat: BackendStat;
    try {
      stat = await this.backend.stat(rel);
    } catch (err) {
      // Degrade, don't die: with the backend unreachable, the last version seen is
      // the best there is, and its cached blocks are still served. Re-checked on the next call.
      if (m && hasCode(err, ErrorCodes.BACKEND_UNAVAILABLE)) return m.stat;
      throw err;
    }
    if (m && m.stat.version !== stat.version) this.dropVersion(rel, m.stat.version);
    this.remember(rel, stat, now + this.opts.metadataTtlMs);
    return stat;
  }

  /** Records a normalised path's metadata; a path not known yet past MAX_METADATA_ENTRIES makes room by dropping the oldest. */
  private remember(rel: string, stat: BackendStat, expiresAt: number): void {
    if (!this.meta.has(rel) && this.meta.size >= MAX_METADATA_ENTRIES) {
      const oldest = this.meta.keys().next().value;
      if (oldest !== undefined) this.meta.delete(oldest);
    }
    this.meta.set(rel, { stat, expiresAt });
  }

  /**
   * The last version seen of a normalised path, even past metadata-ttl, without
   * asking the backend: for a prefetch of a file checked a while ago (an epoch
   * plan). Fetching a block checks the version anyway (Backend.read fails with
   * FILE_CHANGED), so a stale one costs a failed prefetch, never a stale read.
   */
  lastKnownStat(path: string): BackendStat | undefined {
    return this.meta.get(path)?.stat;
  }

  /** When the known version of a normalised path is re-checked (the store's clock, ms), if it is known. */
  metadataExpiry(path: string): number | undefined {
    return this.meta.get(path)?.expiresAt;
  }

  /**
   * A backend read of `version` that started at `checkedAt` succeeded, so the
   * file was at that version then or later (Backend.read checks it after
   * reading): as good as a stat at `checkedAt`, and it restarts the version's
   * metadata-ttl from there. Only the entry still known at that version is
   * extended: one invalidated (the watcher) or replaced meanwhile is left as it is.
   */
  private confirmed(path: string, version: string, checkedAt: number): void {
    const m = this.meta.get(path);
    if (m === undefined || m.stat.version !== version) return;
    const expiresAt = checkedAt + this.opts.metadataTtlMs;
    if (expiresAt > m.expiresAt) m.expiresAt = expiresAt;
  }

  /** Forgets what is known of a path's version (a watcher saw it change), and what a probe under way would learn. */
  invalidate(path: string): void {
    this.meta.delete(path);
    this.probes.delete(path);
  }

  /**
   * Unary read: the bytes of [offset, offset+length), length 0 = to the end; bounded by max-read-size.
   * `observe` false: the caller has told the read observers itself (observeRead), in arrival order.
   */
  async read(path: string, offset: number, length: number, ctx: ReadContext, observe = true): Promise<Buffer> {
    this.checkReadLength(length);
    try {
      return await this.readOnce(path, offset, length, ctx, observe);
    } catch (err) {
      // A file that changed during the read is re-stat'ed and read once more.
      if (!hasCode(err, ErrorCodes.FILE_CHANGED)) throw err;
      this.invalidate(normalizeRequestPath(path));
      return this.readOnce(path, offset, length, ctx, observe);
    }
  }

  /**
   * The bytes of [offset, offset+length) of the version `stat` names (an open
   * of the POSIX view reads the version it opened), from the tiers or the
   * backend; FILE_CHANGED when the backend holds another version and the
   * tiers not these blocks of this one. Bounded by max-read-size.
   */
  async readVersion(stat: BackendStat, offset: number, length: number, ctx: ReadContext, observe = true): Promise<Buffer> {
    this.checkReadLength(length);
    return this.readStat(stat, offset, length, ctx, observe);
  }

  private checkReadLength(length: number): void {
    if (length > this.opts.maxReadSize) {
      throw tooLarge(
        `read of ${formatBytes(length)} exceeds max-read-size ${formatBytes(this.opts.maxReadSize)}; use ReadStream for large ranges`,
      );
    }
  }

  private async readOnce(path: string, offset: number, length: number, ctx: ReadContext, observe: boolean): Promise<Buffer> {
    // The version known and fresh is taken as it is: no await for it.
    const stat = this.freshFileStat(path) ?? (await this.fileStat(path));
    return this.readStat(stat, offset, length, ctx, observe);
  }

  private async readStat(stat: BackendStat, offset: number, length: number, ctx: ReadContext, observe: boolean): Promise<Buffer> {
    const end = this.rangeEnd(stat, offset, length);
    if (end - offset > this.opts.maxReadSize) {
      throw tooLarge(
        `read to the end of ${stat.path} is ${formatBytes(end - offset)}, over max-read-size ${formatBytes(this.opts.maxReadSize)}; use ReadStream or give a length`,
      );
    }
    const parts: Buffer[] = [];
    for (let pos = offset; pos < end; ) {
      const index = Math.floor(pos / this.blockSize);
      const blockStart = index * this.blockSize;
      const { data } = await this.getBlock(stat, index);
      const from = pos - blockStart;
      const to = Math.min(data.length, end - blockStart);
      if (to <= from) break;
      parts.push(data.subarray(from, to));
      pos = blockStart + to;
    }
    if (observe) this.notify(ctx, stat, offset, end - offset);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, end - offset);
  }

  /**
   * Streams [offset, offset+length) as chunks of at most chunkSize bytes,
   * fetching the next block while the current one is being sent.
   */
  async *stream(
    path: string,
    offset: number,
    length: number,
    chunkSize: number,
    ctx: ReadContext,
  ): AsyncGenerator<{ offset: number; data: Buffer }> {
    const stat = await this.retryOnChange(path, () => this.fileStat(path));
    const end = this.rangeEnd(stat, offset, length);
    if (end <= offset) return;
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((end - 1) / this.blockSize);
    let next: Promise<BlockRead> | undefined = this.getBlock(stat, first);
    next.catch(() => {});
    for (let index = first; index <= last; index++) {
      const { data } = await next!;
      if (index < last) {
        next = this.getBlock(stat, index + 1);
        next.catch(() => {});
      }
      const blockStart = index * this.blockSize;
      const from = Math.max(offset, blockStart) - blockStart;
      const to = Math.min(end - blockStart, data.length);
      this.notify(ctx, stat, blockStart + from, to - from);
      for (let p = from; p < to; p += chunkSize) {
        yield { offset: blockStart + p, data: data.subarray(p, Math.min(p + chunkSize, to)) };
      }
    }
  }

  /** One block through the tiers; misses are single-flighted per block. */
  getBlock(stat: BackendStat, index: number): Promise<BlockRead> {
    return this.blockTimer ? this.timedGetBlock(stat, index, this.blockTimer) : this.untimedGetBlock(stat, index);
  }

  private timedGetBlock(stat: BackendStat, index: number, timer: BlockTimer): Promise<BlockRead> {
    const started = performance.now();
    return this.untimedGetBlock(stat, index).then((r) => {
      timer(r.tier, (performance.now() - started) / 1000);
      return r;
    });
  }

  private untimedGetBlock(stat: BackendStat, index: number): Promise<BlockRead> {
    const id: BlockId = { path: stat.path, version: stat.version, index };
    const key = blockKey(id);
    const hit = this.mem.get(key);
    if (hit) {
      this.count('memory', hit.length);
      return Promise.resolve({ data: hit, tier: 'memory' });
    }
    if (!this.flights.has(key)) return this.flights.do(key, () => this.loadBlock(id, key, stat, 'read'));
    // Joining a load already under way (often a prefetch): the block is read.
    return this.flights.do(key, () => this.loadBlock(id, key, stat, 'read')).then((r) => {
      this.mem.markRead(key);
      return r;
    });
  }

  /**
   * One block for a peer that asked this node as the block's owner: memory ->
   * SSD -> backend, never the fetcher. An owner never forwards, so two nodes
   * whose views of the ring differ cannot bounce a request between them; and
   * a separate flight key keeps it from joining a client read of this node
   * that is itself waiting on a peer. Not counted as a client read.
   */
  getBlockLocal(stat: BackendStat, index: number): Promise<BlockRead> {
    const id: BlockId = { path: stat.path, version: stat.version, index };
    const key = blockKey(id);
    const hit = this.mem.get(key);
    if (hit) return Promise.resolve({ data: hit, tier: 'memory' });
    return this.flights.do(`local\u0000${key}`, () => this.loadBlock(id, key, stat, 'read', this.backendFetcher, false));
  }

  /**
   * Background fetch of a block into the cache (prefetch, warm-up). Does not
   * count as a client access. Resolves to the bytes fetched from outside the
   * node (0 when the block was already cached or another load was joined).
   * `key`: the block's key when the caller has built it (a queued task).
   */
  async prefetchBlock(stat: BackendStat, index: number, key?: string): Promise<number> {
    const id: BlockId = { path: stat.path, version: stat.version, index };
    key ??= blockKey(id);
    if (this.mem.has(key) || this.disk.has(key)) return 0;
    // A block already being loaded is joined, so the caller can rely on it being cached when this resolves.
    const joined = this.flights.has(key);
    const r = await this.flights.do(key, () => this.loadBlock(id, key, stat, 'prefetch'));
    return joined || r.tier === 'memory' || r.tier === 'ssd' ? 0 : r.data.length;
  }

  /**
   * Background fetch of the first block of a file whose version is not known
   * (a planned file beyond the plan's head): one backend read that is also
   * the file's check (Backend.readCurrent), so the file costs the backend what
   * a plain read of it costs, and no stat. The stat it learns is kept as
   * stat() keeps one, its metadata-ttl counted from when the read started; a
   * stat() of the file meanwhile waits on it. Resolves to the stat and the
   * bytes fetched from outside the node (0 when nothing was: already cached,
   * joined). `onBlock` is told block 0's key before any reader can hit it
   * (prefetch accounting). Asks stat() first instead when a check is cheaper than the read
   * (the version is known and fresh, or a tier holds blocks of the path, as
   * the SSD after a restart) or needed (an owner peer serves blocks by version).
   */
  async prefetchCurrent(path: string, onBlock?: (key: string) => void): Promise<{ stat: BackendStat; fetched: number }> {
    const rel = normalizeRequestPath(path);
    const m = this.meta.get(rel);
    if ((m !== undefined && m.expiresAt > this.now()) || this.opts.fetcher !== undefined || this.disk.keysOfPath(rel).length > 0 || this.mem.keysOfPath(rel).length > 0) {
      const stat = await this.stat(rel);
      return { stat, fetched: stat.isDir || stat.size === 0 ? 0 : await this.prefetchBlock(stat, 0) };
    }
    const running = this.probes.get(rel);
    if (running !== undefined) return { stat: await running.stat, fetched: 0 };
    let fetched = 0;
    const started = this.now();
    const probe: Probe = {
      started,
      stat: this.backend.readCurrent(rel, 0, this.blockSize, BACKGROUND).then((r) => {
        const stat = this.learned(rel, r.stat, probe);
        if (r.data.length > 0) fetched = this.keepFirstBlock(stat, r.data, onBlock);
        return stat;
      }),
    };
    this.probes.set(rel, probe);
    const done = (): void => {
      if (this.probes.get(rel) === probe) this.probes.delete(rel);
    };
    probe.stat.then(done, done);
    return { stat: await probe.stat, fetched };
  }

  /**
   * Keeps what a probe learned as the path's metadata, unless the path was
   * invalidated meanwhile or checked since the probe started at another
   * version: then the bytes may be of an older version and FILE_CHANGED says
   * so (the caller probes once more).
   */
  private learned(rel: string, stat: BackendStat, probe: Probe): BackendStat {
    if (this.probes.get(rel) !== probe) throw fileChanged(rel);
    const expiresAt = probe.started + this.opts.metadataTtlMs;
    const m = this.meta.get(rel);
    if (m !== undefined) {
      if (m.stat.version === stat.version) {
        if (expiresAt > m.expiresAt) m.expiresAt = expiresAt;
        return m.stat;
      }
      if (m.expiresAt > expiresAt) throw fileChanged(rel);
      this.dropVersion(rel, m.stat.version);
    }
    this.remember(rel, stat, expiresAt);
    return stat;
  }

  /** Caches block 0 a probe read, as a prefetched block; returns its bytes (it came from the backend whatever the tiers held). */
  private keepFirstBlock(stat: BackendStat, data: Buffer, onBlock: ((key: string) => void) | undefined): number {
    const id: BlockId = { path: stat.path, version: stat.version, index: 0 };
    const key = blockKey(id);
    onBlock?.(key);
    if (!this.mem.has(key)) this.mem.put(key, data, 'prefetch', { force: true });
    if (!this.disk.has(key)) void this.disk.put(id, data, 'prefetch');
    return data.length;
  }

  /** True when a block is in memory or on the SSD (no counting, no I/O). */
  isCached(stat: BackendStat, index: number): boolean {
    const key = blockKey({ path: stat.path, version: stat.version, index });
    return this.mem.has(key) || this.disk.has(key);
  }

  blockCount(stat: BackendStat): number {
    return Math.ceil(stat.size / this.blockSize);
  }

  /** Drops every cached block of a path, all versions, from both tiers. */
  async evict(path: string): Promise<number> {
    const rel = normalizeRequestPath(path);
    const stat = await this.backend.stat(rel).catch((err: unknown) => {
      if (hasCode(err, ErrorCodes.NOT_FOUND)) return undefined;
      throw err;
    });
    if (stat?.isDir) throw isDirectory(rel);
    const removed = new Set<string>();
    for (const k of this.mem.keysOfPath(rel)) if (this.mem.delete(k)) removed.add(k);
    for (const k of this.disk.keysOfPath(rel)) if (this.disk.delete(k)) removed.add(k);
    this.meta.delete(rel);
    return removed.size;
  }

  private async loadBlock(
    id: BlockId,
    key: string,
    stat: BackendStat,
    origin: BlockOrigin,
    fetcher = this.fetcher,
    countRead = true,
  ): Promise<BlockRead> {
    const fromSsd = origin === 'read' ? await this.disk.get(key) : undefined;
    if (fromSsd) {
      this.mem.put(key, fromSsd, origin);
      if (countRead) this.count('ssd', fromSsd.length);
      return { data: fromSsd, tier: 'ssd' };
    }
    const length = Math.min(this.blockSize, stat.size - id.index * this.blockSize);
    const fetched = await fetcher.fetch(id, length, origin);
    const data = fetched.data;
    if (data.length !== length) {
      // The file shrank under us: its version check passed, so this is a short read at EOF.
      this.log.warn('short block read', { path: id.path, block: id.index, expected: length, got: data.length });
    }
    const keep =
      fetched.source === 'backend' ||
      origin === 'prefetch' ||
      (this.opts.peerKeepHot !== undefined &&
        this.opts.peerKeepHot > 0 &&
        this.mem.frequency(key) >= this.opts.peerKeepHot);
    if (keep) {
      // Prefetched blocks are forced in: they were fetched to be read soon.
      this.mem.put(key, data, origin, { force: origin === 'prefetch' });
      void this.disk.put(id, data, origin);
    }
    if (countRead) this.count(fetched.source, data.length);
    return { data, tier: fetched.source };
  }

  private count(tier: keyof SourceCounters, bytes: number): void {
    this.bytesBySource[tier] += bytes;
    this.blocksBySource[tier]++;
  }

  /** The version of a file known and within metadata-ttl, by the path as given; undefined when it must be asked for (stat()). */
  private freshFileStat(path: string): BackendStat | undefined {
    const m = this.meta.get(path);
    return m !== undefined && !m.stat.isDir && m.expiresAt > this.now() ? m.stat : undefined;
  }

  private async fileStat(path: string): Promise<BackendStat> {
    const stat = await this.stat(path);
    if (stat.isDir) throw isDirectory(stat.path);
    return stat;
  }

  private rangeEnd(stat: BackendStat, offset: number, length: number): number {
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(`invalid offset ${offset}`);
    if (!Number.isSafeInteger(length) || length < 0) throw invalidArgument(`invalid length ${length}`);
    if (offset > stat.size) {
      throw outOfRange(`offset ${offset} is past the end of ${stat.path} (size ${stat.size})`);
    }
    return length === 0 ? stat.size : Math.min(stat.size, offset + length);
  }

  /** A file that changed during a read is re-stat'ed and read once more. */
  private async retryOnChange<T>(path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!hasCode(err, ErrorCodes.FILE_CHANGED)) throw err;
      this.invalidate(normalizeRequestPath(path));
      return fn();
    }
  }

  /**
   * Tells the read observers (history, readahead) of a read about to be
   * served. The FUSE mount calls it as requests arrive: the kernel keeps
   * several readahead requests of one file in flight and they complete out
   * of order, which a sequential-stream detector would take for seeks.
   */
  observeRead(ctx: ReadContext, stat: BackendStat, offset: number, length: number): void {
    const end = Math.min(stat.size, offset + length);
    if (end > offset) this.notify(ctx, stat, offset, end - offset);
  }

  private notify(ctx: ReadContext, stat: BackendStat, offset: number, length: number): void {
    if (this.observers.length === 0) return;
    const ev: ReadEvent = { job: ctx.job, path: stat.path, offset, length, stat, time: this.now() };
    for (const o of this.observers) o(ev);
  }

  private dropVersion(path: string, version: string): void {
    const prefix = `${version}\u0000`;
    for (const k of this.mem.keysOfPath(path)) if (k.startsWith(prefix)) this.mem.delete(k);
    for (const k of this.disk.keysOfPath(path)) if (k.startsWith(prefix)) this.disk.delete(k);
  }
}

// The writable checkpoint directory (the one orchestrator of
// src/checkpoint-fs/): a MountFilesystem whose writes land on the node's SSD
// and reach the backend in the background, in order, each file complete or
// not at all. Reads of a file written here come from the local copy; files
// only on the backend are read through the RemoteTree (the cached store).
//
// Mutations of the tree (create, mkdir, rmdir, unlink, rename, setattr,
// commits) run one at a time under `mutex`, so the journal's order is the
// order the tree changed in; data writes and reads run concurrently.

import { promises as fsp, constants as fsc, mkdirSync, statfsSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { FsAttr, FsDirEntry, FsOpened, FsSetattr, FsStatfs, MountFilesystem, RenameFlags } from '../fuse/types';
import { FsError } from '../fuse/types';
import { startWriteback } from '../fuse/native-binding';
import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';
import { FileWriters, type Writer } from './file-writers';
import { Journal, type JournalRecord } from './journal';
import { DirNode, FileNode, Namespace, joinPath, type Node } from './namespace';
import { PersistQueue, underPrefix, type OpOutcome } from './persist-queue';
import { recover } from './recovery';
import { SerialLock } from './serial-lock';
import { Staging, type StagedFile } from './staging';
import type { CheckpointFsStats, PersistBackend, PersistOp, RemoteTree, StagingSpace, WaitResult } from './types';
import { checkMountPath } from './names';

export const DEFAULT_ATTR_TIMEOUT_S = 1;
/** A journal this much longer than what is pending is rewritten. */
const COMPACT_MIN_LINES = 10_000;
/** How long `checkpoint wait` gives an empty file closed just before it to be released (and so committed). */
const EMPTY_CLOSE_SETTLE_MS = 1000;

export interface CheckpointFsOptions {
  /** Staging directory on the SSD (journal and staged files). */
  readonly stagingDir: string;
  /** Backend path the mount's root maps to. */
  readonly root: string;
  readonly backend: PersistBackend;
  readonly remote: RemoteTree;
  readonly space: StagingSpace;
  readonly log: Logger;
  /** Kernel attribute/entry timeouts, and how long a backend listing is trusted. */
  readonly attrTimeoutS?: number;
  readonly now?: () => number;
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
}

interface Handle {
  readonly node: FileNode;
  readonly writer: Writer | undefined;
  /** Backend path at open, for reading a remote file unlinked while open. */
  readonly openedAt: string;
  reader: { staged: StagedFile; fh: FileHandle } | undefined;
}

const O_ACCMODE = 3;

export class CheckpointFs implements MountFilesystem {
  readonly writable = true;
  /**
   * Checkpoint writers write large files sequentially: with the kernel's
   * writeback cache their write(2)s return at page-cache speed and the pages
   * reach the staged file many at once in the background; close(2) and
   * fsync(2) still wait until every page is here (FLUSH and FSYNC come after them).
   */
  readonly writebackCache = true;
  readonly attrTimeoutS: number;
  readonly entryTimeoutS: number;
  readonly ns: Namespace;
  private readonly o: CheckpointFsOptions;
  private readonly now: () => number;
  private readonly journal: Journal;
  private readonly journalRecords: JournalRecord[];
  private readonly staging: Staging;
  private readonly queue: PersistQueue;
  private readonly writers: FileWriters;
  private readonly mutex = new SerialLock();
  private readonly handles = new Map<number, Handle>();
  /** Staged file -> the node whose content it is. */
  private readonly owners = new Map<StagedFile, FileNode>();
  private nextHandle = 1;
  private lostOpenAtCrash = 0;
  /** Set before the mount is taken down: handles released by the teardown are not commits. */
  private detaching = false;

  constructor(opts: CheckpointFsOptions) {
    this.o = opts;
    this.now = opts.now ?? Date.now;
    this.attrTimeoutS = opts.attrTimeoutS ?? DEFAULT_ATTR_TIMEOUT_S;
    this.entryTimeoutS = this.attrTimeoutS;
    mkdirSync(opts.stagingDir, { recursive: true, mode: 0o700 });
    const { journal, records } = Journal.open(opts.stagingDir);
    this.journal = journal;
    this.journalRecords = records;
    this.staging = new Staging(opts.stagingDir, opts.space);
    this.queue = new PersistQueue({
      backend: opts.backend,
      root: opts.root,
      journal,
      body: (op, signal) => this.staging.read(this.staging.files.get(op.file)!, signal),
      onDone: (op, outcome, version) => this.opDone(op, outcome, version),
      log: opts.log,
      now: this.now,
      backoffBaseMs: opts.backoffBaseMs,
      backoffCapMs: opts.backoffCapMs,
    });
    this.ns = new Namespace({
      remote: opts.remote,
      root: opts.root,
      listTtlMs: this.attrTimeoutS * 1000,
      isTouched: (p) => this.queue.isTouched(p),
      now: this.now,
    });
    this.writers = new FileWriters({
      ns: this.ns,
      staging: this.staging,
      queue: this.queue,
      journal,
      backend: opts.backend,
      remote: opts.remote,
      log: opts.log,
      now: this.now,
      setLocal: (node, staged) => this.setLocal(node, staged),
      startWriteback,
    });
  }

  /** Recovers what a previous run left (staged files resume persisting), then starts the persister. */
  async start(): Promise<void> {
    const r = await recover({
      records: this.journalRecords,
      staging: this.staging,
      ns: this.ns,
      backend: this.o.backend,
      root: this.o.root,
      log: this.o.log,
      setLocal: (node, staged) => this.setLocal(node, staged),
      drop: (node) => this.drop(node),
    });
    this.journalRecords.length = 0;
    this.lostOpenAtCrash = r.lostOpenAtCrash;
    this.queue.restore(r.pending, r.maxSeq);
    for (const op of r.pending) if (op.op === 'put') this.staging.ref(this.staging.files.get(op.file)!);
    this.journal.compact(r.pending);
    this.queue.start();
  }

  /**
   * The mount is about to go: from now on a release that was not preceded by
   * a close(2) (the mount's teardown releasing files still open) does not
   * commit them, so a file half-written at shutdown never reaches the backend.
   */
  detach(): void {
    this.detaching = true;
  }

  /** Stops persisting (what is staged resumes at the next start). Waits up to `flushMs` for the queue to drain first. */
  async stop(flushMs = 0): Promise<void> {
    if (flushMs > 0 && this.queue.pendingOps > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.queue.waitFor(''), new Promise((r) => (timer = setTimeout(r, flushMs)))]);
      clearTimeout(timer);
    }
    const pending = this.queue.pendingOps;
    if (pending > 0) this.o.log.warn('stopping with checkpoint files not yet persisted; they resume at the next start', { pending });
    await this.queue.stop();
    await this.writers.closeAll();
    for (const h of this.handles.values()) await h.reader?.fh.close().catch(() => {});
    this.handles.clear();
    this.journal.compact(this.keepRecords());
    this.journal.close();
  }

  // ---- read side -------------------------------------------------------

  async getattr(path: string): Promise<FsAttr> {
    return this.attr(await this.ns.get(checkMountPath(path)));
  }

  async readdir(path: string): Promise<FsDirEntry[]> {
    const dir = await this.ns.dir(checkMountPath(path));
    return [...dir.children].map(([name, n]) => ({ name, kind: n.kind }));
  }

  async open(path: string, flags: number): Promise<FsOpened> {
    const p = checkMountPath(path);
    const node = await this.ns.file(p);
    const writes = (flags & O_ACCMODE) !== fsc.O_RDONLY;
    if (!writes) return { handle: this.addHandle(node, undefined), keepCache: true };
    return this.mutex.run(async () => {
      const w = this.writers.open(node);
      const handle = this.addHandle(node, w);
      if (flags & fsc.O_TRUNC) await this.writers.truncate(node, w, 0);
      return { handle, keepCache: true };
    });
  }

  async read(handle: number, offset: number, length: number): Promise<Buffer> {
    const h = this.handle(handle);
    const node = h.node;
    const c = node.content;
    const size = node.size;
    if (offset >= size || length <= 0) return Buffer.alloc(0);
    const len = Math.min(length, size - offset);
    if (c.kind === 'through') throw new FsError('EIO', 'this file is being written through to the backend; read it after it is closed');
    if (c.kind === 'remote') {
      const path = this.ns.pathOf(node);
      return this.o.remote.read(path === undefined ? h.openedAt : this.ns.backendPath(path), offset, len, c.version);
    }
    const v = h.writer?.version ?? this.writers.writers.get(node)?.version;
    const fh = v && v.staged === c.staged ? v.fh : await this.readerFh(h, c.staged);
    const buf = Buffer.allocUnsafe(len);
    let filled = 0;
    while (filled < len) {
      const { bytesRead } = await fh.read(buf, filled, len - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === len ? buf : buf.subarray(0, filled);
  }

  async release(handle: number): Promise<void> {
    const h = this.handles.get(handle);
    if (!h) return;
    this.handles.delete(handle);
    await h.reader?.fh.close().catch(() => {});
    h.node.openHandles--;
    await this.mutex.run(async () => {
      const w = h.writer;
      if (w) {
        if (this.detaching && w.dirty) {
          this.o.log.warn('a checkpoint file still open for writing at shutdown is not persisted', { path: this.ns.pathOf(h.node) });
        } else {
          // Writes after the last close(2) (a shared mapping written back) are committed here.
          try {
            await this.writers.commit(h.node, w);
          } catch (err) {
            this.o.log.error('a checkpoint file released without flush could not be committed', { err: getErrorMessage(err) });
          }
        }
        await this.writers.closeHandle(h.node, w);
      }
      if (!h.node.parent && h.node.openHandles === 0) this.drop(h.node);
    });
  }

  async statfs(): Promise<FsStatfs> {
    const s = statfsSync(this.o.stagingDir);
    return {
      blockSize: s.bsize,
      blocks: s.blocks,
      blocksFree: s.bfree,
      blocksAvail: s.bavail,
      files: s.files,
      filesFree: s.ffree,
      nameMax: 255,
    };
  }

  // ---- write side ------------------------------------------------------

  async create(path: string, mode: number, flags: number): Promise<FsOpened & { readonly attr: FsAttr }> {
    const p = checkMountPath(path);
    return this.mutex.run(async () => {
      const { dir, name } = await this.ns.parentOf(p);
      const have = dir.children.get(name);
      if (have) {
        if (flags & fsc.O_EXCL) throw new FsError('EEXIST', `file exists: ${p}`);
        if (have.kind === 'dir') throw new FsError('EISDIR', `is a directory: ${p}`);
        const w = this.writers.open(have);
        const handle = this.addHandle(have, w);
        if (flags & fsc.O_TRUNC) await this.writers.truncate(have, w, 0);
        return { handle, keepCache: true, attr: this.attr(have) };
      }
      const now = this.now();
      const node = new FileNode(name, undefined, { kind: 'remote', size: 0, version: '' }, false, now);
      node.mode = mode & 0o7777;
      const w = this.writers.open(node);
      await this.writers.created(node, w, p);
      this.ns.attach(dir, node, name);
      return { handle: this.addHandle(node, w), keepCache: false, attr: this.attr(node) };
    });
  }

  async write(handle: number, data: Buffer, offset: number): Promise<number> {
    const h = this.handle(handle);
    if (!h.writer) throw new FsError('EBADF', 'file not open for writing');
    return this.writers.write(h.node, h.writer, data, offset);
  }

  async flush(handle: number): Promise<void> {
    const h = this.handle(handle);
    if (!h.writer) return;
    await this.mutex.run(async () => {
      if (!this.writers.deferEmptyFlush(h.writer!)) await this.writers.commit(h.node, h.writer!);
    });
  }

  async fsync(handle: number, datasync: boolean): Promise<void> {
    const h = this.handle(handle);
    if (h.writer) await this.writers.fsync(h.writer, datasync);
  }

  async setattr(path: string, changes: FsSetattr, handle?: number): Promise<FsAttr> {
    const node = handle !== undefined && this.handles.has(handle) ? this.handle(handle).node : await this.ns.get(checkMountPath(path));
    return this.mutex.run(async () => {
      if (changes.size !== undefined) {
        if (node.kind === 'dir') throw new FsError('EISDIR', `is a directory: ${path}`);
        if (changes.size < 0 || !Number.isSafeInteger(changes.size)) throw new FsError('EINVAL', `invalid size ${changes.size}`);
        const open = this.writers.writers.get(node);
        if (open) {
          await this.writers.truncate(node, open, changes.size);
        } else {
          const w = this.writers.open(node);
          await this.writers.truncate(node, w, changes.size);
          this.writers.linger(node, w, () =>
            this.mutex.run(async () => {
              await this.writers.commit(node, w);
              await this.writers.closeHandle(node, w);
            }),
          );
          w.handles--;
        }
      }
      if (changes.mode !== undefined) node.mode = changes.mode & 0o7777;
      if (changes.mtimeMs !== undefined) node.mtimeMs = changes.mtimeMs;
      node.ctimeMs = this.now();
      return this.attr(node);
    });
  }

  async mkdir(path: string, mode: number): Promise<FsAttr> {
    const p = checkMountPath(path);
    return this.mutex.run(async () => {
      const { dir, name } = await this.ns.parentOf(p);
      if (dir.children.has(name)) throw new FsError('EEXIST', `file exists: ${p}`);
      const d = new DirNode(name, undefined, this.now());
      d.mode = mode & 0o7777;
      d.listedAt = this.now();
      this.ns.attach(dir, d, name);
      return this.attr(d);
    });
  }

  async rmdir(path: string): Promise<void> {
    const p = checkMountPath(path);
    await this.mutex.run(async () => {
      await this.ns.parentOf(p);
      const d = await this.ns.dir(p);
      if (d.children.size > 0) throw new FsError('ENOTEMPTY', `directory not empty: ${p}`);
      this.ns.detach(d);
      // A POSIX backend keeps the directory its files implied; remove it so it does not come back.
      this.queue.push({ op: 'rmdir', path: p });
    });
  }

  async unlink(path: string): Promise<void> {
    const p = checkMountPath(path);
    await this.mutex.run(async () => {
      await this.ns.parentOf(p);
      const node = await this.ns.get(p);
      if (node.kind === 'dir') throw new FsError('EISDIR', `is a directory (use rmdir): ${p}`);
      this.ns.detach(node);
      if (node.onBackend) this.queue.push({ op: 'del', path: p });
      if (node.openHandles === 0 && !this.writers.writers.has(node)) this.drop(node);
    });
  }

  async rename(from: string, to: string, flags: RenameFlags): Promise<void> {
    const a = checkMountPath(from);
    const b = checkMountPath(to);
    await this.mutex.run(async () => {
      await this.ns.parentOf(a);
      const src = await this.ns.get(a);
      const { dir, name } = await this.ns.parentOf(b);
      const target = dir.children.get(name);
      if (target === src) return;
      if (target && flags.noReplace) throw new FsError('EEXIST', `file exists: ${b}`);
      if (src.kind === 'file') {
        if (target?.kind === 'dir') throw new FsError('EISDIR', `is a directory: ${b}`);
        if (src.onBackend) this.queue.push({ op: 'mv', path: a, to: b });
        else if (target?.onBackend) this.queue.push({ op: 'del', path: b });
        if (target) this.replaced(target);
      } else {
        if (target?.kind === 'file') throw new FsError('ENOTDIR', `not a directory: ${b}`);
        if (underPrefix(b, a)) throw new FsError('EINVAL', `cannot move a directory into itself: ${a} -> ${b}`);
        if (target) {
          await this.ns.listed(target);
          if (target.children.size > 0) throw new FsError('ENOTEMPTY', `directory not empty: ${b}`);
        }
        // The backend has no directory rename (an object store has no directories): move each file, in order.
        const files = await this.ns.files(src);
        for (const f of files) if (f.node.onBackend) this.queue.push({ op: 'mv', path: f.path, to: b + f.path.slice(a.length) });
        for (const d of this.dirsUnder(src, a)) this.queue.push({ op: 'rmdir', path: d });
        if (target) this.ns.detach(target);
      }
      this.ns.detach(src);
      this.ns.attach(dir, src, name);
    });
  }

  // ---- status ----------------------------------------------------------

  /** Resolves once every close, rename and delete under `path` so far is on the backend. */
  async waitPersisted(path = ''): Promise<WaitResult> {
    const p = checkMountPath(path);
    // An empty file just closed (touch) is committed at its release, which follows the close at once.
    await this.writers.settleEmptyFlushes((node) => {
      const np = this.ns.pathOf(node);
      return np !== undefined && underPrefix(np, p);
    }, EMPTY_CLOSE_SETTLE_MS);
    const openFiles: string[] = [];
    for (const [node, w] of this.writers.writers) {
      const np = this.ns.pathOf(node);
      if (np !== undefined && w.dirty && underPrefix(np, p)) openFiles.push(np);
    }
    const ops = await this.queue.waitFor(p);
    return { ops, openFiles };
  }

  /** Why persisting is stuck, while it is. */
  get persistError(): string | undefined {
    return this.queue.failing;
  }

  stats(): CheckpointFsStats {
    const puts = this.queue.pendingPuts;
    const oldest = this.queue.oldestQueuedAt;
    let open = 0;
    for (const w of this.writers.writers.values()) if (w.handles > 0) open++;
    return {
      bytesStaged: this.staging.bytes,
      filesPendingPersist: puts.files,
      bytesPendingPersist: puts.bytes,
      opsPending: this.queue.pendingOps - puts.files,
      oldestPendingAgeS: oldest === undefined ? 0 : Math.max(0, (this.now() - oldest) / 1000),
      filesOpenForWrite: open,
      filesPersisted: this.queue.filesPersisted,
      bytesPersisted: this.queue.bytesPersisted,
      persistBytesPerSecond: this.queue.persistBytesPerSecond,
      persistFailures: this.queue.failures,
      writeThroughFiles: this.writers.counters.writeThroughFiles,
      writeThroughBytes: this.writers.counters.writeThroughBytes,
      lostOpenAtCrash: this.lostOpenAtCrash,
    };
  }

  /** Bytes of local copies that may go (persisted, idle): the SSD's owner calls this when cache blocks need room. */
  get reclaimableBytes(): number {
    let n = 0;
    for (const [staged, node] of this.owners) if (this.evictable(staged, node)) n += staged.size;
    return n;
  }

  /** Drops local copies of persisted, idle files, oldest first, until `bytes` are freed; returns bytes freed. */
  reclaim(bytes: number): number {
    let freed = 0;
    for (const [staged, node] of [...this.owners]) {
      if (freed >= bytes) break;
      if (!this.evictable(staged, node)) continue;
      node.content = { kind: 'remote', size: staged.size, version: node.persistedVersion! };
      this.owners.delete(staged);
      freed += staged.size;
      this.staging.unref(staged);
    }
    return freed;
  }

  // ---- internals -------------------------------------------------------

  /** What a compacted journal keeps: pending ops, and the versions open now (to name them after a crash). */
  private keepRecords(): JournalRecord[] {
    const out: JournalRecord[] = this.queue.pendingRecords();
    for (const [node, w] of this.writers.writers) {
      if (w.version && !w.version.sealed) out.push({ op: 'open', file: w.version.staged.id, path: this.ns.pathOf(node) ?? node.name });
    }
    return out;
  }

  private evictable(staged: StagedFile, node: FileNode): boolean {
    if (staged.refs !== 1 || node.openHandles > 0 || this.writers.writers.has(node)) return false;
    if (!node.onBackend || node.persistedVersion === undefined || node.content.kind !== 'local') return false;
    const path = this.ns.pathOf(node);
    return path !== undefined && !this.queue.isTouched(path);
  }

  private attr(n: Node): FsAttr {
    if (n.kind === 'dir') {
      return { kind: 'dir', size: 0, mode: n.mode, mtimeMs: n.mtimeMs, ctimeMs: n.ctimeMs, version: 'dir' };
    }
    const c = n.content;
    const version = c.kind === 'local' ? `s${c.staged.id}` : c.kind === 'remote' ? c.version : 'through';
    return { kind: 'file', size: n.size, mode: n.mode, mtimeMs: n.mtimeMs, ctimeMs: n.ctimeMs, version };
  }

  private handle(h: number): Handle {
    const x = this.handles.get(h);
    if (!x) throw new FsError('EBADF', `unknown file handle ${h}`);
    return x;
  }

  private addHandle(node: FileNode, writer: Writer | undefined): number {
    const id = this.nextHandle++;
    const path = this.ns.pathOf(node) ?? node.name;
    this.handles.set(id, { node, writer, openedAt: this.ns.backendPath(path), reader: undefined });
    node.openHandles++;
    return id;
  }

  private async readerFh(h: Handle, staged: StagedFile): Promise<FileHandle> {
    if (h.reader?.staged === staged) return h.reader.fh;
    await h.reader?.fh.close().catch(() => {});
    h.reader = undefined;
    const fh = await fsp.open(staged.path, fsc.O_RDONLY);
    h.reader = { staged, fh };
    return fh;
  }

  private setLocal(node: FileNode, staged: StagedFile): void {
    const prev = node.content;
    this.staging.ref(staged);
    this.owners.set(staged, node);
    node.content = { kind: 'local', staged };
    node.persistedVersion = undefined;
    if (prev.kind === 'local' && prev.staged !== staged) {
      this.owners.delete(prev.staged);
      this.staging.unref(prev.staged);
    }
  }

  /** A node left the tree for good: its local bytes go once nothing else holds them. */
  private drop(node: Node): void {
    if (node.kind !== 'file' || node.content.kind !== 'local') return;
    const staged = node.content.staged;
    if (this.owners.get(staged) === node) this.owners.delete(staged);
    node.content = { kind: 'remote', size: 0, version: '' };
    this.staging.unref(staged);
  }

  /** A rename replaced `target`. */
  private replaced(target: Node): void {
    this.ns.detach(target);
    if (target.kind === 'file' && target.openHandles === 0 && !this.writers.writers.has(target)) this.drop(target);
  }

  /** Directories under (and including) `dir`, deepest first. */
  private dirsUnder(dir: DirNode, path: string): string[] {
    const out: string[] = [];
    const walk = (d: DirNode, p: string): void => {
      for (const [name, n] of d.children) if (n.kind === 'dir') walk(n, joinPath(p, name));
      out.push(p);
    };
    walk(dir, path);
    return out;
  }

  private opDone(op: PersistOp, outcome: OpOutcome, version: string | undefined): void {
    if (op.op === 'put') {
      const staged = this.staging.files.get(op.file);
      if (staged) {
        const node = this.owners.get(staged);
        if (node && outcome === 'persisted' && version !== undefined) node.persistedVersion = version;
        this.staging.unref(staged);
      }
    }
    if (outcome === 'persisted') {
      this.o.remote.invalidate?.(this.ns.backendPath(op.path));
      if (op.op === 'mv') this.o.remote.invalidate?.(this.ns.backendPath(op.to));
    }
    if (this.journal.lines > COMPACT_MIN_LINES && this.journal.lines > 4 * this.queue.pendingOps) {
      try {
        this.journal.compact(this.keepRecords());
      } catch (err) {
        this.o.log.warn('compacting the checkpoint journal failed', { err: getErrorMessage(err) });
      }
    }
  }
}

// The write side of open files: one Writer per file open for writing,
// shared by its handles. Bytes go into a staged version on the SSD; a close
// (flush) seals the version and queues its put, so a file closed before a
// kill -9 is in the journal. A later write to a sealed version copies it
// first (the persister may be reading it), so what is uploaded is exactly
// what was closed.
//
// When the SSD cannot take a write, the file switches to write-through:
// everything queued before it reaches the backend first (order), then the
// staged bytes and the rest of the file stream into one backend write that
// completes at close. Counted, and logged once.

import type { FileHandle } from 'node:fs/promises';
import { FsError } from '../fuse/types';
import type { Logger } from '../log';
import { ErrorCodes, hasCode } from '../errors';
import { getErrorCode, getErrorMessage } from '../util/errors-message';
import type { Journal } from './journal';
import { type FileNode, type Namespace } from './namespace';
import type { PersistQueue } from './persist-queue';
import type { StagedFile, Staging } from './staging';
import type { PersistBackend, RemoteTree } from './types';
import { ThroughWriter } from './write-through';

/** Download chunk when a file that is only on the backend is opened for writing. */
const COPY_IN_CHUNK_BYTES = 4 * 2 ** 20;
/** A truncate(2) without an open file waits this long for the open(O_TRUNC) that usually follows. */
export const TRUNCATE_LINGER_MS = 200;
/**
 * Every this many bytes written into a staged version, the kernel is asked to
 * start writing its dirty pages to the SSD. A checkpoint writer's fsync (and
 * the journal's promise that a closed file survives a crash) then waits for
 * the tail only, not for the whole file, and the disk works while the job
 * is still writing instead of after.
 */
export const WRITEBACK_EVERY_BYTES = 8 * 2 ** 20;

export interface Version {
  readonly staged: StagedFile;
  readonly fh: FileHandle;
  sealed: boolean;
  /** Bytes written since the disk was last asked to start writing them (see WRITEBACK_EVERY_BYTES). */
  unstarted: number;
}

export interface Writer {
  handles: number;
  version: Version | undefined;
  through: ThroughWriter | undefined;
  /** Mount path the write-through started at (a rename while open moves it after). */
  throughPath: string | undefined;
  /** Changed since the last commit. */
  dirty: boolean;
  /** fsync(2) since the last commit: the commit fsyncs the journal too. */
  fsynced: boolean;
  /**
   * The version is empty and untouched since it was made so (created, or
   * truncated to 0 by O_TRUNC or truncate(2)): a flush then waits for the
   * release instead of committing (see deferEmptyFlush).
   */
  emptySince: boolean;
  /** A flush of such a version came and its commit waits for the release (or for a write and the next flush). */
  flushedEmpty: boolean;
  preparing: Promise<Version> | undefined;
  switching: Promise<void> | undefined;
  linger: NodeJS.Timeout | undefined;
}

export interface WriterCounters {
  writeThroughFiles: number;
  writeThroughBytes: number;
}

export interface FileWritersOptions {
  readonly ns: Namespace;
  readonly staging: Staging;
  readonly queue: PersistQueue;
  readonly journal: Journal;
  readonly backend: PersistBackend;
  readonly remote: RemoteTree;
  readonly log: Logger;
  readonly now: () => number;
  /** The node now holds `staged` as its content (owner bookkeeping). */
  readonly setLocal: (node: FileNode, staged: StagedFile) => void;
  /** Starts the disk writing a file's dirty pages (no wait); absent = left to the kernel. */
  readonly startWriteback?: (fd: number) => void;
}

export class FileWriters {
  readonly writers = new Map<FileNode, Writer>();
  readonly counters: WriterCounters = { writeThroughFiles: 0, writeThroughBytes: 0 };
  private readonly o: FileWritersOptions;
  private warnedFull = false;
  /** Woken whenever a deferred empty flush is settled (committed or its writer gone). */
  private emptySettled: Array<() => void> = [];

  constructor(opts: FileWritersOptions) {
    this.o = opts;
  }

  /** The writer of `node`, created for a new write handle. */
  open(node: FileNode): Writer {
    let w = this.writers.get(node);
    if (!w) {
      w = {
        handles: 0,
        version: undefined,
        through: undefined,
        throughPath: undefined,
        dirty: false,
        fsynced: false,
        emptySince: false,
        flushedEmpty: false,
        preparing: undefined,
        switching: undefined,
        linger: undefined,
      };
      this.writers.set(node, w);
    }
    if (w.linger) clearTimeout(w.linger);
    w.linger = undefined;
    w.handles++;
    return w;
  }

  /** A fresh empty version for a file just created. */
  async created(node: FileNode, w: Writer, path: string): Promise<void> {
    const { staged, fh } = await this.o.staging.create();
    this.o.journal.append({ op: 'open', file: staged.id, path });
    w.version = { staged, fh, sealed: false, unstarted: 0 };
    w.dirty = true;
    w.emptySince = true;
    this.o.setLocal(node, staged);
  }

  /**
   * Whether a flush of this writer should not commit yet: its version is
   * empty and untouched since it was created or truncated to 0. The kernel
   * sends a FLUSH for every close(2), also of a duplicate while the file
   * stays open, and programs do that right after opening their output: dd
   * and a shell's `> file` open the file, dup2 it onto stdout and close the
   * original, then write. Committing there would persist an empty file
   * under the final name first (or replace the checkpoint on the backend by
   * an empty one), which a crash during the real upload would leave behind.
   * So such a commit waits for the release (the last close), or for a write
   * and the flush after it; a file that is left empty (touch) is persisted
   * at its release, which the kernel sends right after the close.
   */
  deferEmptyFlush(w: Writer): boolean {
    if (!w.emptySince || !w.dirty || w.through) return false;
    w.flushedEmpty = true;
    return true;
  }

  /**
   * Resolves once no writer `match` selects has a deferred empty flush
   * waiting for its release, or after `ms` (then its file is still open
   * somewhere, a duplicate held by a program that has not closed it).
   */
  async settleEmptyFlushes(match: (node: FileNode) => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    const pending = (): boolean => [...this.writers].some(([node, w]) => w.flushedEmpty && match(node));
    while (pending()) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.emptySettled.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  private settled(w: Writer): void {
    if (!w.flushedEmpty) return;
    w.flushedEmpty = false;
    for (const wake of this.emptySettled.splice(0)) wake();
  }

  async write(node: FileNode, w: Writer, data: Buffer, offset: number): Promise<number> {
    if (w.switching) await w.switching;
    if (data.length > 0) w.emptySince = false;
    if (w.through) return this.writeThrough(node, w, data, offset);
    const v = await this.version(node, w);
    const end = offset + data.length;
    const grow = end - v.staged.size;
    if (grow > 0) {
      if (!this.o.staging.reserve(grow)) return this.switchToThrough(node, w, data, offset, 'the SSD budget is used up');
      this.o.staging.resized(v.staged, end);
    }
    try {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await v.fh.write(data, done, data.length - done, offset + done);
        done += bytesWritten;
      }
    } catch (err) {
      if (getErrorCode(err) !== 'ENOSPC') throw err;
      return this.switchToThrough(node, w, data, offset, 'the SSD is full (ENOSPC)');
    }
    w.dirty = true;
    node.mtimeMs = this.o.now();
    v.unstarted += data.length;
    if (v.unstarted >= WRITEBACK_EVERY_BYTES && this.o.startWriteback) {
      v.unstarted = 0;
      this.o.startWriteback(v.fh.fd);
    }
    return data.length;
  }

  async truncate(node: FileNode, w: Writer, size: number): Promise<void> {
    if (w.switching) await w.switching;
    if (w.through) {
      if (size === w.through.size) return;
      throw new FsError('ENOSPC', 'this file is being written through to the backend (the SSD is full) and cannot be resized');
    }
    const v = size === 0 ? await this.emptyVersion(node, w) : await this.version(node, w);
    const grow = size - v.staged.size;
    if (grow > 0 && !this.o.staging.reserve(grow)) throw new FsError('ENOSPC', `no room on the SSD to extend the file to ${size} bytes`);
    await v.fh.truncate(size);
    this.o.staging.resized(v.staged, size);
    w.dirty = true;
    w.emptySince = size === 0;
    node.mtimeMs = this.o.now();
  }

  async fsync(w: Writer, datasync: boolean): Promise<void> {
    const v = w.version;
    if (!v) return;
    if (datasync) await v.fh.datasync();
    else await v.fh.sync();
    w.fsynced = true;
    if (v.sealed) this.o.journal.sync();
  }

  /** Seals what was written since the last commit and queues its put (or finishes a write-through). */
  async commit(node: FileNode, w: Writer): Promise<void> {
    if (w.switching) await w.switching;
    this.settled(w);
    if (!w.dirty) return;
    w.dirty = false;
    w.emptySince = false;
    const path = this.o.ns.pathOf(node);
    if (w.through) {
      const t = w.through;
      w.through = undefined;
      if (path === undefined) {
        t.cancel(new Error('the file was deleted while it was written through'));
        return;
      }
      let stat;
      try {
        stat = await t.end();
      } catch (err) {
        const errno = hasCode(err, ErrorCodes.NO_SPACE) ? 'ENOSPC' : 'EIO';
        this.o.log.error('writing a file through to the backend failed; it was not saved', { path, err: getErrorMessage(err) });
        throw new FsError(errno, `writing ${path} through to the backend failed: ${getErrorMessage(err)}`, { cause: err });
      }
      node.content = { kind: 'remote', size: stat.size, version: stat.version };
      node.onBackend = true;
      this.counters.writeThroughFiles++;
      this.counters.writeThroughBytes += stat.size;
      if (w.throughPath !== undefined && w.throughPath !== path) this.o.queue.push({ op: 'mv', path: w.throughPath, to: path });
      this.o.remote.invalidate?.(this.o.ns.backendPath(path));
      return;
    }
    const v = w.version;
    if (!v || path === undefined) return;
    v.sealed = true;
    this.o.staging.ref(v.staged);
    this.o.queue.push({ op: 'put', path, file: v.staged.id, size: v.staged.size });
    node.onBackend = true;
    if (w.fsynced) this.o.journal.sync();
    w.fsynced = false;
  }

  /** A handle closed; the last one closes the version. */
  async closeHandle(node: FileNode, w: Writer): Promise<void> {
    w.handles--;
    if (w.handles > 0 || w.linger) return;
    this.settled(w);
    this.writers.delete(node);
    await w.version?.fh.close().catch(() => {});
    w.version = undefined;
  }

  /** truncate(2) of a file nobody has open: commit soon unless an open adopts it. */
  linger(node: FileNode, w: Writer, commit: () => Promise<void>): void {
    w.linger = setTimeout(() => {
      w.linger = undefined;
      void commit().catch((err) => this.o.log.warn('committing a truncate failed', { err: getErrorMessage(err) }));
    }, TRUNCATE_LINGER_MS);
    w.linger.unref();
  }

  async closeAll(): Promise<void> {
    for (const [node, w] of this.writers) {
      if (w.linger) clearTimeout(w.linger);
      w.through?.cancel(new Error('daemon stopping'));
      await w.version?.fh.close().catch(() => {});
      this.writers.delete(node);
    }
  }

  /** The unsealed version to write into: copy-on-write of the node's bytes. */
  private version(node: FileNode, w: Writer): Promise<Version> {
    if (w.version && !w.version.sealed) return Promise.resolve(w.version);
    w.preparing ??= this.newVersion(node, w, false).finally(() => {
      w.preparing = undefined;
    });
    return w.preparing;
  }

  private emptyVersion(node: FileNode, w: Writer): Promise<Version> {
    if (w.version && !w.version.sealed) return Promise.resolve(w.version);
    w.preparing ??= this.newVersion(node, w, true).finally(() => {
      w.preparing = undefined;
    });
    return w.preparing;
  }

  private async newVersion(node: FileNode, w: Writer, empty: boolean): Promise<Version> {
    const st = this.o.staging;
    const c = node.content;
    const size = empty ? 0 : node.size;
    if (size > 0 && !st.reserve(size)) {
      throw new FsError('ENOSPC', `no room on the SSD for a modified copy of this ${size}-byte file; write a new file instead`);
    }
    let made: { staged: StagedFile; fh: FileHandle };
    if (empty || size === 0) {
      made = await st.create();
    } else if (c.kind === 'local') {
      made = await st.copy(c.staged);
    } else if (c.kind === 'remote') {
      made = await st.create();
      st.resized(made.staged, size);
      const path = this.o.ns.pathOf(node) ?? node.name;
      for (let pos = 0; pos < size; pos += COPY_IN_CHUNK_BYTES) {
        const len = Math.min(COPY_IN_CHUNK_BYTES, size - pos);
        const buf = await this.o.remote.read(this.o.ns.backendPath(path), pos, len, c.version);
        await made.fh.write(buf, 0, buf.length, pos);
      }
    } else {
      throw new FsError('EIO', 'the file is being written through to the backend');
    }
    const old = w.version;
    await old?.fh.close().catch(() => {});
    this.o.journal.append({ op: 'open', file: made.staged.id, path: this.o.ns.pathOf(node) ?? node.name });
    w.version = { staged: made.staged, fh: made.fh, sealed: false, unstarted: 0 };
    this.o.setLocal(node, made.staged);
    return w.version;
  }

  private switchToThrough(node: FileNode, w: Writer, data: Buffer, offset: number, why: string): Promise<number> {
    w.switching ??= this.startThrough(node, w, why).finally(() => {
      w.switching = undefined;
    });
    return w.switching.then(() => this.writeThrough(node, w, data, offset));
  }

  private async startThrough(node: FileNode, w: Writer, why: string): Promise<void> {
    const path = this.o.ns.pathOf(node);
    if (path === undefined) throw new FsError('ENOSPC', `${why}, and the file was deleted`);
    if (!this.warnedFull) {
      this.warnedFull = true;
      this.o.log.warn('checkpoint staging is out of SSD space: files are written through to the backend', { why, path });
    }
    // Everything that happened before this file must reach the backend first.
    await this.o.queue.waitFor('');
    const t = new ThroughWriter(this.o.backend, this.o.ns.backendPath(path));
    const v = w.version;
    if (v) {
      for await (const chunk of this.o.staging.read(v.staged)) await t.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      await v.fh.close().catch(() => {});
      w.version = undefined;
    }
    w.through = t;
    w.throughPath = path;
    const prev = node.content;
    node.content = { kind: 'through', size: t.size };
    if (prev.kind === 'local') this.o.staging.unref(prev.staged);
  }

  private async writeThrough(node: FileNode, w: Writer, data: Buffer, offset: number): Promise<number> {
    const t = w.through!;
    // A page the kernel sends again (writeback cache) repeats bytes already sent: only its new bytes go on.
    const repeated = t.repeated(data, offset);
    if (repeated < 0) {
      throw new FsError(
        'ENOSPC',
        `the SSD is full and this file is being written through to the backend, which takes sequential writes only (write at ${offset}, file has ${t.size} bytes)`,
      );
    }
    try {
      if (repeated < data.length) await t.push(data.subarray(repeated));
    } catch (err) {
      throw new FsError('EIO', `writing through to the backend failed: ${getErrorMessage(err)}`, { cause: err });
    }
    node.content = { kind: 'through', size: t.size };
    node.mtimeMs = this.o.now();
    w.dirty = true;
    return data.length;
  }
}

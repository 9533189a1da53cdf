// Backend over a POSIX directory: the node's mount of CephFS, Lustre, NFS,
// JuiceFS... Symlinks are followed only while they stay inside the root.
// Anyone who can write to the dataset filesystem can swap a directory for a
// symlink out of the root between a check and a use, so stat and read open
// the file first (non-blocking) and check what the descriptor points at
// (/proc/self/fd/N inside the root, a regular file or directory) before
// using it, and then use only the descriptor. The native jobs open with
// openat2 beneath the root first, which needs no readlink: a descriptor it
// gives is inside by construction, and wherever it refuses (an absolute
// symlink into the root, say) the readlink decides as before, so the same
// names are served and refused either way. Directories are listed the same
// way: opened, checked, then read through the descriptor.

import { promises as fsp, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, backendUnavailable, fileChanged, hasCode, invalidPath, notFound, pathEscapesRoot, isDirectory } from '../errors';
import { getErrorCode } from '../util/errors-message';
import { isInsideRoot, normalizeRequestPath } from './path-guard';
import { openNonBlocking, readdirOf, realPathOf } from '../util/safe-open';
import { isDirectoryMode, isRegular, nativeIo, type NativeIo, type NativePlace, type NativeStat } from '../native/native-io';
import type { IncompletePolicy } from './incomplete-writes';
import { PosixWrites } from './posix-writes';
import type { Backend, BackendCounters, BackendStat, BackendWriteOptions, CurrentRead } from './types';

/**
 * One version of a file's bytes: size, mtime, inode and ctime. ctime is what
 * `touch -r` cannot restore: a file rewritten in place with its old mtime
 * put back still gets a new version.
 */
export function versionOf(st: { readonly size: number; readonly mtimeMs: number; readonly ctimeMs: number; readonly ino: number | bigint }): string {
  return `${st.size}-${Math.trunc(st.mtimeMs)}-${st.ino}-${Math.trunc(st.ctimeMs)}`;
}

/** FIFOs, sockets and devices are never opened: opening a FIFO blocks until a writer comes. */
/** A normalised path as errors name it: the root is '/'. */
const shown = (rel: string): string => (rel === '' ? '/' : rel);

/** Reads into all of `buf` from `offset`, or up to end of file; the bytes read. */
async function readFully(fh: fsp.FileHandle, buf: Buffer, offset: number): Promise<number> {
  let filled = 0;
  while (filled < buf.length) {
    const { bytesRead } = await fh.read(buf, filled, buf.length - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

const notRegular = (path: string) => invalidPath(path, 'not a regular file or directory (a FIFO, socket or device); tiercache does not serve it');

export class PosixBackend implements Backend {
  readonly kind = 'posix';
  readonly location: string;
  readonly counters: BackendCounters = { reads: 0, bytesRead: 0, errors: 0, stats: 0 };
  /**
   * Absolute, symlink-resolved root directory: the POSIX-only capability,
   * for what needs the local directory itself (the change watcher, statfs).
   * Not part of Backend; ask a PosixBackend for it explicitly.
   */
  readonly localRoot: string;
  private readonly root: string;
  private readonly writes: PosixWrites;
  /** Batched I/O: a stat or a read is one threadpool job instead of one per system call. */
  private readonly io: NativeIo | undefined;

  /**
   * `incomplete`: whose leftover temporary files cleanupIncomplete removes (default: every one, a backend of one writer).
   * `io`: the native I/O addon (default: when built); null takes the fs path.
   */
  constructor(root: string, opts: { create?: boolean; incomplete?: IncompletePolicy; io?: NativeIo | null } = {}) {
    if (opts.create) mkdirSync(root, { recursive: true });
    this.io = opts.io === null ? undefined : (opts.io ?? nativeIo());
    this.root = realpathSync(root);
    this.localRoot = this.root;
    this.location = this.root;
    this.writes = new PosixWrites(this.root, (p) => this.stat(p), opts.incomplete);
  }

  write(path: string, body: AsyncIterable<Uint8Array>, opts?: BackendWriteOptions): Promise<BackendStat> {
    return this.writes.write(path, body, opts);
  }

  delete(path: string): Promise<void> {
    return this.writes.delete(path);
  }

  rename(from: string, to: string): Promise<void> {
    return this.writes.rename(from, to);
  }

  removeDir(path: string): Promise<void> {
    return this.writes.removeDir(path);
  }

  cleanupIncomplete(prefix: string): Promise<number> {
    return this.writes.cleanupIncomplete(prefix);
  }

  /**
   * Validated absolute path (symlinks resolved) of a request path; throws
   * named errors. POSIX-only (offloaded-backend.ts hands it to a worker).
   */
  async localPath(path: string): Promise<string> {
    const rel = normalizeRequestPath(path);
    const joined = rel === '' ? this.root : join(this.root, rel);
    let real: string;
    try {
      real = await fsp.realpath(joined);
    } catch (err) {
      throw this.mapError(err, shown(rel));
    }
    if (!isInsideRoot(this.root, real)) throw pathEscapesRoot(path);
    return real;
  }

  /**
   * Opens a request path (symlinks followed) without blocking and checks that
   * what was opened lies inside the root; the handle is the caller's to close.
   */
  private async openInside(rel: string, path: string): Promise<fsp.FileHandle> {
    let fh: fsp.FileHandle;
    try {
      fh = await openNonBlocking(rel === '' ? this.root : join(this.root, rel), { follow: true });
    } catch (err) {
      throw this.mapError(err, shown(rel));
    }
    try {
      if (!isInsideRoot(this.root, await realPathOf(fh))) throw pathEscapesRoot(path);
      return fh;
    } catch (err) {
      await fh.close().catch(() => {});
      throw this.mapError(err, rel);
    }
  }

  /**
   * Whether a native job's descriptor lies inside the root: opened beneath
   * it (openat2), or where /proc/self/fd/N points when openat2 refused (the
   * same check as openInside's).
   */
  private placedInside(r: NativePlace): boolean {
    return r.inside === true || (r.real !== undefined && isInsideRoot(this.root, r.real));
  }

  /** The absolute name of a normalised request path. */
  private absolute(rel: string): string {
    return rel === '' ? this.root : join(this.root, rel);
  }

  async stat(path: string): Promise<BackendStat> {
    const rel = normalizeRequestPath(path);
    if (this.io) return this.statNative(this.io, rel, path);
    const fh = await this.openInside(rel, path);
    this.counters.stats++;
    try {
      const st = await fh.stat({ bigint: false });
      if (!st.isDirectory() && !st.isFile()) throw notRegular(rel);
      return {
        path: rel,
        size: st.isDirectory() ? 0 : st.size,
        mtimeMs: Math.trunc(st.mtimeMs),
        isDir: st.isDirectory(),
        version: versionOf(st),
      };
    } catch (err) {
      throw this.mapError(err, rel);
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /** stat() as one native job: the descriptor is opened O_PATH, so the filesystem itself sees no open. */
  private async statNative(io: NativeIo, rel: string, path: string): Promise<BackendStat> {
    let r;
    try {
      r = await io.stat(this.absolute(rel), this.root);
    } catch (err) {
      throw this.mapError(err, shown(rel));
    }
    if (!this.placedInside(r)) throw this.mapError(pathEscapesRoot(path), rel);
    this.counters.stats++;
    const dir = isDirectoryMode(r.stat);
    if (!dir && !isRegular(r.stat)) throw notRegular(rel);
    return { path: rel, size: dir ? 0 : r.stat.size, mtimeMs: Math.trunc(r.stat.mtimeMs), isDir: dir, version: versionOf(r.stat) };
  }

  async read(path: string, offset: number, length: number, version: string): Promise<Buffer> {
    const rel = normalizeRequestPath(path);
    if (this.io) return this.readNative(this.io, rel, path, offset, length, version);
    const fh = await this.openInside(rel, path);
    try {
      const before = await fh.stat();
      if (before.isDirectory()) throw isDirectory(path);
      if (!before.isFile()) throw notRegular(path);
      if (versionOf(before) !== version) throw fileChanged(path);
      const buf = Buffer.allocUnsafeSlow(length);
      const filled = await readFully(fh, buf, offset);
      const st = await fh.stat();
      this.counters.reads++;
      this.counters.bytesRead += filled;
      if (versionOf(st) !== version) throw fileChanged(path);
      return filled === length ? buf : buf.subarray(0, filled);
    } catch (err) {
      throw this.mapError(err, path);
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /** read() as one native job: open beneath the root (or open and where it points), fstat, pread, fstat, close; the checks are the same. */
  private async readNative(io: NativeIo, rel: string, path: string, offset: number, length: number, version: string): Promise<Buffer> {
    const buf = Buffer.allocUnsafeSlow(length);
    let r;
    try {
      r = await io.read(this.absolute(rel), offset, buf, this.root);
    } catch (err) {
      // Named as the fs path names them: a failed open by its normalised path, the rest by the one asked for.
      throw this.mapError(err, (err as { syscall?: string }).syscall === 'open' ? shown(rel) : path);
    }
    if (!this.placedInside(r)) throw this.mapError(pathEscapesRoot(path), rel);
    const check = (st: NativeStat): void => {
      if (isDirectoryMode(st)) throw isDirectory(path);
      if (!isRegular(st)) throw notRegular(path);
      if (versionOf(st) !== version) throw fileChanged(path);
    };
    check(r.stat);
    this.counters.reads++;
    this.counters.bytesRead += r.bytesRead;
    // The job hands back `stat` itself as `after` when nothing it reports changed.
    if (r.after !== r.stat) check(r.after);
    return r.bytesRead === length ? buf : buf.subarray(0, r.bytesRead);
  }

  /**
   * read() of whatever version the file is at, checked the same way: the
   * fstat before reading gives the version (and size), the one after must
   * agree. One open: a file read for the first time costs no separate stat.
   */
  async readCurrent(path: string, offset: number, length: number): Promise<CurrentRead> {
    const rel = normalizeRequestPath(path);
    if (this.io) return this.readCurrentNative(this.io, rel, path, offset, length);
    const fh = await this.openInside(rel, path);
    try {
      const before = await fh.stat();
      if (before.isDirectory()) throw isDirectory(shown(rel));
      if (!before.isFile()) throw notRegular(rel);
      const version = versionOf(before);
      // Sized by the fstat: bytes past it would belong to another version anyway.
      const buf = Buffer.allocUnsafeSlow(Math.max(0, Math.min(length, before.size - offset)));
      const filled = await readFully(fh, buf, offset);
      const after = await fh.stat();
      this.counters.reads++;
      this.counters.bytesRead += filled;
      if (versionOf(after) !== version) throw fileChanged(rel);
      return { data: filled === buf.length ? buf : buf.subarray(0, filled), stat: this.fileStatOf(rel, before.size, before.mtimeMs, version) };
    } catch (err) {
      throw this.mapError(err, rel);
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /**
   * readCurrent() as one native job (readNative's open, fstat, pread, fstat,
   * close), its first fstat the version; the job sizes the buffer by that
   * fstat, so a file shorter than `length` is held in a buffer of its size.
   */
  private async readCurrentNative(io: NativeIo, rel: string, path: string, offset: number, length: number): Promise<CurrentRead> {
    let r;
    try {
      r = await io.readSized(this.absolute(rel), offset, length, this.root);
    } catch (err) {
      throw this.mapError(err, shown(rel));
    }
    if (!this.placedInside(r)) throw this.mapError(pathEscapesRoot(path), rel);
    if (isDirectoryMode(r.stat)) throw isDirectory(shown(rel));
    if (!isRegular(r.stat)) throw notRegular(rel);
    const version = versionOf(r.stat);
    this.counters.reads++;
    this.counters.bytesRead += r.bytesRead;
    if (r.after !== r.stat && versionOf(r.after) !== version) throw fileChanged(rel);
    return { data: r.data, stat: this.fileStatOf(rel, r.stat.size, r.stat.mtimeMs, version) };
  }

  private fileStatOf(rel: string, size: number, mtimeMs: number, version: string): BackendStat {
    return { path: rel, size, mtimeMs: Math.trunc(mtimeMs), isDir: false, version };
  }

  async readdir(dir: string): Promise<string[]> {
    const rel = normalizeRequestPath(dir);
    const names = (await this.entriesOf(rel, dir)).map((e) => e.name);
    names.sort();
    return rel === '' ? names : names.map((n) => `${rel}/${n}`);
  }

  /** A directory's entries, read through a descriptor checked to lie inside the root (never by name again). */
  private async entriesOf(rel: string, path: string): Promise<import('node:fs').Dirent[]> {
    const fh = await this.openInside(rel, path);
    try {
      if (!(await fh.stat()).isDirectory()) throw notFound(shown(rel));
      return await readdirOf(fh);
    } catch (err) {
      throw this.mapError(err, shown(rel));
    } finally {
      await fh.close().catch(() => {});
    }
  }

  async *list(prefix: string, recursive: boolean): AsyncIterable<BackendStat> {
    const rel = normalizeRequestPath(prefix);
    const top = await this.stat(rel);
    if (!top.isDir) {
      yield top;
      return;
    }
    const stack: string[] = [rel];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const entries = await this.entriesOf(dir, dir);
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const subdirs: string[] = [];
      for (const e of entries) {
        const child = dir === '' ? e.name : `${dir}/${e.name}`;
        let st: BackendStat;
        try {
          st = await this.stat(child);
        } catch (err) {
          // Vanished, a symlink out of the root, a FIFO or device: not part of the listing.
          if (hasCode(err, ErrorCodes.NOT_FOUND) || hasCode(err, ErrorCodes.PATH_ESCAPES_ROOT) || hasCode(err, ErrorCodes.INVALID_PATH)) continue;
          throw err;
        }
        if (st.isDir) {
          if (recursive) subdirs.push(child);
        } else {
          yield st;
        }
      }
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
    }
  }

  /** A read done elsewhere on this backend's behalf (a prefetch worker thread) counts as its own. */
  countRead(bytes: number): void {
    this.counters.reads++;
    this.counters.bytesRead += bytes;
  }

  /** The named error (and counter) of a failure, as this backend's own calls report it. */
  toError(err: unknown, path: string): Error {
    return this.mapError(err, path);
  }

  private mapError(err: unknown, path: string): Error {
    const code = getErrorCode(err);
    if (code?.startsWith('TC_')) return err as Error;
    if (code === 'ENOENT' || code === 'ENOTDIR') return notFound(path);
    if (code === 'EISDIR') return isDirectory(path);
    if (code === 'ELOOP') return invalidPath(path, 'too many levels of symbolic links');
    // A client's mistake, not the backend's: no backend error is counted.
    if (code === 'ENAMETOOLONG') return invalidPath(path, 'a path component is longer than the file system allows (255 bytes on most)');
    this.counters.errors++;
    return backendUnavailable(path, err);
  }
}

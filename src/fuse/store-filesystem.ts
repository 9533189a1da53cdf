// The read-only POSIX view of the cached backend: a MountFilesystem whose
// every read goes through the same CachedStore as a gRPC read (tiers,
// single-flight, owner peers, read observers: readahead, next-file, plans,
// access history, metrics). getattr is the store's stat, trusted by the
// kernel exactly as long as the store's own metadata entry has left, so the
// two caches together never serve a version older than metadata-ttl;
// readdir is one backend readdir.
//
// Permission model: every file is r--r--r-- and every directory r-xr-xr-x,
// owned by the daemon's user, mounted allow_other with default_permissions:
// any uid in any pod reads everything the daemon can read, nobody writes.

import { promises as fsp } from 'node:fs';
import type { BackendStat } from '../backend/types';
import type { CachedStore, ReadContext } from '../cache/cached-store';
import { ErrorCodes, TiercacheError, hasCode } from '../errors';
import { getErrorMessage } from '../util/errors-message';
import { FsError, type Errno, type FsAttr, type FsDirEntry, type FsOpened, type FsStatfs, type MountFilesystem } from './types';

const FILE_MODE = 0o444;
const DIR_MODE = 0o555;
const NAME_MAX = 255;

/** How the store's named errors read to a POSIX program. */
const ERRNO_OF_CODE: Partial<Record<string, Errno>> = {
  [ErrorCodes.NOT_FOUND]: 'ENOENT',
  // A symlink out of the backend root is not followed.
  [ErrorCodes.PATH_ESCAPES_ROOT]: 'EACCES',
  // FIFOs, sockets and devices are refused by the backend (never opened).
  [ErrorCodes.INVALID_PATH]: 'ENXIO',
  [ErrorCodes.IS_DIRECTORY]: 'EISDIR',
  [ErrorCodes.INVALID_ARGUMENT]: 'EINVAL',
  [ErrorCodes.BACKEND_UNAVAILABLE]: 'EIO',
  [ErrorCodes.FILE_CHANGED]: 'EIO',
  [ErrorCodes.SHUTTING_DOWN]: 'EIO',
};

export interface StoreFilesystemOptions {
  readonly store: CachedStore;
  readonly metadataTtlMs: number;
  /** The store's unary read limit: longer kernel reads are split. */
  readonly maxReadSize: number;
  /** Who reads, for access history and prefetch (every mount read shares it). */
  readonly job: string;
  /** The POSIX backend's directory, when it is one: statfs reports its size. */
  readonly localRoot?: string;
  /**
   * Let the kernel skip opens (FUSE no-open: a warm file costs no round trip
   * at all), giving up close-to-open consistency: with no open, nothing ties
   * a reader to one version. Default false: every open is answered, reads
   * the version it opened, and keeps the kernel's pages only when they are
   * of that version.
   */
  readonly skipOpens?: boolean;
  readonly now?: () => number;
}

interface OpenFile {
  readonly path: string;
  /** The version seen at open: every read of the handle is of it. */
  readonly stat: BackendStat;
}

export class StoreFilesystem implements MountFilesystem {
  readonly writable = false;
  readonly consistentOpens: boolean;
  readonly attrTimeoutS: number;
  readonly entryTimeoutS: number;
  private readonly store: CachedStore;
  private readonly ctx: ReadContext;
  private readonly maxReadSize: number;
  private readonly localRoot: string | undefined;
  private readonly now: () => number;
  private readonly open_ = new Map<number, OpenFile>();
  private nextHandle = 1;

  constructor(opts: StoreFilesystemOptions) {
    this.store = opts.store;
    this.consistentOpens = opts.skipOpens !== true;
    this.attrTimeoutS = opts.metadataTtlMs / 1000;
    this.entryTimeoutS = opts.metadataTtlMs / 1000;
    this.ctx = { job: opts.job };
    this.maxReadSize = opts.maxReadSize;
    this.localRoot = opts.localRoot;
    this.now = opts.now ?? Date.now;
  }

  async getattr(path: string): Promise<FsAttr> {
    const stat = await this.stat(path);
    const expiry = this.store.metadataExpiry(stat.path);
    return {
      kind: stat.isDir ? 'dir' : 'file',
      size: stat.size,
      mode: stat.isDir ? DIR_MODE : FILE_MODE,
      mtimeMs: stat.mtimeMs,
      ctimeMs: stat.mtimeMs,
      version: stat.version,
      ...(expiry === undefined ? {} : { ttlS: Math.max(0, (expiry - this.now()) / 1000) }),
    };
  }

  async readdir(path: string): Promise<FsDirEntry[]> {
    let names: string[];
    try {
      names = await this.store.backend.readdir(path);
    } catch (err) {
      throw fsErrorOf(err);
    }
    const prefix = path === '' ? 0 : path.length + 1;
    return names.map((p) => ({ name: p.slice(prefix), kind: 'unknown' as const }));
  }

  async open(path: string, flags: number): Promise<FsOpened> {
    if ((flags & 3) !== 0) throw new FsError('EROFS', 'the cached view is read-only');
    const stat = await this.stat(path);
    if (stat.isDir) throw new FsError('EISDIR', `is a directory: ${path}`);
    const handle = this.nextHandle++;
    this.open_.set(handle, { path: stat.path, stat });
    // Unchanged files keep their pages (the mount compares the version with the one the kernel holds).
    return { handle, keepCache: true, version: stat.version };
  }

  async read(handle: number, offset: number, length: number): Promise<Buffer> {
    const f = this.open_.get(handle);
    if (!f) throw new FsError('EBADF', `unknown handle ${handle}`);
    // Synchronously, before any await: observers see reads in the kernel's order.
    this.store.observeRead(this.ctx, f.stat, offset, length);
    try {
      if (length <= this.maxReadSize) return await this.readPart(f, offset, length);
      const parts: Buffer[] = [];
      for (let pos = offset; pos < offset + length; pos += this.maxReadSize) {
        const part = await this.readPart(f, pos, Math.min(this.maxReadSize, offset + length - pos));
        parts.push(part);
        if (part.length === 0) break;
      }
      return Buffer.concat(parts);
    } catch (err) {
      // Past the end of a file that shrank: end of file, not an error.
      if (hasCode(err, ErrorCodes.OUT_OF_RANGE)) return Buffer.alloc(0);
      throw fsErrorOf(err);
    }
  }

  /**
   * With consistent opens, every read of an open is of the version it
   * opened: bytes of a newer one would land beside the kernel's pages of the
   * old one. When the old one can no longer be read (the backend holds the
   * new one and the cache no longer the old), the read fails FILE_CHANGED:
   * EIO, never a mix. Without them (skipOpens) there is no open to hold a
   * version: the inode's handle reads the current one, as the kernel will
   * be told at its next getattr.
   */
  private readPart(f: OpenFile, offset: number, length: number): Promise<Buffer> {
    return this.consistentOpens
      ? this.store.readVersion(f.stat, offset, length, this.ctx, false)
      : this.store.read(f.path, offset, length, this.ctx, false);
  }

  async release(handle: number): Promise<void> {
    this.open_.delete(handle);
  }

  async statfs(): Promise<FsStatfs> {
    if (this.localRoot !== undefined) {
      try {
        const s = await fsp.statfs(this.localRoot);
        return {
          blockSize: s.bsize,
          blocks: s.blocks,
          blocksFree: 0,
          blocksAvail: 0,
          files: s.files,
          filesFree: 0,
          nameMax: NAME_MAX,
        };
      } catch {
        // Fall through to the figures of a backend without a local mount.
      }
    }
    return { blockSize: 4096, blocks: 0, blocksFree: 0, blocksAvail: 0, files: 0, filesFree: 0, nameMax: NAME_MAX };
  }

  private async stat(path: string): Promise<BackendStat> {
    try {
      return await this.store.stat(path);
    } catch (err) {
      throw fsErrorOf(err);
    }
  }
}

function fsErrorOf(err: unknown): FsError {
  if (err instanceof FsError) return err;
  const errno = err instanceof TiercacheError ? ERRNO_OF_CODE[err.code] : undefined;
  // Unknown failures are EIO too; the message is kept for the mount's log.
  return new FsError(errno ?? 'EIO', getErrorMessage(err), { cause: err });
}

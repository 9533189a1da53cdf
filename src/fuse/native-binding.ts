// Loads the FUSE addon (src/fuse/native, built by hack/build-fuse-addon.js at
// npm install) and types its surface. A machine without libfuse3-dev has no
// addon; only a mount needs it, and it then fails with what to install.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors';

/** Request kinds the addon posts to JavaScript; in step with OP_* in tiercache-fuse.c. */
export const OPS = {
  INIT_DONE: 1,
  LOOP_DONE: 2,
  LOOKUP: 3,
  FORGET: 4,
  GETATTR: 5,
  SETATTR: 6,
  MKDIR: 7,
  UNLINK: 8,
  RMDIR: 9,
  RENAME: 10,
  OPEN: 11,
  READ: 12,
  WRITE: 13,
  FLUSH: 14,
  RELEASE: 15,
  FSYNC: 16,
  OPENDIR: 17,
  READDIR: 18,
  RELEASEDIR: 19,
  STATFS: 20,
  CREATE: 21,
  NOTIFY_DONE: 22,
} as const;

/** setattr's `valid` bits (fuse_lowlevel.h FUSE_SET_ATTR_*). */
export const SETATTR = {
  MODE: 1 << 0,
  UID: 1 << 1,
  GID: 1 << 2,
  SIZE: 1 << 3,
  ATIME: 1 << 4,
  MTIME: 1 << 5,
  ATIME_NOW: 1 << 7,
  MTIME_NOW: 1 << 8,
} as const;

export const RENAME_NOREPLACE = 1;

/** Opaque session handle (a native external). */
export type Session = { readonly __fuseSession: unique symbol };

/**
 * One request: (op, req, n0..n4, s1, s2, data). `req` is 0 for notices
 * (INIT_DONE, LOOP_DONE, FORGET) that take no reply.
 */
export type Dispatch = (
  op: number,
  req: number,
  n0: number,
  n1: number,
  n2: number,
  n3: number,
  n4: number,
  s1: string | undefined,
  s2: string | undefined,
  data: Buffer | undefined,
) => void;

// Attribute arguments: ino, mode (type | permissions), nlink, size, mtimeMs, ctimeMs, uid, gid.
type AttrArgs = [number, number, number, number, number, number, number, number];

/** Reply functions return false when the session is closed (the reply was dropped). */
export interface FuseBinding {
  readonly libfuseVersion: number;
  /**
   * `onJsThread`: this thread reads the requests itself (a poll on the event
   * loop) and dispatch is called at once; otherwise a thread of the addon's
   * reads them and hands them over through a threadsafe function.
   */
  mount(
    mountpoint: string,
    options: string,
    maxWrite: number,
    maxReadahead: number,
    writebackCache: boolean,
    onJsThread: boolean,
    dispatch: Dispatch,
  ): Session;
  stop(s: Session): void;
  destroy(s: Session): void;
  replyErr(s: Session, req: number, errno: number): boolean;
  replyEntry(s: Session, req: number, ...a: [...AttrArgs, attrTimeoutS: number, entryTimeoutS: number]): boolean;
  replyAttr(s: Session, req: number, ...a: [...AttrArgs, attrTimeoutS: number]): boolean;
  replyOpen(s: Session, req: number, fh: number, keepCache: boolean, directIo: boolean): boolean;
  replyCreate(
    s: Session,
    req: number,
    ...a: [...AttrArgs, attrTimeoutS: number, entryTimeoutS: number, fh: number, keepCache: boolean, directIo: boolean]
  ): boolean;
  replyBuf(s: Session, req: number, data: Buffer): boolean;
  replyWrite(s: Session, req: number, count: number): boolean;
  replyStatfs(
    s: Session,
    req: number,
    blockSize: number,
    blocks: number,
    blocksFree: number,
    blocksAvail: number,
    files: number,
    filesFree: number,
    nameMax: number,
  ): boolean;
  /** Directory entries from index `offset` (entry i has offset i + 1); types are S_IF* >> 12, 0 unknown. */
  replyDir(s: Session, req: number, size: number, offset: number, names: string[], types: number[]): boolean;
  /** Queued to the notify thread; `id` > 0 is posted back as NOTIFY_DONE(id, errno) once written. */
  notifyInvalInode(s: Session, ino: number, id: number): void;
  notifyInvalEntry(s: Session, parent: number, name: string, id: number): void;
  /** Starts writing a file's dirty pages to disk, on a libuv thread; no wait, errors ignored. */
  startWriteback(fd: number): void;
}

const ADDON = join(__dirname, '../../../build/Release/tiercache_fuse.node');

let loaded: FuseBinding | undefined;
let available: boolean | undefined;

/** True when the addon was built (libfuse3-dev was present at npm install). */
export function fuseAvailable(): boolean {
  return (available ??= existsSync(ADDON));
}

/**
 * Starts the kernel writing `fd`'s dirty pages to disk now, without waiting
 * (sync_file_range SYNC_FILE_RANGE_WRITE), so that a later fsync finds most
 * of them written. Advisory: a no-op without the addon.
 */
export function startWriteback(fd: number): void {
  if (fuseAvailable()) loadFuseBinding().startWriteback(fd);
}

export function loadFuseBinding(): FuseBinding {
  if (loaded) return loaded;
  if (!fuseAvailable()) {
    throw new ConfigError(
      'invalid mount: this tiercache was installed without FUSE support (libfuse3-dev was missing at npm install); ' +
        'install fuse3 and libfuse3-dev (apt-get install fuse3 libfuse3-dev) and run `npm rebuild tiercache`, or drop --mount',
    );
  }
  loaded = require(ADDON) as FuseBinding;
  return loaded;
}

// The contract between the FUSE mount (fuse-mount.ts: the kernel protocol,
// inodes, handles, errno replies) and a filesystem it serves: the read-only
// view of the cached backend (issue 12) or the writable checkpoint directory
// (issue 13). Filesystems speak paths; the mount owns inode numbers.
//
// Paths are relative to the mount root, "/"-separated, normalised, with ""
// for the root. The mount has already refused names that are empty, ".",
// "..", contain NUL or "/", or are longer than 255 bytes (ENAMETOOLONG).
//
// A filesystem fails an operation by throwing FsError with a POSIX errno
// name; anything else thrown becomes EIO (and is logged by the mount).

export type Errno =
  | 'ENOENT'
  | 'EIO'
  | 'EACCES'
  | 'EPERM'
  | 'EROFS'
  | 'EISDIR'
  | 'ENOTDIR'
  | 'ENOTEMPTY'
  | 'EEXIST'
  | 'EINVAL'
  | 'ENOSPC'
  | 'ENAMETOOLONG'
  | 'ENOSYS'
  | 'EOPNOTSUPP'
  | 'ENXIO'
  | 'EXDEV'
  | 'EBADF'
  | 'EAGAIN';

export class FsError extends Error {
  readonly errno: Errno;
  constructor(errno: Errno, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FsError';
    this.errno = errno;
  }
}

export interface FsAttr {
  readonly kind: 'file' | 'dir';
  readonly size: number;
  /** Permission bits only (for example 0o444, 0o555, 0o644, 0o755). */
  readonly mode: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  /**
   * Identifies one version of a file's bytes. When the mount sees a path's
   * version change it drops the kernel's cached pages of that file.
   */
  readonly version: string;
  /**
   * How long the kernel may trust this attribute and the entry that led to
   * it, in seconds; defaults to the filesystem's attrTimeoutS/entryTimeoutS.
   * (The cached view gives the time its own metadata entry has left, so the
   * two caches together never exceed the metadata TTL.)
   */
  readonly ttlS?: number;
}

export interface FsDirEntry {
  readonly name: string;
  /** 'unknown' when the listing does not say (one readdir, no stat per entry). */
  readonly kind: 'file' | 'dir' | 'unknown';
}

export interface FsStatfs {
  readonly blockSize: number;
  readonly blocks: number;
  readonly blocksFree: number;
  readonly blocksAvail: number;
  readonly files: number;
  readonly filesFree: number;
  readonly nameMax: number;
}

export interface FsOpened {
  /** The filesystem's handle for this open; passed back to read/write/release. */
  readonly handle: number;
  /** Keep the kernel's cached pages from earlier opens (the file is unchanged). */
  readonly keepCache: boolean;
  /** Bypass the page cache for this open (for files that are not cacheable). */
  readonly directIo?: boolean;
  /**
   * Read-only filesystems: the version this open reads (every read of the
   * handle is of it). The mount keeps the kernel's pages only when they are
   * of this version, so an open never reads pages of two versions.
   */
  readonly version?: string;
}

export interface FsSetattr {
  readonly size?: number;
  readonly mode?: number;
  readonly mtimeMs?: number;
}

export interface RenameFlags {
  /** RENAME_NOREPLACE: fail with EEXIST if `to` exists. */
  readonly noReplace: boolean;
}

export interface MountFilesystem {
  /** False: the mount answers EROFS to every write-side operation without calling the filesystem. */
  readonly writable: boolean;
  /** How long the kernel may trust attributes and directory entries it was given. */
  readonly attrTimeoutS: number;
  readonly entryTimeoutS: number;
  /**
   * Writable filesystems only: let the kernel buffer writes in its page cache
   * and send them back in the background (FUSE writeback cache). write(2)
   * then costs a page-cache copy instead of a round trip; every dirty page
   * still arrives before the FLUSH of a close(2) and the FSYNC of an fsync(2).
   * The kernel then keeps size and mtime itself, opens O_WRONLY files
   * read-write (it reads partial pages), and may write a page more than once.
   */
  readonly writebackCache?: boolean;
  /**
   * Read-only filesystems: answer every open (close-to-open consistency)
   * instead of letting the kernel skip opens (no-open: no round trip for a
   * warm file, but nothing ties a reader to one version; a read that runs
   * past the attribute timeout can get the old version's cached pages and
   * the new version's bytes).
   */
  readonly consistentOpens?: boolean;

  getattr(path: string): Promise<FsAttr>;
  readdir(path: string): Promise<FsDirEntry[]>;
  /** `flags` are open(2) flags (O_ACCMODE, O_TRUNC, O_APPEND...). */
  open(path: string, flags: number): Promise<FsOpened>;
  /** Up to `length` bytes at `offset`; fewer only at end of file. */
  read(handle: number, offset: number, length: number): Promise<Buffer>;
  release(handle: number): Promise<void>;
  statfs(): Promise<FsStatfs>;

  // Write side: called only when `writable`.
  create?(path: string, mode: number, flags: number): Promise<FsOpened & { readonly attr: FsAttr }>;
  /** Returns the bytes written (all of them, or it throws). */
  write?(handle: number, data: Buffer, offset: number): Promise<number>;
  /** Called on every close(2) of a descriptor (there may be several per handle). */
  flush?(handle: number): Promise<void>;
  fsync?(handle: number, datasync: boolean): Promise<void>;
  setattr?(path: string, changes: FsSetattr, handle?: number): Promise<FsAttr>;
  mkdir?(path: string, mode: number): Promise<FsAttr>;
  rmdir?(path: string): Promise<void>;
  unlink?(path: string): Promise<void>;
  rename?(from: string, to: string, flags: RenameFlags): Promise<void>;
}

/** What a mount offers the filesystem it serves. */
export interface MountNotifier {
  /**
   * Drops the kernel's cached pages and attributes of `path` and its
   * directory entry (a new version was seen); resolves once the kernel has.
   */
  invalidate(path: string): Promise<void>;
}

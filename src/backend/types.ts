// The contract between the cache and whatever holds the data: a POSIX mount
// or an object store (S3). Paths are relative to the backend root and
// are validated by the backend (see path-guard.ts) before any I/O.

export interface BackendStat {
  /** Normalised relative path ("" for the root). */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly isDir: boolean;
  /** Identifies one version of a file's bytes: size, mtime and inode where the backend has one. */
  readonly version: string;
}

export interface BackendCounters {
  reads: number;
  bytesRead: number;
  errors: number;
  stats: number;
  /** Requests the backend answered with "slow down" (S3 503 SlowDown / 429); retried. Backends that retry count these. */
  throttled?: number;
  /** Requests repeated after a throttle or a transient failure. */
  retries?: number;
}

/** How a read is meant; a backend may serve a background read differently. */
export interface ReadOptions {
  /**
   * Nobody is waiting on it (prefetch): a POSIX backend runs it on a worker
   * thread (offloaded-backend.ts); other backends read it as any other.
   */
  readonly background?: boolean;
}

/** A read of whatever version a file is at, with that version's stat (Backend.readCurrent). */
export interface CurrentRead {
  readonly data: Buffer;
  readonly stat: BackendStat;
}

export interface BackendWriteOptions {
  /** Total bytes when known up front (an object store picks single PUT vs multipart by it). */
  readonly sizeHint?: number;
  readonly signal?: AbortSignal;
}

/**
 * Everything the daemon asks of the data's home: a POSIX mount or an object
 * store. Paths are validated like reads. Parent "directories" are implied on
 * write: a POSIX backend creates them, an object store has none. Decorators
 * (backend-decorator.ts: deadline, throttled, observed, offloaded) implement
 * the whole contract by forwarding. What only a POSIX mount has (its local
 * directory) is not here: ask PosixBackend for it explicitly.
 */
export interface Backend {
  readonly kind: string;
  /** Human-readable location, for logs and diagnose (a label: never compared or opened). */
  readonly location: string;
  readonly counters: BackendCounters;
  stat(path: string): Promise<BackendStat>;
  /**
   * Reads up to `length` bytes at `offset` of the file at `path`, and fails
   * with FILE_CHANGED if the file is no longer at `version` after the read,
   * so a block is never assembled from two versions.
   */
  read(path: string, offset: number, length: number, version: string, opts?: ReadOptions): Promise<Buffer>;
  /**
   * Reads up to `length` bytes at `offset` of whatever version the file is at
   * and returns them with that version's stat: the file's check and its read
   * are one request (POSIX: the read's own open and fstat; S3: the GET's own
   * headers), so a file read for the first time costs what a plain read does.
   * Fails as stat() for a missing file or a directory, and with FILE_CHANGED
   * if the file changed during the read (the bytes would mix two versions).
   */
  readCurrent(path: string, offset: number, length: number, opts?: ReadOptions): Promise<CurrentRead>;
  /** Files (not directories) under a prefix, in name order. */
  list(prefix: string, recursive: boolean): AsyncIterable<BackendStat>;
  /**
   * Relative paths of the entries of a directory, in name order, without a
   * stat per entry (one readdir): for next-file prefetch over big directories.
   */
  readdir(dir: string): Promise<string[]>;
  /**
   * Writes a whole object from `body`. It appears at `path` complete or not
   * at all, replacing any previous object there (POSIX: a temporary name in
   * the same directory, fsync, rename, fsync the directory; S3: one PUT or a
   * multipart upload completed only after every part). An error thrown by
   * `body` aborts the write and is rethrown as it is. Returns its new stat.
   */
  write(path: string, body: AsyncIterable<Uint8Array>, opts?: BackendWriteOptions): Promise<BackendStat>;
  /** Removes a file. An absent file is not an error (idempotent, as S3 DeleteObject). */
  delete(path: string): Promise<void>;
  /**
   * Moves a file, replacing `to` (POSIX rename; S3 CopyObject then
   * DeleteObject, so `to` is complete before `from` goes).
   */
  rename(from: string, to: string): Promise<void>;
  /**
   * Removes what a crashed writer left under `prefix` (POSIX: temporary
   * `.tmp-*` files of write(); S3: multipart uploads never completed).
   * Returns how many it removed. Called at start-up.
   */
  cleanupIncomplete(prefix: string): Promise<number>;
  /**
   * Removes a directory if it is empty (absent or not empty: not an error).
   * A POSIX backend has real directories, which write() created and which
   * stay behind when their files go; on an object store this does nothing.
   */
  removeDir(path: string): Promise<void>;
  /**
   * Checks once at start-up that the backend is usable (an object store: the
   * bucket exists and the credentials may list it); fails with a named error.
   */
  open?(): Promise<void>;
  close?(): Promise<void>;
}

/** The write half of Backend (what the writable checkpoint directory persists through). */
export type WritableBackend = Pick<Backend, 'write' | 'delete' | 'rename' | 'cleanupIncomplete' | 'removeDir'>;

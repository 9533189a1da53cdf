// The contract between the cache and whatever holds the data: a POSIX mount
// today, an object store later. Paths are relative to the backend root and
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

export interface Backend {
  readonly kind: string;
  /** Human-readable location, for logs and diagnose. */
  readonly location: string;
  readonly counters: BackendCounters;
  stat(path: string): Promise<BackendStat>;
  /**
   * Reads up to `length` bytes at `offset` of the file at `path`, and fails
   * with FILE_CHANGED if the file is no longer at `version` after the read,
   * so a block is never assembled from two versions.
   */
  read(path: string, offset: number, length: number, version: string): Promise<Buffer>;
  /** Files (not directories) under a prefix, in name order. */
  list(prefix: string, recursive: boolean): AsyncIterable<BackendStat>;
  /**
   * Relative paths of the entries of a directory, in name order, without a
   * stat per entry (one readdir): for next-file prefetch over big directories.
   */
  readdir(dir: string): Promise<string[]>;
  /**
   * Checks once at start-up that the backend is usable (an object store: the
   * bucket exists and the credentials may list it); fails with a named error.
   */
  open?(): Promise<void>;
  /** Absolute local path of a relative one, for watchers and checkpoint I/O (POSIX backends only). */
  localPath?(path: string): Promise<string>;
  close?(): Promise<void>;
  /**
   * Bench only: the cost an emulated slow link charges for `bytes` read
   * outside read() (prefetch workers read the POSIX mount directly).
   */
  emulatedDelay?(bytes: number): Promise<void>;
}

/**
 * Write operations a backend offers for checkpoints and the writable
 * checkpoint directory (issue 11 folds this into Backend; an object store
 * implements it as well as a POSIX mount does). Paths are validated like
 * reads. Parent "directories" are implied: a POSIX backend creates them, an
 * object store has none.
 */
export interface BackendWriteOptions {
  /** Total bytes when known up front (an object store picks single PUT vs multipart by it). */
  readonly sizeHint?: number;
  readonly signal?: AbortSignal;
}

export interface WritableBackend {
  /**
   * Writes a whole object from `body`. It appears at `path` complete or not
   * at all, replacing any previous object there (POSIX: a temporary name in
   * the same directory, fsync, rename, fsync the directory; S3: one PUT or a
   * multipart upload completed only after every part). Returns its new stat.
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
   * Only backends with real directories have it (POSIX: the directories
   * write() created stay behind when their files go); an object store has none.
   */
  removeDir?(path: string): Promise<void>;
}

// Contracts of the writable checkpoint directory (issue 13): what it reads
// the backend through, what it persists through, what it asks of the SSD's
// space owner, and what it reports. The filesystem itself is
// checkpoint-fs.ts (a MountFilesystem, src/fuse/types.ts); the mount serves it.
//
// Paths here are BACKEND paths (the mount's root is `root` on the backend),
// "/"-separated and normalised.

import type { WritableBackend } from '../backend/types';

export interface RemoteEntry {
  readonly name: string;
  readonly kind: 'file' | 'dir';
  readonly size: number;
  readonly mtimeMs: number;
  readonly version: string;
}

/**
 * The read side of the backend as the checkpoint directory sees it: in the
 * daemon, listings from the backend and file bytes through the cached store
 * (tiers, peers), so a file persisted by another node is read through the cache.
 */
export interface RemoteTree {
  /** Entries of a directory, or undefined when there is no such directory. */
  list(dir: string): Promise<RemoteEntry[] | undefined>;
  read(path: string, offset: number, length: number, version: string): Promise<Buffer>;
  /** A file under `path` changed on the backend (persisted here): forget cached versions. */
  invalidate?(path: string): void;
}

/** Where staged bytes live: the one owner of the SSD's space decides. */
export interface StagingSpace {
  /**
   * Makes room for `bytes` more staged bytes (cache blocks give way). False
   * when the SSD cannot take them: the write goes through to the backend.
   */
  reserve(bytes: number): boolean;
  /** Staged bytes were deleted. */
  release(bytes: number): void;
  /** Bytes already on the SSD (found at start-up, copied) are staged: counted without asking. */
  adopt(bytes: number): void;
}

export type PersistBackend = WritableBackend;

/** One mutation the backend must see, in the order it happened. */
export type PersistOp =
  | { readonly seq: number; readonly op: 'put'; readonly path: string; readonly file: number; readonly size: number }
  | { readonly seq: number; readonly op: 'del'; readonly path: string }
  | { readonly seq: number; readonly op: 'mv'; readonly path: string; readonly to: string }
  /** The directory went locally; a backend with directories removes it if it is empty. */
  | { readonly seq: number; readonly op: 'rmdir'; readonly path: string };

export interface CheckpointFsStats {
  /** Bytes of local files on the SSD (pending and persisted copies). */
  readonly bytesStaged: number;
  /** Closed files whose bytes are not on the backend yet. */
  readonly filesPendingPersist: number;
  readonly bytesPendingPersist: number;
  /** Queued renames and deletes. */
  readonly opsPending: number;
  /** Age of the oldest mutation not yet on the backend: what a node loss would cost. */
  readonly oldestPendingAgeS: number;
  readonly filesOpenForWrite: number;
  readonly filesPersisted: number;
  readonly bytesPersisted: number;
  /** Bytes/s of persist uploads, averaged over the time they ran. */
  readonly persistBytesPerSecond: number;
  readonly persistFailures: number;
  /** Files written through to the backend because the SSD could not take them. */
  readonly writeThroughFiles: number;
  readonly writeThroughBytes: number;
  /** Files open at a crash, not persisted (counted at start-up). */
  readonly lostOpenAtCrash: number;
}

export interface WaitResult {
  /** Operations under the path that were waited for. */
  readonly ops: number;
  /** Files under the path still open for writing (not included: close them first). */
  readonly openFiles: readonly string[];
}

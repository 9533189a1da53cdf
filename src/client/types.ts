// The client's contract: what callers pass and get back. Field names are the
// proto's (snake_case), as the daemon sends them; uint64 fields arrive as numbers.

import type { Readable } from 'node:stream';

export interface ClientOptions {
  /** Unix socket path; default $TIERCACHE_SOCKET, else ./.tiercache/tiercache.sock. */
  readonly socket?: string;
  /** TCP address host:port instead of a socket. */
  readonly address?: string;
  /** The daemon's --tcp-token-file token, sent as x-tiercache-token (needed for Cache, Admin, Checkpoints over TCP). */
  readonly token?: string;
  /** Sent as x-tiercache-job so the daemon can tell jobs apart in its access history. */
  readonly job?: string;
  /** Deadline of unary calls, ms (default 60 s). Streams have none. */
  readonly timeoutMs?: number;
}

export interface FileInfo {
  path: string;
  size: number;
  mtime_ms: number;
  is_dir: boolean;
}

/** Part of a file; length 0 = to the end. */
export interface ByteRange {
  path: string;
  offset?: number;
  length?: number;
}

export interface PrefetchResult {
  /** Blocks queued for fetching (already cached blocks are not counted). */
  blocks_queued: number;
  /** Blocks dropped because the prefetch queue was full. */
  blocks_dropped: number;
}

export interface WarmupOptions {
  /** Include subdirectories (default true). */
  readonly recursive?: boolean;
  /** Only report how much of the prefix is cached; fetch nothing. */
  readonly checkOnly?: boolean;
}

export interface WarmupProgress {
  files_done: number;
  files_total: number;
  bytes_done: number;
  bytes_total: number;
  bytes_per_second: number;
  bytes_cached: number;
  cache_capacity_bytes: number;
  message: string;
  done: boolean;
}

export interface PlanResult {
  files_accepted: number;
  bytes_planned: number;
}

export interface CheckpointInfo {
  id: string;
  job_id: string;
  step: number;
  /** Path on the backend, relative to its root. */
  path: string;
  timestamp_ms: number;
  size: number;
  sha256: string;
  metrics: Record<string, number>;
  /** LOCAL (on this node's SSD) or PERSISTED (on the backend). */
  state: string;
}

export interface SaveOptions {
  readonly step?: number;
  readonly metrics?: Readonly<Record<string, number>>;
  /** Resolve only once the checkpoint is persisted on the backend. */
  readonly sync?: boolean;
  /**
   * How the bytes reach the daemon. 'handoff': written by this process into
   * the daemon's hand-off directory and taken over by a rename (a save costs
   * one local write; needs the daemon on this machine, over its Unix socket).
   * 'stream': sent over gRPC. 'auto' (default): hand-off when possible.
   */
  readonly transport?: 'auto' | 'handoff' | 'stream';
}

/** Source of a checkpoint's bytes. */
export type CheckpointSource = Buffer | Uint8Array | AsyncIterable<Buffer | Uint8Array | string>;

/** A checkpoint being loaded: its info (the stream's first message) and its bytes. */
export interface CheckpointDownload {
  readonly info: CheckpointInfo;
  /** The checkpoint's bytes, with back-pressure; errors as TiercacheClientError. */
  readonly stream: Readable;
}

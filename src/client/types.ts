// The client's contract: what callers pass and get back. Field names are the
// proto's (snake_case), as the daemon sends them; uint64 fields arrive as numbers.

import type { Readable } from 'node:stream';
import type { CheckpointInfo } from '../protocol/types';
import type { TiercacheClientError } from './errors';

// The wire messages, as generated from proto/ (see src/protocol/types.ts).
export type {
  CheckpointInfo,
  FileInfo,
  PlanResponse as PlanResult,
  PrefetchResponse as PrefetchResult,
  StatsResponse,
  WarmupProgress,
} from '../protocol/types';

/** One file of `readFiles`, in request order: its bytes, or the error a `read` of it would have thrown. */
export type ReadFileResult =
  | { readonly index: number; readonly path: string; readonly data: Buffer; readonly error?: undefined }
  | { readonly index: number; readonly path: string; readonly data?: undefined; readonly error: TiercacheClientError };

export interface ClientOptions {
  /** Unix socket path; default $TIERCACHE_SOCKET, else ./.tiercache/tiercache.sock. */
  readonly socket?: string;
  /** TCP address host:port instead of a socket. */
  readonly address?: string;
  /** The daemon's --tcp-token-file token, sent as x-tiercache-token (needed for Cache, Admin, Checkpoints over TCP). */
  readonly token?: string;
  /** Sent as x-tiercache-job so the daemon can tell jobs apart in its access history. */
  readonly job?: string;
  /** Deadline of unary calls and of each read, ms (default 60 s). Streams have none. */
  readonly timeoutMs?: number;
  /**
   * read() over one long-lived ReadSession stream instead of a unary call per
   * read: the same bytes and errors for a fraction of the CPU (a message
   * each way instead of a call). The stream is closed after a second without
   * reads and by close(); it counts against the daemon's max-streams while open.
   */
  readonly readSession?: boolean;
}


/** Part of a file; length 0 = to the end. */
export interface ByteRange {
  path: string;
  offset?: number;
  length?: number;
}


export interface WarmupOptions {
  /** Include subdirectories (default true). */
  readonly recursive?: boolean;
  /** Only report how much of the prefix is cached; fetch nothing. */
  readonly checkOnly?: boolean;
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

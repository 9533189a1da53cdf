// The daemon's validated, frozen configuration. Modules receive it (or the
// slice they need); only the CLI layer reads flags, files and the environment.

import type { IncompletePolicy } from '../backend/incomplete-writes';
import type { SsdWriterPriority } from '../native/native-io';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** An object-store backend (--backend s3://BUCKET/PREFIX). */
export interface S3BackendConfig {
  readonly bucket: string;
  /** "" or a key prefix ending in "/". */
  readonly prefix: string;
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
  readonly forcePathStyle: boolean;
  readonly partSize: number;
}
export const TCP_SERVICES = ['Peer', 'Health', 'Cache', 'Admin', 'Checkpoints'] as const;
export type TcpService = (typeof TCP_SERVICES)[number];

export interface Config {
  /** POSIX backend root; unused when `s3` is set. */
  readonly backendDir: string;
  /** Set when the backend is a bucket instead of a directory. */
  readonly s3: S3BackendConfig | undefined;
  readonly stateDir: string;
  readonly socket: string;
  readonly socketMode: number;
  readonly listen: string | undefined;
  /** Services served on --listen: Peer and Health unless more were enabled (those need tcpTokenFile). */
  readonly tcpServices: readonly TcpService[];
  readonly tcpTokenFile: string | undefined;
  readonly blockSize: number;
  readonly memoryCacheSize: number;
  readonly memoryCacheTtlMs: number;
  readonly ssdCacheDir: string;
  readonly ssdCacheSize: number;
  readonly ssdFreeRatio: number;
  /** Bytes of SSD block writes queued at once (disk-cache.ts). */
  readonly ssdWriteBacklog: number;
  readonly ssdWritePriority: SsdWriterPriority;
  readonly metadataTtlMs: number;
  readonly watch: boolean;
  readonly backendTimeoutMs: number;
  /** Whose leftovers of interrupted backend writes start-up removes (node-name, backend-incomplete-min-age). */
  readonly incomplete: IncompletePolicy;
  readonly backendMaxInflight: number;
  readonly maxReadSize: number;
  readonly streamChunkSize: number;
  readonly drainTimeoutMs: number;
  /** 0 = no I/O watchdog (server/io-watchdog.ts). */
  readonly ioStuckTimeoutMs: number;
  /** Bounds on calls, streams and connections (server/call-limits.ts, server/connection-limits.ts). */
  readonly limits: CallLimitsConfig;
  readonly logLevel: LogLevel;
  readonly prefetchWorkers: number;
  readonly prefetchMaxInflight: number;
  /** Prefetch reads of a POSIX backend at least this big go to the worker threads (backend/offloaded-backend.ts). */
  readonly prefetchOffloadMinSize: number;
  readonly prefetchQueueSize: number;
  readonly maxReadahead: number;
  readonly prefetchMaxShare: number;
  readonly planLookahead: number;
  readonly maxPlanPaths: number;
  readonly historyMaxRows: number;
  readonly historyMaxAgeMs: number;
  readonly checkpointRoot: string;
  readonly checkpointDir: string;
  readonly checkpointHandoffDir: string;
  readonly maxCheckpoints: number;
  /** The writable checkpoint mount (issue 13); undefined = none. */
  readonly checkpointMount: CheckpointMountConfig | undefined;
  readonly peers: string | undefined;
  readonly advertise: string | undefined;
  readonly peerTokenFile: string | undefined;
  readonly peerTimeoutMs: number;
  readonly peerRefreshIntervalMs: number;
  readonly peerHealthIntervalMs: number;
  readonly peerFailureThreshold: number;
  readonly peerKeepHot: number;
  readonly metricsListen: string | undefined;
  /** FUSE mount point of the read-only cached view (absolute), if any. */
  readonly mount: string | undefined;
  readonly mountAllowOther: boolean;
  /** Let the kernel skip opens of the mount (no-open): faster warm opens, no close-to-open consistency. */
  readonly mountSkipOpens: boolean;
}

export interface CheckpointMountConfig {
  readonly dir: string;
  /** Backend path the mount's root maps to. */
  readonly root: string;
  readonly stagingDir: string;
  readonly flushTimeoutMs: number;
}

export interface CallLimitsConfig {
  readonly maxCalls: number;
  readonly maxCallsPerConnection: number;
  readonly maxStreams: number;
  /** Client-streaming calls (checkpoint Save) at once. */
  readonly maxUploads: number;
  /** Bytes of upload messages held at once across every upload (server/upload-buffer.ts). */
  readonly maxUploadBuffer: number;
  /** 0 = never. */
  readonly streamStallTimeoutMs: number;
  readonly maxConnections: number;
  /** 0 = never. */
  readonly connectionIdleTimeoutMs: number;
}

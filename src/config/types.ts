// The daemon's validated, frozen configuration. Modules receive it (or the
// slice they need); only the CLI layer reads flags, files and the environment.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const TCP_SERVICES = ['Peer', 'Health', 'Cache', 'Admin', 'Checkpoints'] as const;
export type TcpService = (typeof TCP_SERVICES)[number];

export interface Config {
  readonly backendDir: string;
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
  readonly metadataTtlMs: number;
  readonly watch: boolean;
  readonly backendTimeoutMs: number;
  readonly backendMaxInflight: number;
  readonly maxReadSize: number;
  readonly streamChunkSize: number;
  readonly drainTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly prefetchWorkers: number;
  readonly prefetchMaxInflight: number;
  readonly prefetchQueueSize: number;
  readonly maxReadahead: number;
  readonly planLookahead: number;
  readonly historyMaxRows: number;
  readonly historyMaxAgeMs: number;
  readonly checkpointRoot: string;
  readonly checkpointDir: string;
  readonly checkpointHandoffDir: string;
  readonly maxCheckpoints: number;
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
}

// The daemon's options: one table, used for flags, the YAML file, --help and
// validation. A key is spelled the same as a flag and in YAML (kebab-case).

export type OptionKind = 'size' | 'duration' | 'int' | 'ratio' | 'string' | 'bool' | 'hostport' | 'enum';

export interface OptionSpec {
  readonly key: string;
  readonly kind: OptionKind;
  /** Default as the user would write it; undefined = unset. */
  readonly default?: string | number | boolean;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  readonly help: string;
}

export const OPTIONS: readonly OptionSpec[] = [
  { key: 'backend-dir', kind: 'string', default: './data', help: 'backend root: the distributed filesystem mount (created if missing)' },
  { key: 'backend', kind: 'string', help: 'object-store backend instead of backend-dir: s3://BUCKET/PREFIX (credentials and region from the AWS SDK default chain)' },
  { key: 's3-endpoint', kind: 'string', help: 'S3-compatible endpoint URL (MinIO, Ceph RGW, OSS...); default: AWS S3 for the region' },
  { key: 's3-region', kind: 'string', help: 'S3 region (default: the AWS SDK chain, e.g. AWS_REGION or ~/.aws/config)' },
  { key: 's3-force-path-style', kind: 'bool', default: false, help: 'address buckets as ENDPOINT/BUCKET instead of BUCKET.ENDPOINT (most S3-compatible stores)' },
  { key: 's3-part-size', kind: 'size', default: '8MiB', min: 5 * 2 ** 20, max: 5 * 2 ** 30, help: 'multipart upload part size; smaller objects are written with one PUT' },
  { key: 'state-dir', kind: 'string', default: './.tiercache', help: 'socket, SSD cache, index and history live here unless set apart' },
  { key: 'socket', kind: 'string', help: 'Unix socket path (default <state-dir>/tiercache.sock)' },
  { key: 'socket-mode', kind: 'string', default: '0660', help: 'permissions of the Unix socket, octal' },
  { key: 'listen', kind: 'hostport', help: 'also serve gRPC on TCP host:port (only the tcp-services; Peer and Health by default)' },
  { key: 'tcp-services', kind: 'string', default: 'Peer,Health', help: 'services served on --listen, comma-separated from Peer, Health, Cache, Admin, Checkpoints; any beyond Peer and Health need tcp-token-file' },
  { key: 'tcp-token-file', kind: 'string', help: 'file holding the token every TCP call to Cache, Admin or Checkpoints must carry (x-tiercache-token)' },
  { key: 'block-size', kind: 'size', default: '4MiB', min: 4096, max: 64 * 2 ** 20, help: 'cache block size' },
  { key: 'memory-cache-size', kind: 'size', default: '512MiB', min: 0, help: 'memory tier budget in bytes' },
  { key: 'memory-cache-ttl', kind: 'duration', default: '0', help: 'drop memory blocks older than this (0 = no TTL)' },
  { key: 'ssd-cache-dir', kind: 'string', help: 'SSD tier directory (default <state-dir>/ssd)' },
  { key: 'ssd-cache-size', kind: 'size', default: '10GiB', min: 0, help: 'SSD tier budget in bytes (0 disables the tier)' },
  { key: 'ssd-write-backlog', kind: 'size', default: '64MiB', min: 0, help: 'bytes of SSD block writes queued at once; past it new blocks are not written to the SSD (counted in writes_skipped) rather than delaying reads or holding more memory' },
  { key: 'ssd-write-priority', kind: 'enum', default: 'nice', values: ['idle', 'nice', 'normal'], help: 'scheduling priority of the SSD writer thread: idle (SCHED_IDLE), nice (nice 19) or normal; lowering needs no privilege' },
  { key: 'ssd-free-ratio', kind: 'ratio', default: 0.1, min: 0, max: 0.9, help: 'never let free space on the SSD filesystem fall under this share' },
  { key: 'metadata-ttl', kind: 'duration', default: '2s', help: 'how long a file version (size, mtime) is trusted before re-checking the backend' },
  { key: 'watch', kind: 'bool', default: true, help: 'watch backend directories in use (chokidar) so local changes invalidate at once' },
  { key: 'backend-timeout', kind: 'duration', default: '30s', help: 'a backend call (stat, read, list) not answered within this fails UNAVAILABLE; while the backend stays silent, further calls fail at once and cached data is still served' },
  { key: 'backend-max-inflight', kind: 'int', default: 16, min: 1, max: 1024, help: 'backend calls in flight at once; a hung mount can hold at most this many I/O threads (the threadpool is sized above it)' },
  { key: 'max-read-size', kind: 'size', default: '64MiB', min: 4096, max: 1024 * 2 ** 20, help: 'largest unary Read; larger ranges must use ReadStream' },
  { key: 'stream-chunk-size', kind: 'size', default: '1MiB', min: 4096, max: 16 * 2 ** 20, help: 'size of ReadStream chunks' },
  { key: 'max-calls', kind: 'int', default: 1024, min: 1, help: 'calls in flight at once over both listeners; more are refused with RESOURCE_EXHAUSTED (Health excepted)' },
  { key: 'max-calls-per-connection', kind: 'int', default: 256, min: 1, help: 'calls in flight at once on one connection; more are refused with RESOURCE_EXHAUSTED' },
  { key: 'max-streams', kind: 'int', default: 64, min: 1, help: 'server-streaming calls (ReadStream, Warmup, checkpoint Load) at once; each holds up to two blocks and two chunks' },
  { key: 'max-uploads', kind: 'int', default: 16, min: 1, help: 'client-streaming calls (checkpoint Save streams) at once; more are refused with RESOURCE_EXHAUSTED' },
  { key: 'max-upload-buffer', kind: 'size', default: '64MiB', min: 65536, help: 'bytes of upload data the daemon holds at once across every upload; past it uploads wait (HTTP/2 back-pressure on their clients)' },
  { key: 'stream-stall-timeout', kind: 'duration', default: '60s', help: 'a stream whose client takes nothing for this long is reset (RESOURCE_EXHAUSTED), so abandoned and never-read streams give their memory back (0 = never)' },
  { key: 'max-connections', kind: 'int', default: 1024, min: 1, help: 'client connections at once over both listeners; beyond it the longest-idle connection is closed for the new one, or the new one refused when none is idle' },
  { key: 'connection-idle-timeout', kind: 'duration', default: '5m', help: 'a connection with no call in flight for this long is closed (0 = never)' },
  { key: 'drain-timeout', kind: 'duration', default: '20s', help: 'on SIGTERM, how long in-flight calls may finish before they are cut; the process exits at most 5s after drain-timeout (plus checkpoint-mount-flush-timeout) even if file I/O is stuck' },
  { key: 'io-stuck-timeout', kind: 'duration', default: '30s', help: 'Health answers NOT_SERVING while every file I/O thread has been busy this long (a hung mount), so the liveness probe restarts the daemon (0 = never)' },
  { key: 'log-level', kind: 'enum', default: 'info', values: ['debug', 'info', 'warn', 'error'], help: 'log level (JSON lines on stderr)' },
  { key: 'prefetch-workers', kind: 'int', default: 2, min: 1, max: 64, help: 'piscina threads for prefetch I/O and analysis' },
  { key: 'prefetch-offload-min-size', kind: 'size', default: '1MiB', min: 0, help: 'prefetch block reads of at least this size run on the prefetch worker threads; smaller ones on the I/O thread pool, where a small read costs less than the hop to a worker and back (0 = every prefetch read on the workers)' },
  { key: 'prefetch-max-inflight', kind: 'size', default: '256MiB', min: 0, help: 'bound on prefetch bytes being fetched at once' },
  { key: 'prefetch-queue-size', kind: 'int', default: 4096, min: 1, help: 'queued prefetch blocks beyond which new work is dropped (and counted)' },
  { key: 'prefetch-max-share', kind: 'ratio', default: 0.25, min: 0.01, max: 1, help: 'share of the memory tier that one job\'s explicit Prefetch may hold unread; a larger request is cut (and says so), so it cannot push out what other jobs read' },
  { key: 'max-readahead', kind: 'size', default: '64MiB', min: 0, help: 'largest sequential readahead window per stream' },
  { key: 'max-plan-paths', kind: 'int', default: 2_000_000, min: 1, help: 'largest SubmitPlan (paths); a larger one is refused with INVALID_ARGUMENT' },
  { key: 'plan-lookahead', kind: 'int', default: 64, min: 1, help: 'how many files of a submitted plan are fetched ahead of the client' },
  { key: 'history-max-rows', kind: 'int', default: 1_000_000, min: 1000, help: 'access-history rows kept' },
  { key: 'history-max-age', kind: 'duration', default: '24h', help: 'access-history rows older than this are deleted' },
  { key: 'checkpoint-root', kind: 'string', default: 'checkpoints', help: 'checkpoints are persisted under this backend path' },
  { key: 'checkpoint-dir', kind: 'string', help: 'local checkpoint staging directory on the SSD (default <state-dir>/checkpoints)' },
  { key: 'checkpoint-handoff-dir', kind: 'string', help: 'where local clients drop checkpoint files for a zero-copy save; same filesystem as checkpoint-dir for a rename (default <state-dir>/handoff)' },
  { key: 'checkpoint-mount', kind: 'string', help: 'mount a writable checkpoint directory here (FUSE): writes land on the SSD, files persist to the backend after close' },
  { key: 'checkpoint-mount-root', kind: 'string', help: 'backend path the checkpoint mount persists under (default checkpoint-root)' },
  { key: 'checkpoint-mount-staging-dir', kind: 'string', help: 'where the checkpoint mount stages files on the SSD (default <state-dir>/checkpoint-mount)' },
  { key: 'checkpoint-mount-flush-timeout', kind: 'duration', default: '60s', help: 'on SIGTERM, how long staged checkpoint files may take to persist before the daemon exits anyway (they resume at the next start)' },
  { key: 'node-name', kind: 'string', help: 'this daemon\'s name on a shared backend, in its temporary file names, so a restart removes its own leftovers at once (default $NODE_NAME, else the host name)' },
  { key: 'backend-incomplete-min-age', kind: 'duration', default: '1h', help: 'at start, another daemon\'s temporary files (.tmp-*) and multipart uploads on the backend are removed only when unchanged (uploads: started) this long ago; more than the longest checkpoint upload' },
  { key: 'max-checkpoints', kind: 'int', default: 3, min: 1, max: 1000, help: 'checkpoints kept per job' },
  { key: 'peers', kind: 'string', help: 'peer daemons: host:port,host:port or dns:///NAME:PORT (a headless Service)' },
  { key: 'advertise', kind: 'hostport', help: 'this daemon\'s peer address (default $POD_IP with the --listen port)' },
  { key: 'peer-token-file', kind: 'string', help: 'file holding the shared token that peer calls must carry' },
  { key: 'peer-timeout', kind: 'duration', default: '2s', help: 'deadline of one peer call; then the read goes to the backend' },
  { key: 'peer-refresh-interval', kind: 'duration', default: '30s', help: 'how often dns:/// peers are resolved again' },
  { key: 'peer-health-interval', kind: 'duration', default: '2s', help: 'how often peers are health-checked' },
  { key: 'peer-failure-threshold', kind: 'int', default: 3, min: 1, help: 'failed health checks before a peer leaves the ring' },
  { key: 'peer-keep-hot', kind: 'int', default: 2, min: 0, help: 'a non-owner keeps a local copy of a peer block read at least this often (0 = never)' },
  { key: 'mount', kind: 'string', help: 'also serve the cached backend read-only as a FUSE mount at this empty directory' },
  { key: 'mount-allow-other', kind: 'bool', default: true, help: 'let every user read the mount (FUSE allow_other: root, or user_allow_other in /etc/fuse.conf)' },
  { key: 'mount-skip-opens', kind: 'bool', default: false, help: 'let the kernel skip opens of the mount (FUSE no-open): no round trip for a warm file, but nothing ties a reader to one version, so a read running past metadata-ttl while another node rewrites the file can return old and new bytes mixed; only for data never changed in place' },
  { key: 'metrics-listen', kind: 'hostport', default: '127.0.0.1:9464', help: 'Prometheus /metrics endpoint ("" disables)' },
];

export const OPTION_BY_KEY: ReadonlyMap<string, OptionSpec> = new Map(OPTIONS.map((o) => [o.key, o]));

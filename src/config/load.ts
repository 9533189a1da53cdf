// Flags and an optional YAML file -> one validated, frozen Config.
// Precedence: flag > YAML file > default. Errors name the key, the value and
// what is allowed, and are raised before the daemon touches anything.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDuration, parseSize } from '../util/units';
import { getErrorMessage } from '../util/errors-message';
import { ConfigError } from '../errors';
import { OPTIONS, OPTION_BY_KEY, type OptionSpec } from './options';
import { writerTag } from '../backend/incomplete-writes';
import { parseS3Url } from '../backend/s3-location';
import { TCP_SERVICES, type Config, type LogLevel, type S3BackendConfig, type TcpService } from './types';
import type { SsdWriterPriority } from '../native/native-io';

export type RawValue = string | number | boolean;

export interface ConfigSources {
  /** Flags as given on the command line, by key. */
  readonly flags?: Readonly<Record<string, RawValue>>;
  /** Path of a YAML file (--config). */
  readonly configFile?: string;
  /** Values from the environment the CLI chose to pass (e.g. POD_IP). */
  readonly podIp?: string;
  /** $NODE_NAME (the DaemonSet sets it from spec.nodeName): node-name's default before the host name. */
  readonly nodeName?: string;
  /** Directory relative paths are resolved against (default: process cwd). */
  readonly cwd?: string;
}

function describeAllowed(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'size':
      return `a size such as 512MiB or 10GiB${spec.min !== undefined ? `, at least ${spec.min}` : ''}${spec.max !== undefined ? `, at most ${spec.max}` : ''}`;
    case 'duration':
      return 'a duration such as 500ms, 30s, 5m or 1h (0 disables)';
    case 'int':
      return `a whole number${spec.min !== undefined ? ` >= ${spec.min}` : ''}${spec.max !== undefined ? ` and <= ${spec.max}` : ''}`;
    case 'ratio':
      return `a number between ${spec.min ?? 0} and ${spec.max ?? 1}`;
    case 'bool':
      return 'true or false';
    case 'hostport':
      return 'host:port, e.g. 0.0.0.0:7070 or [::1]:7070 (port 0 picks a free one)';
    case 'enum':
      return `one of ${spec.values!.join(', ')}`;
    case 'string':
      return 'a non-empty string';
  }
}

function fail(spec: OptionSpec, value: RawValue, detail?: string): never {
  throw new ConfigError(
    `invalid ${spec.key}: ${JSON.stringify(value)}; allowed: ${describeAllowed(spec)}${detail ? ` (${detail})` : ''}`,
  );
}

function convert(spec: OptionSpec, value: RawValue): number | string | boolean {
  try {
    switch (spec.kind) {
      case 'size': {
        const n = parseSize(typeof value === 'boolean' ? String(value) : value);
        if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) fail(spec, value);
        return n;
      }
      case 'duration':
        return parseDuration(typeof value === 'boolean' ? String(value) : value);
      case 'int': {
        const n = typeof value === 'number' ? value : Number(String(value).replace(/_/g, ''));
        if (!Number.isSafeInteger(n)) fail(spec, value);
        if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) fail(spec, value);
        return n;
      }
      case 'ratio': {
        const n = typeof value === 'number' ? value : Number(value);
        if (!Number.isFinite(n) || n < (spec.min ?? 0) || n > (spec.max ?? 1)) fail(spec, value);
        return n;
      }
      case 'bool': {
        if (typeof value === 'boolean') return value;
        const s = String(value).toLowerCase();
        if (s === 'true' || s === '1' || s === 'yes') return true;
        if (s === 'false' || s === '0' || s === 'no') return false;
        return fail(spec, value);
      }
      case 'hostport': {
        const s = String(value);
        if (s === '') return '';
        if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/.test(s) || Number(s.slice(s.lastIndexOf(':') + 1)) > 65535) {
          fail(spec, value);
        }
        return s;
      }
      case 'enum': {
        const s = String(value);
        if (!spec.values!.includes(s)) fail(spec, value);
        return s;
      }
      case 'string': {
        const s = String(value);
        if (s === '') fail(spec, value);
        return s;
      }
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return fail(spec, value, getErrorMessage(err));
  }
}

function readYaml(path: string): Record<string, RawValue> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${getErrorMessage(err)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${getErrorMessage(err)}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`config file ${path} must be a mapping of option: value`);
  }
  const out: Record<string, RawValue> = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (!OPTION_BY_KEY.has(k)) {
      throw new ConfigError(`unknown key ${k} in config file ${path}; known keys: ${OPTIONS.map((o) => o.key).join(', ')}`);
    }
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new ConfigError(`invalid ${k} in config file ${path}: expected a scalar, got ${JSON.stringify(v)}`);
    }
    out[k] = v;
  }
  return out;
}

/** A relative path inside the backend, without leading or trailing slashes. */
function checkBackendPath(key: string, value: string): string {
  const p = value.replace(/^\/+|\/+$/g, '');
  if (p === '' || p.split('/').some((x) => x === '..' || x === '.' || x === '')) {
    fail(OPTION_BY_KEY.get(key)!, value, 'a relative path inside the backend');
  }
  return p;
}

/** "Peer, Cache" -> ['Peer', 'Cache', 'Health']: Health is always served (the kubelet's gRPC probes). */
function parseTcpServices(raw: string): readonly TcpService[] {
  const out = new Set<TcpService>(['Health']);
  for (const part of raw.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
    const known = TCP_SERVICES.find((x) => x.toLowerCase() === part.toLowerCase());
    if (!known) fail(OPTION_BY_KEY.get('tcp-services')!, raw, `unknown service ${part}; known: ${TCP_SERVICES.join(', ')}`);
    out.add(known);
  }
  return Object.freeze([...out]);
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const cwd = sources.cwd ?? process.cwd();
  const fromFile = sources.configFile ? readYaml(resolve(cwd, sources.configFile)) : {};
  const flags = sources.flags ?? {};
  for (const k of Object.keys(flags)) {
    if (!OPTION_BY_KEY.has(k)) throw new ConfigError(`unknown option --${k}; see tiercache daemon --help`);
  }
  const v: Record<string, number | string | boolean | undefined> = {};
  for (const spec of OPTIONS) {
    const raw = flags[spec.key] ?? fromFile[spec.key] ?? spec.default;
    v[spec.key] = raw === undefined ? undefined : convert(spec, raw);
  }
  const str = (k: string): string | undefined => {
    const x = v[k];
    return x === undefined || x === '' ? undefined : String(x);
  };
  const num = (k: string): number => v[k] as number;

  const stateDir = resolve(cwd, str('state-dir')!);
  const blockSize = num('block-size');
  const socketMode = Number.parseInt(str('socket-mode')!, 8);
  if (!Number.isInteger(socketMode) || socketMode < 0 || socketMode > 0o777) {
    fail(OPTION_BY_KEY.get('socket-mode')!, str('socket-mode')!, 'octal permissions such as 0660');
  }
  const listen = str('listen');
  let advertise = str('advertise');
  if (!advertise && sources.podIp && listen) {
    const port = listen.slice(listen.lastIndexOf(':') + 1);
    advertise = sources.podIp.includes(':') ? `[${sources.podIp}]:${port}` : `${sources.podIp}:${port}`;
  }
  const nodeName = str('node-name') ?? (sources.nodeName || hostname());
  const tcpServices = parseTcpServices(str('tcp-services')!);
  const tcpTokenFile = str('tcp-token-file') ? resolve(cwd, str('tcp-token-file')!) : undefined;
  const guarded = tcpServices.filter((x) => x !== 'Peer' && x !== 'Health');
  if (guarded.length > 0 && !tcpTokenFile) {
    throw new ConfigError(
      `invalid tcp-services: ${guarded.join(', ')} over TCP need tcp-token-file (a token every such call must carry); without it TCP serves only Peer and Health`,
    );
  }
  for (const k of ['max-calls-per-connection', 'max-streams', 'max-uploads']) {
    if (num(k) > num('max-calls')) {
      throw new ConfigError(`invalid ${k}: ${num(k)} is more than max-calls (${num('max-calls')}); lower it or raise max-calls`);
    }
  }
  const limits = Object.freeze({
    maxCalls: num('max-calls'),
    maxCallsPerConnection: num('max-calls-per-connection'),
    maxStreams: num('max-streams'),
    maxUploads: num('max-uploads'),
    maxUploadBuffer: num('max-upload-buffer'),
    streamStallTimeoutMs: num('stream-stall-timeout'),
    maxConnections: num('max-connections'),
    connectionIdleTimeoutMs: num('connection-idle-timeout'),
  });
  const peers = str('peers');
  if (peers && !listen) {
    throw new ConfigError('invalid peers: peers need --listen host:port so that other daemons can reach this one');
  }
  const checkpointRoot = str('checkpoint-root')!.replace(/^\/+|\/+$/g, '');
  if (checkpointRoot === '' || checkpointRoot.split('/').some((p) => p === '..' || p === '.')) {
    fail(OPTION_BY_KEY.get('checkpoint-root')!, str('checkpoint-root')!, 'a relative path inside the backend');
  }
  const mountDir = str('checkpoint-mount');
  const checkpointMount = mountDir
    ? {
        dir: resolve(cwd, mountDir),
        root: checkBackendPath('checkpoint-mount-root', str('checkpoint-mount-root') ?? checkpointRoot),
        stagingDir: resolve(cwd, str('checkpoint-mount-staging-dir') ?? join(stateDir, 'checkpoint-mount')),
        flushTimeoutMs: num('checkpoint-mount-flush-timeout'),
      }
    : undefined;
  const roMount = str('mount');
  if (checkpointMount && roMount) {
    const a = resolve(cwd, roMount);
    const b = checkpointMount.dir;
    if (a === b || a.startsWith(b + '/') || b.startsWith(a + '/')) {
      fail(OPTION_BY_KEY.get('checkpoint-mount')!, mountDir!, `a directory apart from --mount (${a}): one mount cannot hold the other`);
    }
  }

  let s3: S3BackendConfig | undefined;
  const backendUrl = str('backend');
  if (backendUrl !== undefined) {
    const endpoint = str('s3-endpoint');
    if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
      fail(OPTION_BY_KEY.get('s3-endpoint')!, endpoint, 'an http:// or https:// URL');
    }
    s3 = Object.freeze({
      ...parseS3Url(backendUrl, 'backend'),
      endpoint,
      region: str('s3-region'),
      forcePathStyle: v['s3-force-path-style'] as boolean,
      partSize: num('s3-part-size'),
    });
  } else {
    for (const k of ['s3-endpoint', 's3-region']) {
      if (str(k) !== undefined) throw new ConfigError(`invalid ${k}: it applies to an s3:// backend only; set backend: s3://BUCKET/PREFIX`);
    }
  }

  const config: Config = {
    backendDir: resolve(cwd, str('backend-dir')!),
    s3,
    stateDir,
    socket: resolve(cwd, str('socket') ?? join(stateDir, 'tiercache.sock')),
    socketMode,
    listen,
    tcpServices,
    tcpTokenFile,
    blockSize,
    memoryCacheSize: num('memory-cache-size'),
    memoryCacheTtlMs: num('memory-cache-ttl'),
    ssdCacheDir: resolve(cwd, str('ssd-cache-dir') ?? join(stateDir, 'ssd')),
    ssdCacheSize: num('ssd-cache-size'),
    ssdFreeRatio: num('ssd-free-ratio'),
    ssdWriteBacklog: num('ssd-write-backlog'),
    ssdWritePriority: str('ssd-write-priority') as SsdWriterPriority,
    metadataTtlMs: num('metadata-ttl'),
    watch: v['watch'] as boolean,
    backendTimeoutMs: num('backend-timeout'),
    incomplete: { writerTag: writerTag(nodeName, stateDir), minAgeMs: num('backend-incomplete-min-age') },
    backendMaxInflight: num('backend-max-inflight'),
    maxReadSize: num('max-read-size'),
    streamChunkSize: num('stream-chunk-size'),
    drainTimeoutMs: num('drain-timeout'),
    ioStuckTimeoutMs: num('io-stuck-timeout'),
    limits,
    logLevel: str('log-level') as LogLevel,
    prefetchWorkers: num('prefetch-workers'),
    prefetchMaxInflight: num('prefetch-max-inflight'),
    prefetchOffloadMinSize: num('prefetch-offload-min-size'),
    prefetchQueueSize: num('prefetch-queue-size'),
    maxReadahead: num('max-readahead'),
    prefetchMaxShare: num('prefetch-max-share'),
    planLookahead: num('plan-lookahead'),
    maxPlanPaths: num('max-plan-paths'),
    historyMaxRows: num('history-max-rows'),
    historyMaxAgeMs: num('history-max-age'),
    checkpointRoot,
    checkpointDir: resolve(cwd, str('checkpoint-dir') ?? join(stateDir, 'checkpoints')),
    checkpointHandoffDir: resolve(cwd, str('checkpoint-handoff-dir') ?? join(stateDir, 'handoff')),
    maxCheckpoints: num('max-checkpoints'),
    checkpointMount,
    peers,
    advertise,
    peerTokenFile: str('peer-token-file') ? resolve(cwd, str('peer-token-file')!) : undefined,
    peerTimeoutMs: num('peer-timeout'),
    peerRefreshIntervalMs: num('peer-refresh-interval'),
    peerHealthIntervalMs: num('peer-health-interval'),
    peerFailureThreshold: num('peer-failure-threshold'),
    peerKeepHot: num('peer-keep-hot'),
    metricsListen: str('metrics-listen'),
    mount: str('mount') ? resolve(cwd, str('mount')!) : undefined,
    mountAllowOther: v['mount-allow-other'] as boolean,
    mountSkipOpens: v['mount-skip-opens'] as boolean,
  };
  return Object.freeze(config);
}

// The daemon: builds the cache from a Config, serves gRPC on the Unix socket
// (and, with --listen, the tcp-services on TCP: see tcp-access.ts), and shuts down in order: stop accepting, drain
// in-flight calls (up to drain-timeout), persist the index, close.

import { mkdirSync } from 'node:fs';
import { Server, ServerCredentials, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Config } from '../config/types';
import type { Logger } from '../log';
import { createBackend } from '../backend/create-backend';
import { ThrottledBackend } from '../backend/throttled-backend';
import { DeadlineBackend } from '../backend/deadline-backend';
import { ObservedBackend, type BackendObserver } from '../backend/observed-backend';
import type { Backend } from '../backend/types';
import { MemCache } from '../cache/mem-cache';
import { DiskCache } from '../cache/disk-cache';
import { CachedStore } from '../cache/cached-store';
import { BackendWatcher } from '../cache/backend-watcher';
import type { TierEvents } from '../cache/types';
import { ConfigError, unimplemented } from '../errors';
import { CachedView } from '../fuse/cached-view';
import { adminService, type AccessPatternsApi } from './admin-service';
import { cacheService, type PrefetchApi } from './cache-service';
import { HealthState } from './health-service';
import { serviceDefinition, CHANNEL_OPTIONS } from '../protocol/load';
import { prepareSocket, setSocketMode } from './socket';
import { refusingService } from './refusing-service';
import { tcpImplementation, tokenInterceptor } from './tcp-access';
import { PeerToken } from '../peer/peer-token';
import type { TcpService } from '../config/types';
import { StatsRegistry } from './stats';
import { CallLimits } from './call-limits';
import { ConnectionLimits } from './connection-limits';
import type { CallTracker } from './handlers';
import { VERSION } from '../version';

const MEMORY_SWEEP_INTERVAL_MS = 5_000;
const MAX_UNIX_SOCKET_PATH = 107;

/** Test and bench hooks that are not part of the user-facing config. */
export interface DaemonExtras {
  /** Emulate a remote backend (bench only): latency per request, bandwidth in bytes/s. */
  readonly emulateBackend?: { latencyMs: number; bandwidth: number };
}

/** A subsystem attached to the daemon (prefetch, checkpoints, peers, metrics). */
export interface Subsystem {
  readonly name: string;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export class Daemon {
  readonly config: Config;
  readonly log: Logger;
  readonly backend: Backend;
  readonly store: CachedStore;
  readonly stats: StatsRegistry;
  readonly health = new HealthState();
  readonly tierEvents: TierEvents;
  /** Set by the prefetch engine when attached. */
  prefetchApi: PrefetchApi | undefined;
  patternsApi: AccessPatternsApi | undefined;
  tcpPort: number | undefined;
  /** The Unix socket's server: every service. */
  private readonly server: Server;
  /** --listen's server: the tcp-services only, guarded by the TCP token. */
  private readonly tcpServer: Server | undefined;
  private readonly tracker: CallTracker;
  private readonly watcher: BackendWatcher | undefined;
  /** The POSIX frontend (--mount): a second frontend over the same store. */
  private readonly view: CachedView;
  private readonly subsystems: Subsystem[] = [];
  private readonly extraServices = new Map<string, UntypedServiceImplementation>();
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Calls, streams and connections a client can hold (both listeners share them). */
  readonly callLimits: CallLimits;
  readonly connectionLimits: ConnectionLimits;
  private stopping: Promise<void> | undefined;

  constructor(config: Config, log: Logger, extras: DaemonExtras = {}) {
    this.config = config;
    this.log = log;
    if (Buffer.byteLength(config.socket) > MAX_UNIX_SOCKET_PATH) {
      throw new ConfigError(
        `invalid socket: ${config.socket} is longer than ${MAX_UNIX_SOCKET_PATH} bytes, the Unix socket path limit; choose a shorter --socket`,
      );
    }
    mkdirSync(config.stateDir, { recursive: true });
    let backend: Backend = createBackend(config, log);
    if (extras.emulateBackend) backend = new ThrottledBackend(backend, extras.emulateBackend);
    backend = new DeadlineBackend(backend, {
      timeoutMs: config.backendTimeoutMs,
      maxInflight: config.backendMaxInflight,
      logger: log,
    });
    const observed = new ObservedBackend(backend);
    this.addBackendObserver = (fn) => observed.addObserver(fn);
    backend = observed;
    this.backend = backend;
    // Forwarding object: subsystems add handlers after the tiers exist.
    const handlers: TierEvents[] = [];
    this.tierEvents = {
      onEvict: (tier, key, origin, wasRead) => {
        for (const h of handlers) h.onEvict?.(tier, key, origin, wasRead);
      },
      onPrefetchHit: (tier, key) => {
        for (const h of handlers) h.onPrefetchHit?.(tier, key);
      },
    };
    this.addTierEvents = (h) => handlers.push(h);
    const mem = new MemCache({
      capacityBytes: config.memoryCacheSize,
      blockSize: config.blockSize,
      ttlMs: config.memoryCacheTtlMs,
      events: this.tierEvents,
    });
    const disk = new DiskCache({
      dir: config.ssdCacheDir,
      capacityBytes: config.ssdCacheSize,
      freeRatio: config.ssdFreeRatio,
      blockSize: config.blockSize,
      logger: log,
      events: this.tierEvents,
    });
    this.store = new CachedStore({
      backend,
      mem,
      disk,
      blockSize: config.blockSize,
      metadataTtlMs: config.metadataTtlMs,
      maxReadSize: config.maxReadSize,
      logger: log,
      peerKeepHot: config.peerKeepHot,
    });
    this.stats = new StatsRegistry(this.store, VERSION);
    this.view = new CachedView(config, this.store, log);
    if (config.watch && backend.localPath) {
      const root = backend.location;
      const w = new BackendWatcher(
        root,
        (rel) => {
          this.store.invalidate(rel);
          this.view.invalidate(rel);
        },
        log,
      );
      this.watcher = w;
      this.store.addReadObserver((ev) => w.watchFileDir(ev.path));
    }
    this.tracker = { inflight: 0, closing: false, log };
    this.callLimits = new CallLimits(config.limits, log);
    this.connectionLimits = new ConnectionLimits(config.limits, log);
    // The limits' interceptor first: it needs grpc-js's base call (see call-limits.ts).
    this.server = new Server({ ...CHANNEL_OPTIONS, interceptors: [this.callLimits.interceptor()] });
    if (config.listen) {
      const token = config.tcpTokenFile ? PeerToken.fromFile(config.tcpTokenFile, 'tcp-token-file') : undefined;
      this.tcpServer = new Server({
        ...CHANNEL_OPTIONS,
        interceptors: [this.callLimits.interceptor(), tokenInterceptor(config.tcpServices, token)],
      });
    }
  }

  readonly addTierEvents: (h: TierEvents) => void;
  /** Backend request timings (metrics). */
  readonly addBackendObserver: (fn: BackendObserver) => void;

  attach(s: Subsystem): void {
    this.subsystems.push(s);
  }

  /** Registers the implementation of a service declared in proto/ (Checkpoints, Peer). */
  provideService(name: 'Checkpoints' | 'Peer' | 'CheckpointMount', impl: UntypedServiceImplementation): void {
    this.extraServices.set(name, impl);
  }

  get callTracker(): CallTracker {
    return this.tracker;
  }

  async start(): Promise<void> {
    const c = this.config;
    const impls: Record<TcpService, UntypedServiceImplementation> = {
      Cache: cacheService(this.tracker, this.store, c.streamChunkSize, () => this.prefetchApi),
      Admin: adminService(this.tracker, this.stats, c, () => this.patternsApi),
      Health: this.health.implementation(),
      Checkpoints: this.extraServices.get('Checkpoints') ?? unbuilt('Checkpoints'),
      Peer: this.extraServices.get('Peer') ?? unbuilt('Peer'),
    };
    for (const [name, impl] of Object.entries(impls) as Array<[TcpService, UntypedServiceImplementation]>) {
      this.server.addService(serviceDefinition(name), impl);
      this.tcpServer?.addService(serviceDefinition(name), tcpImplementation(name, c.tcpServices, impl));
    }
    // The checkpoint mount is a node-local thing: on the Unix socket only.
    this.server.addService(serviceDefinition('CheckpointMount'), this.extraServices.get('CheckpointMount') ?? unbuilt('CheckpointMount'));
    // A bucket that is missing or refuses the credentials stops start-up here, with its reason.
    await this.backend.open?.();
    for (const s of this.subsystems) await s.start?.();
    await this.view.start();
    await prepareSocket(c.socket);
    await bind(this.server, `unix://${c.socket}`);
    setSocketMode(c.socket, c.socketMode);
    if (this.tcpServer && c.listen) {
      this.tcpPort = await bind(this.tcpServer, c.listen);
      raiseReceiveWindow(this.tcpServer, CHANNEL_OPTIONS['grpc-node.flow_control_window'], this.log);
    }
    raiseReceiveWindow(this.server, CHANNEL_OPTIONS['grpc-node.flow_control_window'], this.log);
    for (const sv of [this.server, ...(this.tcpServer ? [this.tcpServer] : [])]) this.connectionLimits.watch(sv);
    if (c.memoryCacheTtlMs > 0) {
      this.sweepTimer = setInterval(() => this.store.mem.sweep(), MEMORY_SWEEP_INTERVAL_MS);
      this.sweepTimer.unref();
    }
    for (const svc of ['', 'tiercache.v1.Cache', 'tiercache.v1.Admin', 'tiercache.v1.Checkpoints', 'tiercache.v1.Peer']) {
      this.health.set(svc, 'SERVING');
    }
    this.log.info('tiercache daemon serving', {
      socket: c.socket,
      listen: c.listen,
      tcpPort: this.tcpPort,
      tcpServices: c.listen ? c.tcpServices : undefined,
      mount: this.view.dir,
      backend: this.backend.location,
      memoryCacheSize: c.memoryCacheSize,
      ssdCacheDir: c.ssdCacheDir,
      ssdCacheSize: c.ssdCacheSize,
      ssdBlocks: this.store.disk.snapshot().blocks,
      blockSize: c.blockSize,
      version: VERSION,
    });
  }

  /** Graceful stop: refuse new calls, drain, persist, close. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const started = Date.now();
    this.log.info('shutting down: draining in-flight calls', { inflight: this.tracker.inflight });
    this.tracker.closing = true;
    this.health.shutdown();
    this.connectionLimits.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await new Promise<void>((resolve) => {
      const servers = [this.server, ...(this.tcpServer ? [this.tcpServer] : [])];
      const timer = setTimeout(() => {
        this.log.warn('drain timeout: cutting remaining calls', { inflight: this.tracker.inflight });
        for (const sv of servers) sv.forceShutdown();
        resolve();
      }, this.config.drainTimeoutMs);
      timer.unref();
      let open = servers.length;
      for (const sv of servers) {
        sv.tryShutdown(() => {
          if (--open > 0) return;
          clearTimeout(timer);
          resolve();
        });
      }
    });
    await this.view.stop().catch((err: unknown) => this.log.error('unmounting failed', { err: String(err) }));
    for (const s of [...this.subsystems].reverse()) {
      try {
        await s.stop?.();
      } catch (err) {
        this.log.error(`stopping ${s.name} failed`, { err: String(err) });
      }
    }
    await this.watcher?.close();
    this.store.disk.close();
    await this.backend.close?.();
    this.log.info('daemon stopped', { ms: Date.now() - started });
  }
}

/**
 * grpc-js applies 'grpc-node.flow_control_window' to client connections only
 * (grpc/grpc-node PR #3058 adds the server side), so a server's receive
 * window stays at HTTP/2's 64 KiB and client uploads (checkpoint saves) wait
 * for a WINDOW_UPDATE every 64 KiB. Raise it on every session the server
 * accepts. This reaches into grpc-js's private map of HTTP/2 servers; if that
 * changes, uploads are slower but nothing breaks.
 */
function raiseReceiveWindow(server: Server, windowBytes: number, log: Logger): void {
  const servers = (server as unknown as { http2Servers?: Map<NodeJS.EventEmitter, unknown> }).http2Servers;
  if (!(servers instanceof Map)) {
    log.debug('cannot raise the HTTP/2 receive window: grpc-js internals changed');
    return;
  }
  for (const h2 of servers.keys()) {
    if ((h2 as { tiercacheWindow?: boolean }).tiercacheWindow) continue;
    (h2 as { tiercacheWindow?: boolean }).tiercacheWindow = true;
    h2.on('session', (session: import('node:http2').ServerHttp2Session) => {
      try {
        session.setLocalWindowSize(windowBytes);
        session.settings({ initialWindowSize: windowBytes });
      } catch (err) {
        log.debug('raising the HTTP/2 receive window failed', { err: String(err) });
      }
    });
  }
}

function bind(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) => {
      if (err) reject(new ConfigError(`cannot listen on ${address}: ${err.message}`));
      else resolve(port);
    });
  });
}

function unbuilt(name: 'Checkpoints' | 'Peer' | 'CheckpointMount'): UntypedServiceImplementation {
  return refusingService(name, unimplemented(`${name}`, 'this daemon was built without it'));
}

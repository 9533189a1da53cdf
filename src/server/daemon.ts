// The daemon's lifecycle and its gRPC frontend: serves the services the
// composition root (compose.ts) built on the Unix socket (and, with --listen,
// the tcp-services on TCP: see tcp-access.ts), and shuts down in order: stop
// accepting, drain in-flight calls (up to drain-timeout), stop the other
// frontends (the POSIX mount), then the parts in reverse order of start.
//
// The Daemon builds nothing: everything it runs is handed to it.

import { Server, ServerCredentials, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Config, TcpService } from '../config/types';
import { ConfigError, notServed } from '../errors';
import type { Logger } from '../log';
import { PeerToken } from '../peer/peer-token';
import { CHANNEL_OPTIONS, serviceDefinition } from '../protocol/load';
import { getErrorMessage } from '../util/errors-message';
import type { Part } from '../util/part';
import { VERSION } from '../version';
import type { CallLimits } from './call-limits';
import type { ConnectionLimits } from './connection-limits';
import type { CallTracker } from './handlers';
import type { HealthState } from './health-service';
import { refusingService } from './refusing-service';
import { prepareSocket, setSocketMode } from './socket';
import { tcpImplementation, tokenInterceptor } from './tcp-access';

/** Services served when built; the others answer UNIMPLEMENTED, saying why. */
export type OptionalService = 'Checkpoints' | 'Peer' | 'CheckpointMount';

export interface GrpcServices {
  readonly Cache: UntypedServiceImplementation;
  readonly Admin: UntypedServiceImplementation;
  readonly Health: UntypedServiceImplementation;
  readonly Checkpoints?: UntypedServiceImplementation;
  readonly Peer?: UntypedServiceImplementation;
  /** Node-local: on the Unix socket only. */
  readonly CheckpointMount?: UntypedServiceImplementation;
}

export interface DaemonParts {
  readonly config: Config;
  readonly log: Logger;
  readonly tracker: CallTracker;
  /** Calls, streams and connections a client can hold (both listeners share them). */
  readonly callLimits: CallLimits;
  readonly connectionLimits: ConnectionLimits;
  readonly health: HealthState;
  readonly services: GrpcServices;
  /** Started in this order before the sockets are bound; stopped in reverse after the frontends. */
  readonly parts: readonly Part[];
  /** Frontends beside gRPC (the POSIX mount): started after the parts, stopped right after the drain. */
  readonly frontends: readonly Part[];
  /**
   * Why a normal process exit would hang, or undefined: libuv joins its I/O
   * threads at exit, and a thread blocked in a hung mount never returns.
   */
  readonly exitBlocker?: () => string | undefined;
  /** Extra fields of the "serving" log line (backend, mount, tier sizes). */
  readonly describe: () => Record<string, unknown>;
}

/** Health names of the services, as Kubernetes' gRPC probe and peers ask for them. */
const HEALTH_NAMES: Record<Exclude<keyof GrpcServices, 'Health' | 'CheckpointMount'>, string> = {
  Cache: 'tiercache.v1.Cache',
  Admin: 'tiercache.v1.Admin',
  Checkpoints: 'tiercache.v1.Checkpoints',
  Peer: 'tiercache.v1.Peer',
};

export class Daemon {
  readonly config: Config;
  readonly log: Logger;
  tcpPort: number | undefined;
  private readonly parts: DaemonParts;
  /** The Unix socket's server: every service. */
  private readonly server: Server;
  /** --listen's server: the tcp-services only, guarded by the TCP token. */
  private readonly tcpServer: Server | undefined;
  private started: Part[] = [];
  private stopping: Promise<void> | undefined;

  constructor(parts: DaemonParts) {
    this.parts = parts;
    this.config = parts.config;
    this.log = parts.log;
    const c = parts.config;
    // The limits' interceptor first: it needs grpc-js's base call (see call-limits.ts).
    const limits = parts.callLimits.interceptor();
    this.server = new Server({ ...CHANNEL_OPTIONS, interceptors: [limits] });
    if (c.listen) {
      const token = c.tcpTokenFile ? PeerToken.fromFile(c.tcpTokenFile, 'tcp-token-file') : undefined;
      this.tcpServer = new Server({ ...CHANNEL_OPTIONS, interceptors: [limits, tokenInterceptor(c.tcpServices, token)] });
    }
  }

  async start(): Promise<void> {
    const c = this.config;
    const svc = this.parts.services;
    const tcp: Record<TcpService, UntypedServiceImplementation> = {
      Cache: svc.Cache,
      Admin: svc.Admin,
      Health: svc.Health,
      Checkpoints: svc.Checkpoints ?? unbuilt('Checkpoints'),
      Peer: svc.Peer ?? unbuilt('Peer'),
    };
    for (const [name, impl] of Object.entries(tcp) as Array<[TcpService, UntypedServiceImplementation]>) {
      this.server.addService(serviceDefinition(name), impl);
      this.tcpServer?.addService(serviceDefinition(name), tcpImplementation(name, c.tcpServices, impl));
    }
    this.server.addService(serviceDefinition('CheckpointMount'), svc.CheckpointMount ?? unbuilt('CheckpointMount'));
    // In order; a part that fails to start (a missing bucket, a bad mount point) stops start-up with its reason.
    for (const p of [...this.parts.parts, ...this.parts.frontends]) {
      this.started.push(p);
      await p.start?.();
    }
    await prepareSocket(c.socket);
    await bind(this.server, `unix://${c.socket}`);
    setSocketMode(c.socket, c.socketMode);
    if (this.tcpServer && c.listen) {
      this.tcpPort = await bind(this.tcpServer, c.listen);
      raiseReceiveWindow(this.tcpServer, CHANNEL_OPTIONS['grpc-node.flow_control_window'], this.log);
    }
    raiseReceiveWindow(this.server, CHANNEL_OPTIONS['grpc-node.flow_control_window'], this.log);
    for (const sv of [this.server, ...(this.tcpServer ? [this.tcpServer] : [])]) this.parts.connectionLimits.watch(sv);
    // SERVING only for what this daemon serves: a service it was built without stays unknown to Health.
    const health = this.parts.health;
    health.set('', 'SERVING');
    for (const [name, full] of Object.entries(HEALTH_NAMES) as Array<[keyof typeof HEALTH_NAMES, string]>) {
      if (svc[name]) health.set(full, 'SERVING');
    }
    this.log.info('tiercache daemon serving', {
      socket: c.socket,
      listen: c.listen,
      tcpPort: this.tcpPort,
      tcpServices: c.listen ? c.tcpServices : undefined,
      ...this.parts.describe(),
      version: VERSION,
    });
  }

  /** Why exiting normally would hang (see DaemonParts.exitBlocker), or undefined. */
  exitBlocker(): string | undefined {
    return this.parts.exitBlocker?.();
  }

  /** Graceful stop: refuse new calls, drain, stop the frontends and parts. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const started = Date.now();
    const tracker = this.parts.tracker;
    this.log.info('shutting down: draining in-flight calls', { inflight: tracker.inflight });
    tracker.closing = true;
    this.parts.health.shutdown();
    this.parts.connectionLimits.stop();
    await new Promise<void>((resolve) => {
      const servers = [this.server, ...(this.tcpServer ? [this.tcpServer] : [])];
      const timer = setTimeout(() => {
        this.log.warn('drain timeout: cutting remaining calls', { inflight: tracker.inflight });
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
    // Frontends first (the mount is unmounted after the drain), then the parts in reverse.
    const frontends = new Set(this.parts.frontends);
    const order = [...this.started.filter((p) => frontends.has(p)), ...this.started.filter((p) => !frontends.has(p)).reverse()];
    this.started = [];
    for (const p of order) {
      try {
        await p.stop?.();
      } catch (err) {
        this.log.error(`stopping ${p.name} failed`, { err: getErrorMessage(err) });
      }
    }
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

/** What serves each optional service, for the UNIMPLEMENTED answer of a daemon started without it. */
const HOW_TO_SERVE: Record<OptionalService, string> = {
  Checkpoints: 'checkpoints are disabled on this backend (the daemon log says why)',
  Peer: 'start it with --peers, --peer-token-file and --advertise to serve peers',
  CheckpointMount: 'start it with --checkpoint-mount DIR',
};

function unbuilt(name: OptionalService): UntypedServiceImplementation {
  return refusingService(name, notServed(`tiercache.v1.${name}`, HOW_TO_SERVE[name]));
}

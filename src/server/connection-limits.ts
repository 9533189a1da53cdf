// Bounds on client connections, over every server it watches: a connection
// with no call in flight for connection-idle-timeout is closed, and at
// max-connections a new connection makes room by closing the one idle the
// longest, or is refused when every one is busy. So idle connections, however
// many a client opens, can neither exhaust the daemon's descriptors nor lock
// out a new client.
//
// grpc-js has no public hook for connections: this watches the HTTP/2
// servers it keeps per bound address (a private map, as daemon.ts's
// raiseReceiveWindow does). If that changes, watch() says so and only the
// call bounds (call-limits.ts) hold.

import type { Http2Session, ServerHttp2Stream } from 'node:http2';
import type { Server } from '@grpc/grpc-js';
import type { CallLimitsConfig } from '../config/types';
import type { Logger } from '../log';

/** After close() (GOAWAY), how long a connection may take to go before it is destroyed. */
const CLOSE_GRACE_MS = 1_000;
/** At most one warning per this long about refused connections. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;
const MIN_SWEEP_MS = 100;
const MAX_SWEEP_MS = 10_000;

interface Connection {
  readonly session: Http2Session;
  activeStreams: number;
  /** When activeStreams last became 0 (or the connection opened). */
  idleSince: number;
  closing: boolean;
}

export interface ConnectionCounters {
  readonly open: number;
  readonly idleClosed: number;
  readonly evicted: number;
  readonly refused: number;
}

export class ConnectionLimits {
  private readonly maxConnections: number;
  private readonly idleTimeoutMs: number;
  private readonly log: Logger;
  private readonly now: () => number;
  /** Open connections, in the order they opened. */
  private readonly open = new Map<Http2Session, Connection>();
  /** How many of `open` are closing. */
  private closing = 0;
  private sweepTimer: NodeJS.Timeout | undefined;
  private idleClosed = 0;
  private evicted = 0;
  private refused = 0;
  private lastRefusalLog = -Infinity;

  constructor(limits: Pick<CallLimitsConfig, 'maxConnections' | 'connectionIdleTimeoutMs'>, log: Logger, now: () => number = Date.now) {
    this.maxConnections = limits.maxConnections;
    this.idleTimeoutMs = limits.connectionIdleTimeoutMs;
    this.log = log;
    this.now = now;
  }

  get counters(): ConnectionCounters {
    return { open: this.open.size, idleClosed: this.idleClosed, evicted: this.evicted, refused: this.refused };
  }

  /** Watches the connections of a bound grpc-js server; false when its internals are not as expected. */
  watch(server: Server): boolean {
    const servers = (server as unknown as { http2Servers?: Map<NodeJS.EventEmitter, unknown> }).http2Servers;
    if (!(servers instanceof Map)) {
      this.log.warn('cannot bound connections: grpc-js internals changed; calls are still bounded');
      return false;
    }
    for (const h2 of servers.keys()) {
      if ((h2 as { tiercacheLimits?: boolean }).tiercacheLimits) continue;
      (h2 as { tiercacheLimits?: boolean }).tiercacheLimits = true;
      h2.on('session', (session: Http2Session) => this.admit(session));
    }
    if (!this.sweepTimer && this.idleTimeoutMs > 0) {
      const every = Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, Math.floor(this.idleTimeoutMs / 4)));
      this.sweepTimer = setInterval(() => this.sweep(), every);
      this.sweepTimer.unref();
    }
    return true;
  }

  stop(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** Closes the connections idle past the timeout. */
  sweep(): void {
    const now = this.now();
    for (const c of this.open.values()) {
      if (!c.closing && c.activeStreams === 0 && now - c.idleSince >= this.idleTimeoutMs) {
        this.idleClosed++;
        this.close(c);
      }
    }
  }

  private admit(session: Http2Session): void {
    const c: Connection = { session, activeStreams: 0, idleSince: this.now(), closing: false };
    if (this.live() >= this.maxConnections && !this.evictIdlest()) {
      this.refused++;
      const now = this.now();
      if (now - this.lastRefusalLog >= REFUSAL_LOG_INTERVAL_MS) {
        this.lastRefusalLog = now;
        this.log.warn('connection refused: max-connections reached and none is idle; raise --max-connections if this is real load', {
          maxConnections: this.maxConnections,
          refused: this.refused,
        });
      }
      session.destroy();
      return;
    }
    this.open.set(session, c);
    session.on('stream', (stream: ServerHttp2Stream) => {
      c.activeStreams++;
      stream.once('close', () => {
        if (--c.activeStreams === 0) c.idleSince = this.now();
      });
    });
    session.once('close', () => {
      if (c.closing) this.closing--;
      this.open.delete(session);
    });
  }

  /** Connections not already on their way out. */
  private live(): number {
    return this.open.size - this.closing;
  }

  /** Closes the connection idle the longest, if any is idle; true when one was. */
  private evictIdlest(): boolean {
    let idlest: Connection | undefined;
    for (const c of this.open.values()) {
      if (c.closing || c.activeStreams > 0) continue;
      if (!idlest || c.idleSince < idlest.idleSince) idlest = c;
    }
    if (!idlest) return false;
    this.evicted++;
    this.close(idlest);
    return true;
  }

  private close(c: Connection): void {
    c.closing = true;
    this.closing++;
    try {
      c.session.close();
    } catch {
      // already closing
    }
    setTimeout(() => {
      if (!c.session.destroyed) c.session.destroy();
    }, CLOSE_GRACE_MS).unref();
  }
}

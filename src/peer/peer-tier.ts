// The distributed tier: membership from --peers (refreshed when it is DNS),
// health checks, one connection per peer, the PeerFetcher behind the local
// tiers, and the "distributed" stats section. The composition root installs
// the fetcher on the store and serves the Peer service with the token.
//
// Safe defaults: nothing is built without --peers; --peers requires a
// token file and an advertised address (else the daemon refuses to start),
// so the Peer service is never served without a token.

import type { BlockFetcher } from '../cache/types';
import type { Config } from '../config/types';
import { ConfigError } from '../errors';
import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';
import type { Part } from '../util/part';
import { parsePeerSpec, resolvePeers, systemResolver, type PeerSpec, type Resolver } from './discovery';
import { GrpcPeerConnection } from './grpc-peer-connection';
import { Membership } from './membership';
import { PeerFetcher } from './peer-fetcher';
import { PeerToken } from './peer-token';
import { newPeerCounters, type PeerConnection, type PeerCounters } from './types';
import type { DistributedStats } from '../protocol/types';

/** Reconnect backoff to a failed peer: from one health interval up to this many. */
const MAX_BACKOFF_INTERVALS = 10;
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 30_000;

export interface PeerTierOptions {
  readonly spec: PeerSpec;
  readonly self: string;
  readonly token: PeerToken;
  readonly timeoutMs: number;
  readonly refreshIntervalMs: number;
  readonly healthIntervalMs: number;
  readonly failureThreshold: number;
  readonly log: Logger;
  readonly resolver?: Resolver;
  /** Test hook: connections other than gRPC. */
  readonly connect?: (address: string) => PeerConnection;
}

export class PeerTier implements Part {
  readonly name = 'peers';
  readonly counters: PeerCounters = newPeerCounters();
  readonly membership: Membership;
  private readonly opts: PeerTierOptions;
  private readonly log: Logger;
  private readonly connections = new Map<string, PeerConnection>();
  /** Peers with a health check in flight (checks never overlap per peer). */
  private readonly checking = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private dnsFailing = false;
  private stopped = false;

  constructor(opts: PeerTierOptions) {
    this.opts = opts;
    this.log = opts.log;
    this.membership = new Membership({ self: opts.self, failureThreshold: opts.failureThreshold });
  }

  /** The fetcher to install on the store: owner peer first, then `direct`. */
  fetcher(direct: BlockFetcher, blockSize: number): PeerFetcher {
    return new PeerFetcher({
      ownerOf: (key) => this.membership.remoteOwner(key),
      connection: (a) => this.connections.get(a),
      direct,
      counters: this.counters,
      blockSize,
      timeoutMs: this.opts.timeoutMs,
      log: this.log,
      tripMs: this.opts.healthIntervalMs,
    });
  }

  async start(): Promise<void> {
    await this.refresh();
    this.checkAll();
    this.every(this.opts.healthIntervalMs, () => this.checkAll());
    if (this.opts.spec.kind === 'dns') this.every(this.opts.refreshIntervalMs, () => void this.refresh());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }

  /** Re-reads the member list; on a DNS failure the previous list stays (logged once per outage). */
  async refresh(): Promise<void> {
    let addresses: string[];
    try {
      addresses = await resolvePeers(this.opts.spec, this.opts.resolver ?? systemResolver);
    } catch (err) {
      if (!this.dnsFailing) this.log.warn('peer discovery failed; keeping the current peers', { err: getErrorMessage(err) });
      this.dnsFailing = true;
      return;
    }
    this.dnsFailing = false;
    if (this.stopped) return;
    const { added, removed } = this.membership.setAddresses(addresses);
    for (const a of removed) {
      this.connections.get(a)?.close();
      this.connections.delete(a);
    }
    for (const a of added) this.connections.set(a, this.connect(a));
    if (added.length > 0 || removed.length > 0) {
      this.log.info('peer list changed', { added, removed, ring: this.membership.ring.nodes });
      for (const a of added) void this.check(a);
    }
  }

  /** The "distributed" section of Admin.Stats (DistributedStats, snake_case). */
  stats(blocksBySource: { memory: number; ssd: number; peer: number; backend: number }): DistributedStats {
    const c = this.counters;
    return {
      enabled: true,
      peers: this.membership.views().map((p) => ({
        address: p.address,
        state: p.state,
        ring_share: p.ringShare,
        self: p.self,
        consecutive_failures: p.consecutiveFailures,
      })),
      blocks_served_to_peers: c.blocksServedToPeers,
      blocks_fetched_from_peers: c.blocksFetchedFromPeers,
      peer_errors: c.peerErrors,
      peer_fallbacks: c.peerFallbacks,
      backend_bytes_avoided: c.backendBytesAvoided,
      bytes_fetched_from_peers: c.bytesFetchedFromPeers,
      bytes_served_to_peers: c.bytesServedToPeers,
      blocks_read_local: blocksBySource.memory + blocksBySource.ssd,
      blocks_read_from_peers: blocksBySource.peer,
      blocks_read_from_backend: blocksBySource.backend,
    };
  }

  private connect(address: string): PeerConnection {
    if (this.opts.connect) return this.opts.connect(address);
    const initial = Math.max(MIN_BACKOFF_MS, Math.min(this.opts.healthIntervalMs, MAX_BACKOFF_MS));
    return new GrpcPeerConnection({
      address,
      token: this.opts.token.value,
      initialBackoffMs: initial,
      maxBackoffMs: Math.min(MAX_BACKOFF_MS, initial * MAX_BACKOFF_INTERVALS),
    });
  }

  private checkAll(): void {
    for (const a of this.membership.remotes()) void this.check(a);
  }

  private async check(address: string): Promise<void> {
    const conn = this.connections.get(address);
    if (!conn || this.checking.has(address)) return;
    this.checking.add(address);
    let ok: boolean;
    try {
      ok = await conn.check(this.opts.timeoutMs);
    } finally {
      this.checking.delete(address);
    }
    if (this.stopped) return;
    if (!ok) this.counters.failedHealthChecks++;
    const t = this.membership.recordCheck(address, ok);
    if (t === 'left') this.log.warn('peer left the ring after failed health checks', { peer: address, threshold: this.opts.failureThreshold });
    if (t === 'joined') this.log.info('peer is healthy again and rejoined the ring', { peer: address });
  }

  private every(ms: number, fn: () => void): void {
    if (ms <= 0) return;
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }
}

/** The Config keys the distributed tier is built from. */
export type PeerConfig = Pick<
  Config,
  'peers' | 'peerTokenFile' | 'advertise' | 'peerTimeoutMs' | 'peerRefreshIntervalMs' | 'peerHealthIntervalMs' | 'peerFailureThreshold'
>;

/** The distributed tier when --peers is set (undefined without); a config it cannot run with fails here. */
export function peerTierFromConfig(c: PeerConfig, log: Logger): { tier: PeerTier; token: PeerToken } | undefined {
  if (!c.peers) return undefined;
  const spec = parsePeerSpec(c.peers);
  if (!c.peerTokenFile) {
    throw new ConfigError('invalid peers: peers need --peer-token-file, the shared token every peer call must carry');
  }
  const self = c.advertise;
  if (!self) {
    throw new ConfigError('invalid peers: peers need --advertise host:port (or POD_IP in the environment) so that peers can tell this daemon apart');
  }
  if (/:0$/.test(self)) {
    throw new ConfigError(`invalid advertise: ${self}; a peer address needs a fixed port (give --listen or --advertise a non-zero port)`);
  }
  const token = PeerToken.fromFile(c.peerTokenFile);
  const tier = new PeerTier({
    spec,
    self,
    token,
    timeoutMs: c.peerTimeoutMs,
    refreshIntervalMs: c.peerRefreshIntervalMs,
    healthIntervalMs: c.peerHealthIntervalMs,
    failureThreshold: c.peerFailureThreshold,
    log: log.child({ component: 'peers' }),
  });
  return { tier, token };
}

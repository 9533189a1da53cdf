// Contracts of the distributed tier: peers, their states, the connection to
// one peer, and the counters the stats and metrics read.

import type { BlockRequest, BlockResponse } from '../protocol/types';

export type { BlockRequest, BlockResponse };

/** Metadata key that carries the shared peer token on every Peer call. */
export const PEER_TOKEN_METADATA = 'x-tiercache-peer-token';

/**
 * alive: in the ring, last check passed. suspect: in the ring, failed fewer
 * than peer-failure-threshold checks in a row. down: out of the ring until a
 * check passes again.
 */
export const PeerStates = { ALIVE: 'alive', SUSPECT: 'suspect', DOWN: 'down' } as const;
export type PeerState = (typeof PeerStates)[keyof typeof PeerStates];

/** One row of DistributedStats.peers. */
export interface PeerView {
  readonly address: string;
  readonly state: PeerState;
  /** Expected share of the blocks this peer owns (0 when out of the ring). */
  readonly ringShare: number;
  readonly self: boolean;
  readonly consecutiveFailures: number;
}


/** The connection to one remote peer (gRPC in the daemon, fakes in tests). */
export interface PeerConnection {
  getBlock(req: BlockRequest, timeoutMs: number): Promise<BlockResponse>;
  /** Standard grpc.health.v1 Check of the Peer service; true when SERVING. */
  check(timeoutMs: number): Promise<boolean>;
  close(): void;
}

/**
 * Counters named after events, as plain fields (metrics read them directly).
 * backendBytesAvoided: bytes this node got from an owner instead of reading
 * the backend itself.
 */
export interface PeerCounters {
  blocksFetchedFromPeers: number;
  bytesFetchedFromPeers: number;
  blocksServedToPeers: number;
  bytesServedToPeers: number;
  /** Failed peer calls: unreachable, deadline, refused, bad checksum or version. */
  peerErrors: number;
  /** Reads that went to the backend after a failed peer call (one per error). */
  peerFallbacks: number;
  backendBytesAvoided: number;
  /** Peer calls this node refused for a missing or wrong token. */
  unauthenticatedCalls: number;
  /** Health checks that failed. */
  failedHealthChecks: number;
}

export const newPeerCounters = (): PeerCounters => ({
  blocksFetchedFromPeers: 0,
  bytesFetchedFromPeers: 0,
  blocksServedToPeers: 0,
  bytesServedToPeers: 0,
  peerErrors: 0,
  peerFallbacks: 0,
  backendBytesAvoided: 0,
  unauthenticatedCalls: 0,
  failedHealthChecks: 0,
});

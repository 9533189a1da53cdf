// The gRPC connection to one remote peer: Peer.GetBlock with the token and
// a deadline, and the standard grpc.health.v1 Check. Peer and Health share
// one channel (grpc-js shares subchannels between clients with equal options).

import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { CHANNEL_OPTIONS, services } from '../protocol/load';
import type { HealthCheckResponse, HealthClient, PeerClient } from '../protocol/types';
import { PEER_TOKEN_METADATA, type BlockRequest, type BlockResponse, type PeerConnection } from './types';

/** Name a peer's health is checked under (the daemon marks it SERVING). */
export const PEER_HEALTH_SERVICE = 'tiercache.v1.Peer';

export interface GrpcPeerConnectionOptions {
  readonly address: string;
  readonly token: string;
  /** Reconnect backoff bounds: a restarted peer is seen again within about maxBackoffMs. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export class GrpcPeerConnection implements PeerConnection {
  readonly address: string;
  private readonly peer: PeerClient;
  private readonly health: HealthClient;
  private readonly token: string;

  constructor(opts: GrpcPeerConnectionOptions) {
    this.address = opts.address;
    this.token = opts.token;
    const channelOptions = {
      ...CHANNEL_OPTIONS,
      'grpc.initial_reconnect_backoff_ms': opts.initialBackoffMs,
      'grpc.max_reconnect_backoff_ms': opts.maxBackoffMs,
    };
    this.peer = new services.Peer(opts.address, credentials.createInsecure(), channelOptions);
    this.health = new services.Health(opts.address, credentials.createInsecure(), channelOptions);
  }

  getBlock(req: BlockRequest, timeoutMs: number): Promise<BlockResponse> {
    const md = new Metadata();
    md.set(PEER_TOKEN_METADATA, this.token);
    return answered<BlockResponse>((cb) => this.peer.GetBlock(req, md, { deadline: Date.now() + timeoutMs }, cb));
  }

  async check(timeoutMs: number): Promise<boolean> {
    try {
      const deadline = Date.now() + timeoutMs;
      const res = await answered<HealthCheckResponse>((cb) => this.health.Check({ service: PEER_HEALTH_SERVICE }, new Metadata(), { deadline }, cb));
      return res.status === 'SERVING';
    } catch {
      return false;
    }
  }

  close(): void {
    this.peer.close();
    this.health.close();
  }
}

/** A unary call's callback as a promise. */
function answered<T>(start: (cb: (err: ServiceError | null, res?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((err, res) => {
      if (err) reject(err);
      else resolve(res!);
    });
  });
}

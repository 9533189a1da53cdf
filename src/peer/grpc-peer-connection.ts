// The gRPC connection to one remote peer: Peer.GetBlock with the token and
// a deadline, and the standard grpc.health.v1 Check. Peer and Health share
// one channel (grpc-js shares subchannels between clients with equal options).

import { credentials, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { CHANNEL_OPTIONS, services } from '../server/proto';
import { PEER_TOKEN_METADATA, type BlockRequest, type BlockResponse, type PeerConnection } from './types';

/** Name a peer's health is checked under (the daemon marks it SERVING). */
export const PEER_HEALTH_SERVICE = 'tiercache.v1.Peer';

type Unary = (req: unknown, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res?: unknown) => void) => void;

export interface GrpcPeerConnectionOptions {
  readonly address: string;
  readonly token: string;
  /** Reconnect backoff bounds: a restarted peer is seen again within about maxBackoffMs. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export class GrpcPeerConnection implements PeerConnection {
  readonly address: string;
  private readonly peer: Client;
  private readonly health: Client;
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
    return call<BlockResponse>(this.peer, 'GetBlock', req, md, timeoutMs);
  }

  async check(timeoutMs: number): Promise<boolean> {
    try {
      const res = await call<{ status: string }>(this.health, 'Check', { service: PEER_HEALTH_SERVICE }, new Metadata(), timeoutMs);
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

function call<T>(client: Client, method: string, req: unknown, md: Metadata, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fn = (client as unknown as Record<string, Unary>)[method]!;
    fn.call(client, req, md, { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(err);
      else resolve(res as T);
    });
  });
}

// The read path after the local tiers: ask the block's owner, else read the
// backend. A failed peer call (unreachable, deadline, refused, wrong checksum,
// length or version) is counted and the block is read from the backend: a
// slow or dead peer costs at most one peer-timeout, and the client never
// sees the failure (as groupcache's getFromPeer -> load locally).
//
// The store's single-flight wraps every call per block, so N readers of one
// missing block on this node make one peer call.
//
// A peer that times out or is unreachable is skipped (reads go straight to
// the backend) for `tripMs`, so a peer that hangs costs one deadline, not one
// per read until the health checks take it out of the ring.

import { crc32 } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { blockKey, type BlockFetcher, type BlockId, type BlockOrigin, type FetchedBlock } from '../cache/types';
import { dataLoss, versionMismatch } from '../errors';
import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';
import type { PeerConnection, PeerCounters } from './types';

export interface PeerFetcherOptions {
  /** The owner of a block key, undefined when this node owns it (or is alone). */
  readonly ownerOf: (key: string) => string | undefined;
  readonly connection: (address: string) => PeerConnection | undefined;
  /** Reads the backend (single-flighted per block by the store). */
  readonly direct: BlockFetcher;
  readonly counters: PeerCounters;
  readonly blockSize: number;
  readonly timeoutMs: number;
  readonly log: Logger;
  /** How long a peer that timed out or was unreachable is skipped (0 = never). */
  readonly tripMs?: number;
  readonly now?: () => number;
}

/** gRPC codes that say the peer itself is in trouble (not the block). */
const PEER_DOWN_CODES = new Set([status.DEADLINE_EXCEEDED, status.UNAVAILABLE, status.CANCELLED, status.UNKNOWN]);

export class PeerFetcher implements BlockFetcher {
  private readonly opts: PeerFetcherOptions;
  /** Peers whose current run of failures was already logged (one line per run). */
  private readonly failing = new Set<string>();
  /** Peer -> time until which it is skipped. */
  private readonly tripped = new Map<string, number>();
  private readonly now: () => number;

  constructor(opts: PeerFetcherOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  async fetch(id: BlockId, length: number, origin?: BlockOrigin): Promise<FetchedBlock> {
    const o = this.opts;
    const owner = o.ownerOf(blockKey(id));
    const conn = owner === undefined ? undefined : o.connection(owner);
    if (owner === undefined || conn === undefined) return o.direct.fetch(id, length, origin);
    const until = this.tripped.get(owner);
    if (until !== undefined) {
      if (this.now() < until) {
        o.counters.peerFallbacks++;
        return o.direct.fetch(id, length, origin);
      }
      this.tripped.delete(owner);
    }
    let data: Buffer;
    try {
      data = await this.fromPeer(conn, id, length);
    } catch (err) {
      o.counters.peerErrors++;
      o.counters.peerFallbacks++;
      const code = (err as { code?: unknown }).code;
      if (o.tripMs && typeof code === 'number' && PEER_DOWN_CODES.has(code)) this.tripped.set(owner, this.now() + o.tripMs);
      if (!this.failing.has(owner)) {
        this.failing.add(owner);
        o.log.warn('peer call failed; reading from the backend', { peer: owner, path: id.path, block: id.index, err: getErrorMessage(err) });
      }
      return o.direct.fetch(id, length, origin);
    }
    if (this.failing.delete(owner)) o.log.info('peer calls succeed again', { peer: owner });
    o.counters.blocksFetchedFromPeers++;
    o.counters.bytesFetchedFromPeers += data.length;
    o.counters.backendBytesAvoided += data.length;
    return { data, source: 'peer' };
  }

  private async fromPeer(conn: PeerConnection, id: BlockId, length: number): Promise<Buffer> {
    const res = await conn.getBlock(
      { path: id.path, version: id.version, index: id.index, block_size: this.opts.blockSize },
      this.opts.timeoutMs,
    );
    if (res.version !== id.version) throw versionMismatch(id.path, id.version, res.version);
    const data = res.data;
    if (data.length !== length) throw dataLoss(`peer sent ${data.length} bytes for block ${id.index} of ${id.path}, expected ${length}`);
    if (crc32(data) !== res.checksum) throw dataLoss(`peer block ${id.index} of ${id.path} fails its CRC-32`);
    return data;
  }
}

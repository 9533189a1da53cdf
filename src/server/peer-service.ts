// Serving side of tiercache.v1.Peer: GetBlock for a block this node owns.
// Order of checks: token (an unauthenticated caller learns nothing about
// paths), block size, path through the backend's guard, version, index. The
// block comes from this node's tiers or the backend, never from another peer.

import { crc32 } from 'node:zlib';
import type { CachedStore } from '../cache/cached-store';
import { ConfigError, invalidArgument, isDirectory, outOfRange, unauthenticated, versionMismatch } from '../errors';
import { unary, type CallTracker } from './handlers';
import type { PeerToken } from '../peer/peer-token';
import { PEER_TOKEN_METADATA, type PeerCounters } from '../peer/types';
import type { BlockRequest, BlockResponse, PeerHandlers } from '../protocol/types';

export interface PeerServiceOptions {
  readonly tracker: CallTracker;
  readonly store: CachedStore;
  readonly token: PeerToken;
  readonly counters: PeerCounters;
}

export function peerService(opts: PeerServiceOptions): PeerHandlers {
  const { store, token, counters } = opts;
  return {
    GetBlock: unary<BlockRequest, BlockResponse>(opts.tracker, 'Peer.GetBlock', async (req, call) => {
      if (!token.matches(call.metadata.get(PEER_TOKEN_METADATA)[0])) {
        counters.unauthenticatedCalls++;
        throw unauthenticated(`peer call without a valid ${PEER_TOKEN_METADATA}; peers must share --peer-token-file`);
      }
      if (Number(req.block_size) !== store.blockSize) {
        throw new ConfigError(
          `peer uses block-size ${req.block_size}, this daemon ${store.blockSize}; every daemon of a cluster needs the same block-size`,
        );
      }
      const index = Number(req.index);
      if (!Number.isSafeInteger(index) || index < 0) throw invalidArgument(`invalid block index ${req.index}`);
      let stat = await store.stat(req.path);
      if (stat.version !== req.version) {
        // The requester may have seen a change this node's metadata cache has not: look again once.
        store.invalidate(stat.path);
        stat = await store.stat(req.path);
      }
      if (stat.isDir) throw isDirectory(stat.path);
      if (stat.version !== req.version) throw versionMismatch(stat.path, req.version, stat.version);
      if (index >= store.blockCount(stat)) {
        throw outOfRange(`block ${index} is past the end of ${stat.path} (${store.blockCount(stat)} blocks)`);
      }
      const { data } = await store.getBlockLocal(stat, index);
      counters.blocksServedToPeers++;
      counters.bytesServedToPeers += data.length;
      return { data, checksum: crc32(data), version: stat.version };
    }),
  };
}

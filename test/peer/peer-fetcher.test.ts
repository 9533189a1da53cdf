// The fetcher behind the local tiers: the owner's bytes when its reply checks
// out; otherwise one counted error, one fallback, and the backend's bytes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { PeerFetcher } from '../../src/peer/peer-fetcher';
import { newPeerCounters, type BlockRequest, type BlockResponse, type PeerConnection } from '../../src/peer/types';
import type { BlockFetcher, BlockId } from '../../src/cache/types';
import { silentLogger } from '../../src/log';

const id: BlockId = { path: 'train/a.bin', version: '10-1-1', index: 0 };
const fromPeer = Buffer.from('peer-bytes');
const fromBackend = Buffer.from('backend-bb');

function setup(reply: (req: BlockRequest) => Promise<BlockResponse>, owner: string | null = 'b:1', clock?: { t: number }) {
  const counters = newPeerCounters();
  let backendReads = 0;
  const direct: BlockFetcher = {
    fetch: async () => {
      backendReads++;
      return { data: fromBackend, source: 'backend' };
    },
  };
  const conn: PeerConnection = { getBlock: (req) => reply(req), check: async () => true, close: () => {} };
  const fetcher = new PeerFetcher({
    ownerOf: () => owner ?? undefined,
    connection: (a) => (a === 'b:1' ? conn : undefined),
    direct,
    counters,
    blockSize: 1024,
    timeoutMs: 50,
    log: silentLogger,
    tripMs: clock ? 1000 : 0,
    now: clock ? () => clock.t : undefined,
  });
  return { fetcher, counters, backendReads: () => backendReads };
}

const good = async (req: BlockRequest): Promise<BlockResponse> => {
  assert.deepEqual(req, { path: 'train/a.bin', version: '10-1-1', index: 0, block_size: 1024 });
  return { data: fromPeer, checksum: crc32(fromPeer), version: req.version };
};

describe('peer fetcher', () => {
  it('returns the owner\'s block and counts it', async () => {
    const t = setup(good);
    assert.deepEqual(await t.fetcher.fetch(id, 10), { data: fromPeer, source: 'peer' });
    assert.equal(t.backendReads(), 0);
    assert.equal(t.counters.blocksFetchedFromPeers, 1);
    assert.equal(t.counters.bytesFetchedFromPeers, 10);
    assert.equal(t.counters.backendBytesAvoided, 10);
  });

  it('reads the backend itself when it owns the block or does not know the owner', async () => {
    for (const owner of [null, 'gone:1']) {
      const t = setup(() => assert.fail('no peer call'), owner);
      assert.deepEqual(await t.fetcher.fetch(id, 10), { data: fromBackend, source: 'backend' });
      assert.equal(t.counters.peerErrors, 0);
    }
  });

  const failures: Array<[string, (req: BlockRequest) => Promise<BlockResponse>]> = [
    ['an unreachable peer', async () => Promise.reject(Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: status.UNAVAILABLE }))],
    ['a deadline', async () => Promise.reject(Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: status.DEADLINE_EXCEEDED }))],
    ['a bad checksum', async (req) => ({ data: fromPeer, checksum: crc32(fromPeer) ^ 1, version: req.version })],
    ['another version', async () => ({ data: fromPeer, checksum: crc32(fromPeer), version: '10-2-1' })],
    ['a short block', async (req) => ({ data: fromPeer.subarray(0, 4), checksum: crc32(fromPeer.subarray(0, 4)), version: req.version })],
  ];
  for (const [what, reply] of failures) {
    it(`falls back to the backend after ${what}, counting one error and one fallback`, async () => {
      const t = setup(reply);
      assert.deepEqual(await t.fetcher.fetch(id, 10), { data: fromBackend, source: 'backend' });
      assert.equal(t.backendReads(), 1);
      assert.equal(t.counters.peerErrors, 1);
      assert.equal(t.counters.peerFallbacks, 1);
      assert.equal(t.counters.blocksFetchedFromPeers, 0);
    });
  }

  it('skips a peer that timed out for tripMs, so a hung peer costs one deadline, not one per read', async () => {
    const clock = { t: 0 };
    let calls = 0;
    const t = setup(async () => {
      calls++;
      throw Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: status.DEADLINE_EXCEEDED });
    }, 'b:1', clock);
    for (let i = 0; i < 5; i++) assert.equal((await t.fetcher.fetch(id, 10)).source, 'backend');
    assert.equal(calls, 1, 'one call, then the peer is skipped');
    assert.equal(t.counters.peerErrors, 1);
    assert.equal(t.counters.peerFallbacks, 5);
    clock.t = 1001;
    await t.fetcher.fetch(id, 10);
    assert.equal(calls, 2, 'tried again after tripMs');
  });

  it('does not skip a peer for a bad block (a version or checksum problem is not the peer being down)', async () => {
    const clock = { t: 0 };
    let calls = 0;
    const t = setup(async () => {
      calls++;
      return { data: fromPeer, checksum: crc32(fromPeer), version: '10-2-1' };
    }, 'b:1', clock);
    await t.fetcher.fetch(id, 10);
    await t.fetcher.fetch(id, 10);
    assert.equal(calls, 2);
  });
});

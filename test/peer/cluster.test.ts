// Three real daemons on loopback sharing one backend directory, peered over
// TCP: the backend is read once per cluster, peer failures never reach a
// client, and the Peer API is closed to callers without the token and to
// paths outside the root.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { credentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { PeerCluster } from '../helpers/peer-cluster';
import { eventually, pseudoRandomBytes, runCli } from '../helpers/daemon';
import { CHANNEL_OPTIONS, services } from '../../src/server/proto';
import { versionOf } from '../../src/backend/posix-backend';
import type { TiercacheClient } from '../../src/client/client';

const MiB = 1024 * 1024;

interface NodeStats {
  backend_reads: number;
  backend_bytes_read: number;
  distributed: {
    enabled: boolean;
    peers: Array<{ address: string; state: string; ring_share: number; self: boolean }>;
    blocks_fetched_from_peers: number;
    blocks_served_to_peers: number;
    bytes_fetched_from_peers: number;
    peer_errors: number;
    peer_fallbacks: number;
  };
}

type Reply = { code: number; details?: string; data?: Buffer; checksum?: number; version?: string };

describe('distributed tier: 3 daemons on loopback', () => {
  let cluster: PeerCluster;
  let clients: TiercacheClient[];
  let peer: Client;

  const stats = async (i: number) => (await clients[i]!.stats('all')) as unknown as NodeStats;
  const sum = async (f: (s: NodeStats) => number) => {
    let total = 0;
    for (let i = 0; i < clients.length; i++) if (cluster.nodes[i]!.alive) total += f(await stats(i));
    return total;
  };
  const version = (rel: string) => {
    const st = statSync(join(cluster.backendDir, rel));
    return versionOf(st);
  };
  const getBlock = (req: Record<string, unknown>, token?: string): Promise<Reply> =>
    new Promise((resolve) => {
      const md = new Metadata();
      if (token !== undefined) md.set('x-tiercache-peer-token', token);
      (peer as unknown as Record<string, Function>)['GetBlock']!.call(peer, { block_size: MiB, index: 0, ...req }, md, { deadline: Date.now() + 10_000 }, (err: ServiceError | null, res?: Reply) =>
        resolve(err ? { code: err.code, details: err.details } : { ...res!, code: status.OK }),
      );
    });

  before(async () => {
    cluster = await PeerCluster.start({ flags: { 'metadata-ttl': '300ms', watch: 'false', 'ssd-cache-size': '64MiB' } });
    clients = cluster.nodes.map((n) => n.client());
    peer = new services.Peer(cluster.addresses[0]!, credentials.createInsecure(), { ...CHANNEL_OPTIONS });
  });
  after(async () => {
    peer?.close();
    for (const c of clients ?? []) c.close();
    await cluster?.cleanup();
  });

  it('reads a dataset from the backend once when it is read through A, then B, then C', async () => {
    const files = Array.from({ length: 6 }, (_, i) => ({ name: `ds1/part-${i}.bin`, data: pseudoRandomBytes(2 * MiB + 1000 * i + 1, i + 1) }));
    mkdirSync(join(cluster.backendDir, 'ds1'));
    for (const f of files) writeFileSync(join(cluster.backendDir, f.name), f.data);
    const blocks = files.reduce((n, f) => n + Math.ceil(f.data.length / MiB), 0);
    const bytes = files.reduce((n, f) => n + f.data.length, 0);

    for (const c of clients) {
      for (const f of files) assert.ok((await c.read(f.name)).equals(f.data), `${f.name} through ${c.target}`);
    }

    assert.equal(await sum((s) => s.backend_reads), blocks, 'each block read from the backend once in the cluster');
    assert.equal(await sum((s) => s.backend_bytes_read), bytes);
    const fetched = await sum((s) => s.distributed.blocks_fetched_from_peers);
    assert.ok(fetched > 0, 'non-owners got blocks from their owners');
    assert.equal(await sum((s) => s.distributed.blocks_served_to_peers), fetched);
    assert.equal(await sum((s) => s.distributed.peer_errors), 0);
  });

  it('reports peers, ring shares and peer traffic in `cache stats --type=distributed`', async () => {
    const json = await runCli(['cache', 'stats', '--type=distributed', '--json', '--socket', cluster.nodes[1]!.socket]);
    assert.equal(json.code, 0, json.stderr);
    const d = JSON.parse(json.stdout.toString())['distributed'] as NodeStats['distributed'];
    assert.equal(d.enabled, true);
    const self = cluster.addresses[1]!;
    const others = cluster.addresses.filter((a) => a !== self).sort();
    assert.deepEqual(
      d.peers.map((p) => [p.address, p.state, p.self]),
      [[self, 'alive', true], ...others.map((a) => [a, 'alive', false])],
      'self first, then peers by address',
    );
    for (const p of d.peers) assert.ok(Math.abs(p.ring_share - 1 / 3) < 1e-9);

    const table = await runCli(['cache', 'stats', '--type=distributed', '--socket', cluster.nodes[1]!.socket]);
    assert.equal(table.code, 0, table.stderr);
    const out = table.stdout.toString();
    assert.match(out, new RegExp(`${cluster.addresses[1]!.replace(/\./g, '\\.')} \\(self\\)\\s+alive\\s+33\\.3%`));
    assert.match(out, /blocks fetched from peers: [1-9]\d* /);
    assert.match(out, /blocks read: .* local, .* from peers, .* from the backend/);
  });

  it('refuses a peer call without the token or with a wrong one (UNAUTHENTICATED)', async () => {
    const req = { path: 'ds1/part-0.bin', version: version('ds1/part-0.bin') };
    const none = await getBlock(req);
    assert.equal(none.code, status.UNAUTHENTICATED, none.details);
    assert.match(none.details!, /x-tiercache-peer-token/);
    assert.equal((await getBlock(req, 'not-the-token-at-all')).code, status.UNAUTHENTICATED);
    const ok = await getBlock(req, cluster.token);
    assert.equal(ok.code, status.OK, ok.details);
    assert.ok(ok.data!.equals(pseudoRandomBytes(2 * MiB + 1, 1).subarray(0, MiB)));
    assert.equal(ok.checksum, crc32(ok.data!));
  });

  it('refuses peer paths outside the backend root', async () => {
    const outside = join(cluster.dir, 'outside-the-root');
    writeFileSync(outside, 'secret');
    symlinkSync(outside, join(cluster.backendDir, 'escape-link'));
    for (const path of ['../../etc/passwd', 'ds1/../../x', 'escape-link']) {
      const r = await getBlock({ path, version: 'x' }, cluster.token);
      assert.equal(r.code, status.PERMISSION_DENIED, `${path}: ${r.details}`);
      assert.match(r.details!, /escapes the backend root/);
    }
    assert.equal((await getBlock({ path: '/etc/passwd', version: 'x' }, cluster.token)).code, status.INVALID_ARGUMENT);
  });

  it('refuses a block of a version the file no longer has, instead of serving stale bytes', async () => {
    const r = await getBlock({ path: 'ds1/part-0.bin', version: '1-1-1' }, cluster.token);
    assert.equal(r.code, status.ABORTED, r.details);
    assert.match(r.details!, /version mismatch/);
  });

  it('never serves a changed file from a peer\'s stale block', async () => {
    const path = 'changing.bin';
    const abs = join(cluster.backendDir, path);
    const v1 = pseudoRandomBytes(3 * MiB, 41);
    writeFileSync(abs, v1);
    for (const c of clients) assert.ok((await c.read(path)).equals(v1));

    const v2 = pseudoRandomBytes(3 * MiB, 42);
    writeFileSync(abs, v2);
    // Whole seconds: utimes takes float seconds, and a float of milliseconds may not round-trip.
    const mtime = Math.floor(Date.now() / 1000) + 5;
    utimesSync(abs, mtime, mtime);
    for (const c of clients) {
      await eventually(async () => (await c.stat(path)).mtime_ms === mtime * 1000, 5_000, 'metadata-ttl to pass');
      assert.ok((await c.read(path)).equals(v2), `new bytes through ${c.target}`);
    }
  });

  it('keeps every read correct when one daemon is killed in the middle of reads', async () => {
    const files = Array.from({ length: 8 }, (_, i) => ({ name: `ds2/f-${i}.bin`, data: pseudoRandomBytes(2 * MiB + 7, 100 + i) }));
    mkdirSync(join(cluster.backendDir, 'ds2'));
    for (const f of files) writeFileSync(join(cluster.backendDir, f.name), f.data);

    let firstDone!: () => void;
    const first = new Promise<void>((r) => (firstDone = r));
    const readAll = async (c: TiercacheClient) => {
      for (const f of files) {
        const parts: Buffer[] = [];
        for await (const ch of c.readChunks(f.name)) parts.push(ch.data);
        assert.ok(Buffer.concat(parts).equals(f.data), `${f.name} through ${c.target}`);
        firstDone();
      }
    };
    const reads = Promise.all([readAll(clients[0]!), readAll(clients[1]!)]);
    await first;
    await cluster.nodes[2]!.kill();
    await reads;

    const viewOfC = async () => (await stats(0)).distributed.peers.find((p) => p.address === cluster.addresses[2])!;
    await eventually(async () => (await viewOfC()).state === 'down', 10_000, 'the killed daemon to leave the ring');
    assert.equal((await viewOfC()).ring_share, 0);
    for (const f of files) assert.ok((await clients[0]!.read(f.name)).equals(f.data));
  });
});

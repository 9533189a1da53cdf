// Distributed tier: 3 daemons on loopback in front of one emulated slow
// backend, a dataset twice one node's cache (and under the three caches
// together), one reshuffled epoch per node per round, nodes reading at once.
// Measured against the same run with peers disabled:
//   - backend bytes per round as a multiple of the dataset
//     (target: round 1 <= 1.05x instead of 3x, 0 from round 2 on);
//   - each node's hit ratio, split local (memory/SSD) / peer.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PeerCluster } from '../test/helpers/peer-cluster';
import { pseudoRandomBytes } from '../test/helpers/daemon';
import type { TiercacheClient } from '../src/client/client';
import type { BenchResult } from './types';

const MiB = 1024 * 1024;
const NODES = 3;
const ROUNDS = 3;
/** One sample = one file = one block. */
const SAMPLES = 64;
const SAMPLE_SIZE = MiB;
const DATASET = SAMPLES * SAMPLE_SIZE;
/** Concurrent reads per node (data-loader workers). */
const READERS = 4;

const FLAGS = {
  'block-size': '1MiB',
  'memory-cache-size': '32MiB',
  'ssd-cache-size': '0',
  'metadata-ttl': '60s',
  watch: 'false',
};
const EMULATED_BACKEND = ['--emulate-backend-latency=5ms', '--emulate-backend-bandwidth=200MiB'];

interface NodeCounters {
  backendBytes: number;
  local: number;
  peer: number;
  backend: number;
}

interface Round {
  /** Backend bytes of the whole cluster in this round, over the dataset size. */
  backendMultiple: number;
  seconds: number;
  /** Per node: share of reads served locally, and by a peer. */
  nodes: Array<{ local: number; peer: number }>;
}

async function counters(c: TiercacheClient): Promise<NodeCounters> {
  const s = await c.stats('all');
  const d = s.distributed;
  const mem = s.memory;
  if (d?.enabled) {
    return {
      backendBytes: Number(s.backend_bytes_read),
      local: Number(d.blocks_read_local),
      peer: Number(d.blocks_read_from_peers),
      backend: Number(d.blocks_read_from_backend),
    };
  }
  // No peers: memory is the only local tier here (SSD tier disabled), and only clients read it.
  return { backendBytes: Number(s.backend_bytes_read), local: mem?.hits ?? 0, peer: 0, backend: mem?.misses ?? 0 };
}

function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let x = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

async function epoch(c: TiercacheClient, seed: number): Promise<void> {
  const order = shuffled(SAMPLES, seed);
  let next = 0;
  const worker = async () => {
    while (next < order.length) {
      const i = order[next++]!;
      const data = await c.read(`ds/sample-${i}.bin`);
      if (data.length !== SAMPLE_SIZE) throw new Error(`sample ${i}: ${data.length} bytes`);
    }
  };
  await Promise.all(Array.from({ length: READERS }, worker));
}

async function runCluster(peers: boolean): Promise<Round[]> {
  const cluster = await PeerCluster.start({ size: NODES, peers, flags: FLAGS, extraArgs: EMULATED_BACKEND });
  const clients = cluster.nodes.map((n) => n.client());
  try {
    mkdirSync(join(cluster.backendDir, 'ds'));
    for (let i = 0; i < SAMPLES; i++) writeFileSync(join(cluster.backendDir, `ds/sample-${i}.bin`), pseudoRandomBytes(SAMPLE_SIZE, i + 1));
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const before = await Promise.all(clients.map(counters));
      const started = performance.now();
      await Promise.all(clients.map((c, n) => epoch(c, 1000 * r + n + 1)));
      const seconds = (performance.now() - started) / 1000;
      const after = await Promise.all(clients.map(counters));
      let backendBytes = 0;
      const nodes = after.map((a, n) => {
        const b = before[n]!;
        backendBytes += a.backendBytes - b.backendBytes;
        const total = a.local - b.local + (a.peer - b.peer) + (a.backend - b.backend);
        return { local: (a.local - b.local) / total, peer: (a.peer - b.peer) / total };
      });
      rounds.push({ backendMultiple: backendBytes / DATASET, seconds, nodes });
    }
    return rounds;
  } finally {
    for (const c of clients) c.close();
    await cluster.cleanup();
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ratio = (v: number, b: number) => (b === 0 ? (v === 0 ? 1 : Infinity) : v / b);

export async function run(): Promise<BenchResult[]> {
  const without = await runCluster(false);
  const withPeers = await runCluster(true);
  const out: BenchResult[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const v = withPeers[r]!.backendMultiple;
    const b = without[r]!.backendMultiple;
    out.push({
      name: `peer: backend bytes, round ${r + 1} (one epoch per node)`,
      metric: 'x dataset',
      value: round3(v),
      baseline: round3(b),
      ratio: round3(ratio(v, b)),
      target: r === 0 ? '<= 1.05x dataset' : '0',
      note: `dataset ${SAMPLES} MiB, ${NODES} nodes with 32 MiB cache each; baseline = same daemons without --peers`,
    });
  }
  const last = ROUNDS - 1;
  for (let n = 0; n < NODES; n++) {
    const p = withPeers[last]!.nodes[n]!;
    const b = without[last]!.nodes[n]!;
    out.push({
      name: `peer: node ${n + 1} hit ratio, round ${ROUNDS}`,
      metric: 'hit ratio (local + peer)',
      value: round3(p.local + p.peer),
      baseline: round3(b.local),
      ratio: round3(ratio(p.local + p.peer, b.local)),
      note: `with peers: local ${pct(p.local)}, peer ${pct(p.peer)}; without: local ${pct(b.local)}`,
    });
  }
  for (const r of [0, last]) {
    out.push({
      name: `peer: round ${r + 1} time, 3 nodes reading at once`,
      metric: 'seconds',
      value: round3(withPeers[r]!.seconds),
      baseline: round3(without[r]!.seconds),
      ratio: round3(withPeers[r]!.seconds / without[r]!.seconds),
      note:
        'emulated backend: 5 ms per request, 200 MiB/s per node (not shared between nodes, so it flatters the baseline); ' +
        'on 2 shared cores a peer hop costs CPU that a real network would not',
    });
  }
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (require.main === module) {
  run().then(
    (rs) => {
      for (const r of rs) console.log(JSON.stringify(r));
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

// Prefetch benchmarks (issue #3), over an emulated slow backend (per-request
// latency and a shared bandwidth cap, see src/backend/throttled-backend.ts):
//  - one large file read sequentially, cold: readahead vs none (--max-readahead 0);
//  - a random-order epoch over many ~110 KB files: with a submitted plan vs
//    without, as client stall time and as epoch time against the bound
//    max(client compute time, bytes / backend bandwidth);
//  - the prefetch hit ratio of each.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pseudoRandomBytes } from '../test/helpers/daemon';
import { TestDaemon, log, now } from './harness';
import type { BenchResult } from './types';

const MiB = 1024 * 1024;
/** Reads a DataLoader keeps in flight ahead of the training step. */
const LOADER_DEPTH = 4;

interface PrefetchStats {
  prefetch: { prefetched_blocks: number; prefetch_hits: number };
}

async function sequentialCold(readahead: boolean): Promise<{ mbps: number; hitRatio: number }> {
  const size = 128 * MiB;
  const d = new TestDaemon({
    flags: {
      'block-size': '1MiB',
      'memory-cache-size': '256MiB',
      'ssd-cache-size': '0',
      'prefetch-workers': '4',
      'max-readahead': readahead ? '64MiB' : '0',
    },
  });
  writeFileSync(join(d.backendDir, 'big.bin'), Buffer.alloc(size, 0x42));
  await d.start(['--emulate-backend-latency=20ms', '--emulate-backend-bandwidth=500MiB']);
  const c = d.client('bench-seq');
  try {
    const t0 = now();
    for (let off = 0; off < size; off += MiB) await c.read('big.bin', off, MiB);
    const secs = (now() - t0) / 1000;
    const s = (await c.stats('all')) as unknown as PrefetchStats;
    return { mbps: size / secs / 1e6, hitRatio: s.prefetch.prefetched_blocks ? s.prefetch.prefetch_hits / s.prefetch.prefetched_blocks : 0 };
  } finally {
    c.close();
    await d.cleanup();
  }
}

interface EpochResult {
  epochSecs: number;
  stallSecs: number;
  computeSecs: number;
  hitRatio: number;
}

async function randomEpoch(withPlan: boolean, files: number, fileSize: number, computeMs: number, bandwidth: number): Promise<EpochResult> {
  const d = new TestDaemon({
    flags: { 'block-size': '1MiB', 'memory-cache-size': '256MiB', 'ssd-cache-size': '0', 'prefetch-workers': '4', 'plan-lookahead': '64' },
  });
  mkdirSync(join(d.backendDir, 'train'), { recursive: true });
  const payload = pseudoRandomBytes(fileSize, 3);
  const paths: string[] = [];
  for (let i = 0; i < files; i++) {
    const p = `train/n${String(i).padStart(6, '0')}.JPEG`;
    writeFileSync(join(d.backendDir, p), payload);
    paths.push(p);
  }
  await d.start(['--emulate-backend-latency=5ms', `--emulate-backend-bandwidth=${bandwidth}`]);
  const c = d.client('bench-epoch');
  // A seeded sampler's order: random, but known before the epoch starts.
  let seed = 1234;
  const order = [...paths];
  for (let i = order.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  try {
    const t0 = now();
    if (withPlan) await c.submitPlan('bench-epoch', 1, order);
    // A DataLoader-like consumer: LOADER_DEPTH reads in flight in sampler
    // order (as num_workers/prefetch_factor do), one training step per sample.
    let stall = 0;
    let compute = 0;
    const inflight: Array<Promise<Buffer>> = [];
    let issued = 0;
    const topUp = (): void => {
      while (issued < order.length && inflight.length < LOADER_DEPTH) inflight.push(c.read(order[issued++]!));
    };
    topUp();
    while (inflight.length > 0) {
      const s = now();
      await inflight.shift()!;
      const r = now();
      stall += r - s;
      topUp();
      await sleep(computeMs); // the training step that consumes the sample
      compute += now() - r;
    }
    const epochSecs = (now() - t0) / 1000;
    const st = (await c.stats('all')) as unknown as PrefetchStats;
    return {
      epochSecs,
      stallSecs: stall / 1000,
      computeSecs: compute / 1000,
      hitRatio: st.prefetch.prefetched_blocks ? st.prefetch.prefetch_hits / st.prefetch.prefetched_blocks : 0,
    };
  } finally {
    c.close();
    await d.cleanup();
  }
}

/** Foreground 4 KiB reads of cached data, alone and during a flood of prefetch work. */
async function foregroundUnderFlood(): Promise<{ idle: number[]; flood: number[]; dropped: number }> {
  const d = new TestDaemon({ flags: { 'block-size': '1MiB', 'memory-cache-size': '512MiB', 'ssd-cache-size': '0', 'prefetch-workers': '2' } });
  writeFileSync(join(d.backendDir, 'hot.bin'), Buffer.alloc(16 * MiB, 7));
  mkdirSync(join(d.backendDir, 'flood'));
  const flood: string[] = [];
  for (let i = 0; i < 200; i++) {
    writeFileSync(join(d.backendDir, 'flood', `f${i}.bin`), Buffer.alloc(MiB, i));
    flood.push(`flood/f${i}.bin`);
  }
  // 200 MiB at 100 MiB/s: the flood outlasts the measurement.
  await d.start(['--emulate-backend-latency=5ms', '--emulate-backend-bandwidth=100MiB']);
  const c = d.client('bench-fg');
  const lat = async (n: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = now();
      await c.read('hot.bin', ((i * 7919) % 4000) * 4096, 4096);
      out.push(now() - s);
    }
    return out.sort((a, b) => a - b);
  };
  try {
    for await (const ch of c.readChunks('hot.bin')) void ch; // cache it
    await lat(1000);
    const idle = await lat(1500);
    const res = (await c.unary('Cache', 'Prefetch', { paths: flood, ranges: [], priority: 0 })) as { blocks_dropped: number };
    const during = await lat(1500);
    const queued = ((await c.stats('all')) as unknown as { prefetch: { queue_depth: number } }).prefetch.queue_depth;
    if (queued === 0) log('warning: the prefetch flood ended before the measurement did');
    return { idle, flood: during, dropped: res.blocks_dropped };
  } finally {
    c.close();
    await d.cleanup();
  }
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  log('prefetch: foreground 4 KiB reads alone and during a 200 MiB prefetch flood');
  const fg = await foregroundUnderFlood();
  const p = (a: number[], q: number) => a[Math.min(a.length - 1, Math.floor((q / 100) * a.length))]!;
  out.push({
    name: 'foreground 4 KiB read p50 during a prefetch flood vs idle',
    metric: 'ms',
    value: p(fg.flood, 50),
    baseline: p(fg.idle, 50),
    baselineName: 'same reads with no prefetch work',
    ratio: p(fg.flood, 50) / p(fg.idle, 50),
    target: '<= 1.5x',
    note: `p99 ${p(fg.flood, 99).toFixed(2)} ms vs ${p(fg.idle, 99).toFixed(2)} ms; 200 x 1 MiB hinted, ${fg.dropped} blocks dropped by the bounded queue`,
  });
  log('prefetch: sequential cold read of 128 MiB, backend 20 ms/request, 500 MiB/s');
  const without = await sequentialCold(false);
  const withRa = await sequentialCold(true);
  out.push({
    name: 'sequential cold read of 128 MiB (1 MiB reads), readahead vs none',
    metric: 'MB/s',
    value: withRa.mbps,
    baseline: without.mbps,
    baselineName: 'same daemon, --max-readahead 0',
    ratio: withRa.mbps / without.mbps,
    target: '>= 4x',
    note: 'emulated backend: 20 ms per request, 500 MiB/s shared',
  });
  out.push({
    name: 'prefetch hit ratio, sequential read',
    metric: 'hits / prefetched blocks',
    value: withRa.hitRatio,
    baseline: 1,
    ratio: withRa.hitRatio,
    target: '>= 0.9',
  });

  const files = 400;
  const fileSize = 110_000;
  const computeMs = 2;
  const bandwidth = 40 * MiB;
  log(`prefetch: random-order epoch over ${files} files of ${fileSize} B, ${computeMs} ms compute per sample`);
  const noPlan = await randomEpoch(false, files, fileSize, computeMs, bandwidth);
  const plan = await randomEpoch(true, files, fileSize, computeMs, bandwidth);
  const bound = Math.max(plan.computeSecs, (files * fileSize) / bandwidth);
  out.push({
    name: `random-order epoch, ${files} x 110 KB, plan vs none`,
    metric: 'client stall s',
    value: plan.stallSecs,
    baseline: noPlan.stallSecs,
    baselineName: 'same epoch without a plan',
    ratio: noPlan.stallSecs / Math.max(plan.stallSecs, 1e-6),
    note: `ratio = stall without / with; epoch ${plan.epochSecs.toFixed(2)} s vs ${noPlan.epochSecs.toFixed(2)} s without`,
  });
  out.push({
    name: 'random-order epoch with a plan, vs max(compute, bytes/bandwidth)',
    metric: 'epoch s',
    value: plan.epochSecs,
    baseline: bound,
    baselineName: `bound: max(compute ${plan.computeSecs.toFixed(2)} s, transfer ${((files * fileSize) / bandwidth).toFixed(2)} s)`,
    ratio: plan.epochSecs / bound,
    target: '<= 1.15x',
    note: `emulated backend: 5 ms per request, 40 MiB/s shared; loader keeps ${LOADER_DEPTH} reads in flight`,
  });
  out.push({
    name: 'prefetch hit ratio, planned epoch',
    metric: 'hits / prefetched blocks',
    value: plan.hitRatio,
    baseline: 1,
    ratio: plan.hitRatio,
    target: '>= 0.9',
  });
  return out;
}

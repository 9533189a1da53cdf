// Foundation benchmarks (issue #2): hot streaming and 4 KiB reads against a
// bare grpc-js server, reshuffled-epoch hit ratio against f and LRU, and warm
// vs cold epochs over an emulated slow backend. Ratios only, one run.

import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TiercacheClient } from '../src/client/client';
import { AdmissionPolicy, LruPolicy } from '../src/cache/policy';
import { pseudoRandomBytes } from '../test/helpers/daemon';
import { lookUp, seededRandom, shuffled, zipfSampler } from '../test/helpers/workloads';
import { TestDaemon, log, now, percentile, startBareServer, stopProc } from './harness';
import type { BenchResult } from './types';

const MiB = 1024 * 1024;

async function streamThroughput(c: TiercacheClient, path: string, rounds: number): Promise<number> {
  let bytes = 0;
  const t0 = now();
  for (let r = 0; r < rounds; r++) for await (const ch of c.readChunks(path)) bytes += ch.data.length;
  return bytes / ((now() - t0) / 1000);
}

async function randomReads(c: TiercacheClient, path: string, size: number, concurrency: number, total: number) {
  const lat: number[] = [];
  let seed = 12345;
  const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed);
  const perWorker = Math.ceil(total / concurrency);
  const t0 = now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < perWorker; i++) {
        const off = (next() % Math.floor((size - 4096) / 4096)) * 4096;
        const s = now();
        await c.read(path, off, 4096);
        lat.push(now() - s);
      }
    }),
  );
  const secs = (now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { opsPerSec: lat.length / secs, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function hotPath(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const size = 64 * MiB;
  const d = new TestDaemon({ flags: { 'memory-cache-size': '256MiB', 'block-size': '4MiB' } });
  writeFileSync(join(d.backendDir, 'hot.bin'), Buffer.alloc(size, 0x61));
  await d.start();
  const bareSock = join(d.dir, 'bare.sock');
  const bare = await startBareServer(bareSock, size, MiB);
  const dc = d.client();
  const bc = new TiercacheClient({ socket: bareSock });
  try {
    log('hot streaming: warming');
    await streamThroughput(dc, 'hot.bin', 1);
    await streamThroughput(bc, 'hot.bin', 1);
    // Interleave rounds so drift on a shared machine hits both sides alike.
    let dt = 0;
    let bt = 0;
    for (let i = 0; i < 3; i++) {
      dt += await streamThroughput(dc, 'hot.bin', 3);
      bt += await streamThroughput(bc, 'hot.bin', 3);
    }
    out.push({
      name: 'hot ReadStream, cached 64 MiB file',
      metric: 'MB/s',
      value: dt / 3 / 1e6,
      baseline: bt / 3 / 1e6,
      baselineName: 'bare grpc-js from memory',
      ratio: dt / bt,
      target: '>= 0.8x',
    });
    for (const conc of [1, 32]) {
      log(`4 KiB random reads, concurrency ${conc}`);
      const total = conc === 1 ? 3000 : 12000;
      await randomReads(dc, 'hot.bin', size, conc, 500);
      await randomReads(bc, 'hot.bin', size, conc, 500);
      const dr = await randomReads(dc, 'hot.bin', size, conc, total);
      const br = await randomReads(bc, 'hot.bin', size, conc, total);
      out.push({
        name: `4 KiB random Read, concurrency ${conc}`,
        metric: 'ops/s',
        value: dr.opsPerSec,
        baseline: br.opsPerSec,
        baselineName: 'bare grpc-js from memory',
        ratio: dr.opsPerSec / br.opsPerSec,
        note: `p50 ${dr.p50.toFixed(3)} ms vs ${br.p50.toFixed(3)} ms; p99 ${dr.p99.toFixed(3)} ms vs ${br.p99.toFixed(3)} ms`,
      });
    }
  } finally {
    dc.close();
    bc.close();
    await stopProc(bare);
    await d.cleanup();
  }
  return out;
}

/** Reshuffled epochs through the real daemon (memory tier only), and the same trace through an LRU policy. */
async function reshuffledEpochs(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const blockSize = 256 * 1024;
  const cacheBytes = 32 * MiB;
  for (const f of [0.5, 0.35]) {
    const files = Math.round(cacheBytes / blockSize / f);
    const d = new TestDaemon({
      flags: { 'memory-cache-size': String(cacheBytes), 'ssd-cache-size': '0', 'block-size': String(blockSize) },
    });
    mkdirSync(join(d.backendDir, 'ds'), { recursive: true });
    const payload = pseudoRandomBytes(blockSize, 5);
    for (let i = 0; i < files; i++) writeFileSync(join(d.backendDir, 'ds', `s${String(i).padStart(5, '0')}.bin`), payload);
    await d.start();
    const c = d.client();
    const lru = new LruPolicy({ capacityBytes: cacheBytes, typicalEntryBytes: blockSize });
    const r = seededRandom(99);
    let steadyHits = 0;
    let steadyLookups = 0;
    let lruHits = 0;
    try {
      log(`reshuffled epochs, f = ${f}: ${files} files of ${blockSize / 1024} KiB`);
      for (let epoch = 0; epoch < 6; epoch++) {
        const order = shuffled(Array.from({ length: files }, (_, i) => i), r);
        const before = (await c.stats('memory')) as { memory: { hits: number; misses: number } };
        for (const i of order) {
          await c.read(`ds/s${String(i).padStart(5, '0')}.bin`, 0, blockSize);
          if (lookUp(lru, `k${i}`, blockSize) && epoch >= 2) lruHits++;
        }
        const after = (await c.stats('memory')) as { memory: { hits: number; misses: number } };
        if (epoch >= 2) {
          steadyHits += after.memory.hits - before.memory.hits;
          steadyLookups += after.memory.hits + after.memory.misses - before.memory.hits - before.memory.misses;
        }
      }
    } finally {
      c.close();
      await d.cleanup();
    }
    const ratio = steadyHits / steadyLookups;
    const lruRatio = lruHits / steadyLookups;
    out.push({
      name: `reshuffled epochs, dataset = ${(1 / f).toFixed(2)}x cache`,
      metric: 'hit ratio',
      value: ratio,
      baseline: f,
      baselineName: 'f (optimum)',
      ratio: ratio / f,
      target: '>= 0.97 x f',
      note: `LRU on the same trace: ${lruRatio.toFixed(3)} (tiercache ${(ratio / Math.max(lruRatio, 1e-9)).toFixed(1)}x LRU)`,
    });
  }
  return out;
}

async function epochTime(c: TiercacheClient, files: string[]): Promise<number> {
  const t0 = now();
  let i = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (i < files.length) {
        const f = files[i++]!;
        for await (const ch of c.readChunks(f)) void ch;
      }
    }),
  );
  return (now() - t0) / 1000;
}

async function warmVsCold(): Promise<BenchResult[]> {
  const d = new TestDaemon({ flags: { 'memory-cache-size': '128MiB', 'block-size': '1MiB' } });
  const files: string[] = [];
  mkdirSync(join(d.backendDir, 'ds'), { recursive: true });
  const payload = pseudoRandomBytes(2 * MiB, 9);
  for (let i = 0; i < 32; i++) {
    files.push(`ds/f${i}.bin`);
    writeFileSync(join(d.backendDir, files[i]!), payload);
  }
  // A remote object store or a busy shared filesystem as one node sees it.
  await d.start(['--emulate-backend-latency=10ms', '--emulate-backend-bandwidth=50MiB']);
  const c = d.client();
  try {
    log('warm vs cold epoch over an emulated slow backend (10 ms/request, 50 MiB/s)');
    const cold = await epochTime(c, files);
    const warm = await epochTime(c, files);
    return [
      {
        name: 'epoch over a slow backend (64 MiB, 32 files), warm vs cold',
        metric: 'epoch seconds',
        value: warm,
        baseline: cold,
        baselineName: 'cold epoch (backend reads)',
        ratio: cold / warm,
        target: '>= 10x faster',
        note: `ratio = cold / warm; emulated backend 10 ms/request, 50 MiB/s; warm epoch ${(64 / warm).toFixed(0)} MiB/s`,
      },
    ];
  } finally {
    c.close();
    await d.cleanup();
  }
}

/** A skewed (Zipf) block trace through the tier's policy and through LRU, same capacity. */
function zipfVsLru(): BenchResult[] {
  const out: BenchResult[] = [];
  const n = 20_000;
  const capacity = 1000;
  for (const s of [0.8, 1.0]) {
    const draw = zipfSampler(n, s, seededRandom(11));
    const policies = [new AdmissionPolicy({ capacityBytes: capacity, typicalEntryBytes: 1 }), new LruPolicy({ capacityBytes: capacity, typicalEntryBytes: 1 })];
    const hits = [0, 0];
    const accesses = 300_000;
    for (let a = 0; a < accesses; a++) {
      const k = `z${draw()}`;
      policies.forEach((p, i) => {
        if (lookUp(p, k)) hits[i]!++;
      });
    }
    out.push({
      name: `Zipf s=${s} block trace, cache = 5% of ${n} blocks`,
      metric: 'hit ratio',
      value: hits[0]! / accesses,
      baseline: hits[1]! / accesses,
      baselineName: 'LRU of the same size',
      ratio: hits[0]! / hits[1]!,
      target: '>= 1x (at least as good as LRU)',
      note: 'the tiers\' admission policy and LRU on the same trace',
    });
  }
  return out;
}

/**
 * The daemon's RSS while it streams a file 24x its memory budget (SSD tier
 * off): how much beyond the budget a long stream costs (stream buffers, gRPC
 * windows). The ratio is the peak growth over the memory budget.
 */
async function streamRss(): Promise<BenchResult[]> {
  const budget = 16 * MiB;
  const size = 384 * MiB;
  const d = new TestDaemon({ flags: { 'memory-cache-size': '16MiB', 'ssd-cache-size': '0', 'block-size': '4MiB' } });
  try {
    mkdirSync(d.backendDir, { recursive: true });
    const fd = openSync(join(d.backendDir, 'big.bin'), 'w');
    const chunk = Buffer.alloc(4 * MiB, 7);
    for (let off = 0; off < size; off += chunk.length) writeSync(fd, chunk);
    closeSync(fd);
    await d.start();
    const rss = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${d.proc!.pid}/status`, 'utf8'))![1]) * 1024;
    const start = rss();
    let peak = start;
    let total = 0;
    let n = 0;
    const c = d.client();
    for await (const ch of c.readChunks('big.bin')) {
      total += ch.data.length;
      if (++n % 16 === 0) peak = Math.max(peak, rss());
    }
    c.close();
    if (total !== size) throw new Error(`streamed ${total} bytes of ${size}`);
    const grown = peak - start;
    log(`stream RSS: grew ${(grown / MiB).toFixed(0)} MiB streaming ${size / MiB} MiB with a ${budget / MiB} MiB budget`);
    return [
      {
        name: 'rss while streaming 24x the memory budget',
        metric: 'peak RSS growth (MiB)',
        value: grown / MiB,
        baseline: budget / MiB,
        ratio: grown / budget,
        baselineName: 'memory-cache-size',
        target: '< 10x (was a test: < 160 MiB)',
        note: 'lower is better; SSD tier off, 4 MiB blocks',
      },
    ];
  } finally {
    await d.cleanup();
  }
}

export async function run(): Promise<BenchResult[]> {
  return [...(await hotPath()), ...(await reshuffledEpochs()), ...zipfVsLru(), ...(await warmVsCold()), ...(await streamRss())];
}

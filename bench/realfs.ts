// tiercache in front of a real distributed filesystem: a throwaway MooseFS
// (test/helpers/moosefs.ts) on this machine, the daemon's backend on its
// mount, every figure against reading or writing the same MooseFS directly
// in the same run:
//  - an epoch of 2,000 x 100 KB files in random order, warm: tiercache vs
//    MooseFS with its page cache warm (p50/p99 per file, files/s);
//  - the same epoch cold: tiercache with a submitted plan vs MooseFS in
//    mfscachemode=DIRECT (every read reaches the chunkserver), read through
//    the daemon's mount, unary gRPC Read, read() over a ReadSession stream
//    and one ReadFiles stream; and
//    through the mount with every prefetch read on the worker threads
//    (prefetch-offload-min-size 0), against small reads on the I/O pool;
//  - a 256 MiB file read sequentially, warm, tiercache vs MooseFS;
//  - the warm figures also through the daemon's FUSE mount (--mount), which
//    is how unmodified training code reads;
//  - a 1 GiB checkpoint save through tiercache vs a torch.save-style direct
//    write (one write of the serialized bytes, then fsync) to MooseFS.
// Readers keep one request in flight, as one DataLoader worker does. Each
// cold epoch runs on a fresh daemon (a fresh cache) that has first served an
// epoch of 2,000 other files the same way (a plan, then the reads), as a
// long-running DaemonSet daemon has served earlier jobs, and is paired with a
// direct epoch read just before it (its ratio is against that one: this
// machine's speed drifts within minutes); the mount's headline row is the
// median of BENCH_REALFS_PAIRS (3) such pairs. The
// small-file daemons keep their state dir (SSD tier) on a journaled ext4
// standing for the node's SSD (node-ssd.ts says why). CPU per file of the
// reader, the daemon and MooseFS's processes is measured around each cold
// epoch; with the first read through the mount of memory-held files it gives
// the CPU-bound ceiling of the cold epoch on this machine.
// Without MooseFS (no root, no /dev/fuse) the module reports nothing and says why.

import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { MooseFs } from '../test/helpers/moosefs';

import { TiercacheClient } from '../src/client/client';
import { availableParallelism } from 'node:os';
import { TestDaemon, envNum, log, now, percentile, readFilesTimed, shuffled, writeSamples } from './harness';
import { cpuMsPerItem, cpuText, sampleCpu, totalMs, type CpuTicks } from './cpu-ticks';
import { nodeSsd, type NodeSsd } from './node-ssd';
import type { BenchResult } from './types';

const KiB = 1024;
const MOOSEFS_PROCESSES = /^mfs/;
const MiB = 1024 * KiB;
interface EpochFigures {
  p50: number;
  p99: number;
  filesPerSec: number;
}

function figures(latMs: number[], secs: number): EpochFigures {
  const s = [...latMs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), filesPerSec: latMs.length / secs };
}

/** Runs `step` and says how much CPU each process on the machine spent on it, per file. */
async function withCpu<T>(files: number, names: ReadonlyMap<number, string>, step: () => Promise<T>): Promise<{ result: T; cpu: Map<string, CpuTicks> }> {
  // This process, the daemon and MooseFS's own processes; the rest of the machine is not this epoch's.
  const before = sampleCpu(names, MOOSEFS_PROCESSES);
  const result = await step();
  return { result, cpu: cpuMsPerItem(before, sampleCpu(names, MOOSEFS_PROCESSES), files) };
}

const cpuNote = (cpu: ReadonlyMap<string, CpuTicks>): string => `CPU per file ${totalMs(cpu).toFixed(2)} ms (${cpuText(cpu)})`;

async function epoch(order: readonly string[], readOne: (p: string) => Promise<number> | number): Promise<EpochFigures> {
  const lat: number[] = [];
  let bytes = 0;
  const t0 = now();
  for (const p of order) {
    const s = now();
    bytes += await readOne(p);
    lat.push(now() - s);
  }
  if (bytes === 0) throw new Error('epoch read nothing');
  return figures(lat, (now() - t0) / 1000);
}

/** An empty directory for the daemon's --mount (the daemon unmounts it on SIGTERM). */
function mountPoint(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function removeMountPoint(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (err) {
    log(`realfs: could not remove mount point ${dir}: ${String(err)}`);
  }
}

const readDirect = (root: string) => (p: string) => readFileSync(join(root, p)).length;
const readThrough = (c: TiercacheClient) => async (p: string) => (await c.read(p)).length;

interface PrefetchCounts {
  readonly prefetched_blocks: number;
  readonly prefetch_hits: number;
}

async function prefetchCounts(c: TiercacheClient): Promise<PrefetchCounts> {
  return ((await c.stats('all')) as { prefetch?: PrefetchCounts }).prefetch ?? { prefetched_blocks: 0, prefetch_hits: 0 };
}

/** How far the plan's prefetch kept ahead since `before`: blocks it fetched and how many a reader then found. */
async function prefetchNote(c: TiercacheClient, before: PrefetchCounts): Promise<string> {
  const p = await prefetchCounts(c);
  return `; prefetched ${p.prefetched_blocks - before.prefetched_blocks} blocks, ${p.prefetch_hits - before.prefetch_hits} read as prefetch hits`;
}

function epochResults(what: string, t: EpochFigures, b: EpochFigures, baselineName: string, target?: string, extra = ''): BenchResult[] {
  const note = `p50 ${t.p50.toFixed(2)} ms vs ${b.p50.toFixed(2)} ms; p99 ${t.p99.toFixed(2)} ms vs ${b.p99.toFixed(2)} ms${extra}`;
  return [
    { name: `${what} files/s`, metric: 'files/s', value: t.filesPerSec, baseline: b.filesPerSec, ratio: t.filesPerSec / b.filesPerSec, baselineName, target, note },
    { name: `${what} p50 per file`, metric: 'ms (ratio = baseline/tiercache)', value: t.p50, baseline: b.p50, ratio: b.p50 / t.p50, baselineName },
    { name: `${what} p99 per file`, metric: 'ms (ratio = baseline/tiercache)', value: t.p99, baseline: b.p99, ratio: b.p99 / t.p99, baselineName },
  ];
}

/** The epoch over one ReadFiles stream: a file's latency is the time from the previous file to it. */
async function epochStreamed(c: TiercacheClient, order: readonly string[]): Promise<EpochFigures> {
  const lat: number[] = [];
  const t0 = now();
  const bytes = await readFilesTimed(c, order, lat);
  if (lat.length !== order.length || bytes === 0) throw new Error(`ReadFiles gave ${lat.length} of ${order.length} files`);
  return figures(lat, (now() - t0) / 1000);
}

type ColdReader = 'mount' | 'Read' | 'ReadSession' | 'ReadFiles';

/** A cold tiercache epoch and the direct epoch read just before it. */
interface ColdPair {
  readonly direct: EpochFigures;
  readonly directCpu: Map<string, CpuTicks>;
  readonly figures: EpochFigures;
  readonly cpu: Map<string, CpuTicks>;
  readonly note: string;
}

const pairRatio = (p: ColdPair): number => p.figures.filesPerSec / p.direct.filesPerSec;

/** The pair with the median ratio (the lower middle one of an even count). */
function medianPair(pairs: readonly ColdPair[]): ColdPair {
  if (pairs.length === 0) throw new Error('BENCH_REALFS_PAIRS must be at least 1');
  const byRatio = [...pairs].sort((a, b) => pairRatio(a) - pairRatio(b));
  return byRatio[Math.floor((byRatio.length - 1) / 2)]!;
}

async function smallFileEpochs(mfs: MooseFs, cachedMnt: string, ssd: NodeSsd, files: number, fileSize: number): Promise<BenchResult[]> {
  const paths = writeSamples(mfs.mnt, 'train', 'n', files, fileSize, 1);
  // An epoch of other files each cold-epoch daemon serves first, the same way (a plan, then the reads): a DaemonSet's
  // daemon has served earlier jobs (its code compiled, its pools started) long before this job's first epoch; only
  // the data is cold. Without the plan its prefetch path was still being compiled during the measured epoch.
  const earlier = writeSamples(mfs.mnt, 'earlier', 'e', envNum('BENCH_REALFS_EARLIER_FILES', 2000), fileSize, files + 1);
  const cold = shuffled(paths, 1234);
  const warm = shuffled(paths, 5678);
  log(`realfs: ${files} x ${fileSize / KiB} KiB written; cold epoch, MooseFS direct (mfscachemode=DIRECT)`);
  const self = new Map([[process.pid, 'reader']]);
  // This machine's speed drifts by up to 2x within minutes (2 shared cores), so every cold tiercache epoch is paired
  // with a direct epoch read just before it, and its ratio is against that one. In mfscachemode=DIRECT a repeated
  // direct epoch is as cold as the first: every read reaches the chunkserver.
  const directCold = (): Promise<{ result: EpochFigures; cpu: Map<string, CpuTicks> }> =>
    withCpu(files, self, () => epoch(cold, readDirect(mfs.mnt)));
  const tcMnt = mountPoint('tc-bench-mnt-');
  const epochDaemon = (flags: Record<string, string> = {}): TestDaemon =>
    new TestDaemon({
      dir: ssd.daemonDir(),
      backendDir: mfs.mnt,
      flags: {
        'block-size': '1MiB',
        'memory-cache-size': '1GiB',
        'ssd-cache-size': '2GiB',
        'plan-lookahead': '64',
        'metadata-ttl': '30s',
        mount: tcMnt,
        watch: 'false',
        ...flags,
      },
    });
  // A cold epoch on a fresh daemon: the plan over gRPC (SubmitPlan timed: the sampler waits for it), then the reads.
  const readAll = (reader: ColdReader, mc: TiercacheClient, order: readonly string[]): Promise<EpochFigures> =>
    reader === 'mount' ? epoch(order, readDirect(tcMnt)) : reader === 'ReadFiles' ? epochStreamed(mc, order) : epoch(order, readThrough(mc));
  const coldEpoch = async (reader: ColdReader, flags: Record<string, string> = {}): Promise<{ figures: EpochFigures; note: string; cpu: Map<string, CpuTicks> }> => {
    const m = epochDaemon(flags);
    await m.start();
    try {
      const mc = new TiercacheClient({ socket: m.socket, job: 'bench-realfs', readSession: reader === 'ReadSession' });
      try {
        log(`realfs: cold epoch with a plan, ${reader}${Object.keys(flags).length > 0 ? ` (${JSON.stringify(flags)})` : ''}`);
        await mc.submitPlan('bench-realfs-earlier', 1, earlier);
        await readAll(reader, mc, earlier);
        const counted = await prefetchCounts(mc);
        let planMs = 0;
        const { result: f, cpu } = await withCpu(files, new Map([...self, [m.proc!.pid!, 'daemon']]), async () => {
          const t = now();
          await mc.submitPlan('bench-realfs', 1, cold);
          planMs = now() - t;
          return readAll(reader, mc, cold);
        });
        return { figures: f, cpu, note: `; SubmitPlan answered in ${planMs.toFixed(0)} ms${await prefetchNote(mc, counted)}; ${cpuNote(cpu)}` };
      } finally {
        mc.close();
      }
    } finally {
      await m.stop();
      await m.cleanup();
      rmSync(m.dir, { recursive: true, force: true });
    }
  };
  const paired = async (reader: ColdReader, flags: Record<string, string> = {}): Promise<ColdPair> => {
    const direct = await directCold();
    const tc = await coldEpoch(reader, flags);
    return { direct: direct.result, directCpu: direct.cpu, ...tc };
  };
  // The headline row: the median by ratio of several pairs, each pair's ratio in its note.
  const mountPairs: ColdPair[] = [];
  for (let i = 0; i < envNum('BENCH_REALFS_PAIRS', 3); i++) mountPairs.push(await paired('mount'));
  const mountCold = medianPair(mountPairs);
  const directCpu = mountCold.directCpu;
  // The same with every prefetch read on the piscina workers (the I/O path before small reads moved to the I/O pool).
  const mountColdWorkers = await paired('mount', { 'prefetch-offload-min-size': '0' });
  const readCold = await paired('Read');
  const sessionCold = await paired('ReadSession');
  const streamCold = await paired('ReadFiles');
  const d = epochDaemon();
  await d.start();
  const c = d.client('bench-realfs');
  const sc = new TiercacheClient({ socket: d.socket, job: 'bench-realfs', readSession: true });
  try {
    log('realfs: warm epochs (MooseFS with its page cache, tiercache from memory)');
    await epochStreamed(c, warm); // fill the cache
    await epoch(warm, readDirect(cachedMnt)); // fill the cached mount's page cache
    const directWarm = await epoch(warm, readDirect(cachedMnt));
    const tcWarm = await epoch(warm, readThrough(c));
    const sessionWarm = await epoch(warm, readThrough(sc));
    const streamWarm = await epochStreamed(c, warm);
    // The first read through the mount of what the daemon holds in memory: what serving a file through the mount costs.
    const names = new Map([...self, [d.proc!.pid!, 'daemon']]);
    const { result: mountFirst, cpu: servingCpu } = await withCpu(files, names, () => epoch(warm, readDirect(tcMnt)));
    const mountWarm = await epoch(warm, readDirect(tcMnt)); // the kernel's page cache over the tiercache mount
    const what = `epoch ${files} x ${fileSize / KiB} KB`;
    const coldBase = 'MooseFS direct, mfscachemode=DIRECT';
    const warmBase = 'MooseFS direct, page cache warm';
    // No cache can do the cold epoch for less CPU than reading MooseFS (the direct epoch's CPU) plus serving the
    // bytes through the mount (the first read of memory-held files): on a CPU-bound machine that bounds its rate.
    const cores = availableParallelism();
    const floorMs = totalMs(directCpu) + totalMs(servingCpu);
    const ceiling = (cores * 1000) / floorMs;
    const directRate = mountCold.direct.filesPerSec;
    return [
      {
        name: `${what} cold, plan, tiercache mount: CPU per file`,
        metric: 'ms CPU per file, all processes (ratio = baseline/tiercache)',
        value: totalMs(mountCold.cpu),
        baseline: totalMs(directCpu),
        ratio: totalMs(directCpu) / totalMs(mountCold.cpu),
        baselineName: coldBase,
        note: `tiercache: ${cpuText(mountCold.cpu)}; direct: ${cpuText(directCpu)}; ${cores} cores: the epoch is CPU-bound when files/s x CPU per file nears ${cores * 1000} ms/s (tiercache ${(mountCold.figures.filesPerSec * totalMs(mountCold.cpu)).toFixed(0)}, direct ${(directRate * totalMs(directCpu)).toFixed(0)}); daemon state dir on ${ssd.what}`,
      },
      {
        name: `${what} cold epoch ceiling here: ${cores} cores / (reading MooseFS + serving through the mount)`,
        metric: 'files/s',
        value: ceiling,
        baseline: directRate,
        ratio: ceiling / directRate,
        baselineName: coldBase,
        note: `CPU floor per file ${floorMs.toFixed(2)} ms = direct epoch ${totalMs(directCpu).toFixed(2)} (${cpuText(directCpu)}) + first mount read of memory-held files ${totalMs(servingCpu).toFixed(2)} (${cpuText(servingCpu)}, ${mountFirst.filesPerSec.toFixed(0)} files/s); an upper bound: it assumes every core busy and nothing else to do`,
      },
      ...epochResults(`${what} cold, plan, gRPC Read`, readCold.figures, readCold.direct, coldBase, '>= 0.9x', readCold.note),
      ...epochResults(`${what} cold, plan, gRPC ReadSession`, sessionCold.figures, sessionCold.direct, coldBase, '>= 0.9x', `${sessionCold.note}; read() with readSession`),
      ...epochResults(`${what} cold, plan, gRPC ReadFiles`, streamCold.figures, streamCold.direct, coldBase, '>= 0.9x', streamCold.note),
      ...epochResults(
        `${what} cold, plan, tiercache mount`,
        mountCold.figures,
        mountCold.direct,
        coldBase,
        '>= 0.9x',
        `${mountCold.note}; median of ${mountPairs.length} pairs (each against the direct epoch just before it): ${mountPairs.map((x) => `${pairRatio(x).toFixed(2)}x`).join(', ')}`,
      ),
      ...epochResults(
        `${what} cold, plan, tiercache mount, all prefetch reads on worker threads`,
        mountColdWorkers.figures,
        mountColdWorkers.direct,
        coldBase,
        undefined,
        `${mountColdWorkers.note}; prefetch-offload-min-size 0`,
      ),
      ...epochResults(`${what} warm, gRPC Read`, tcWarm, directWarm, warmBase),
      ...epochResults(`${what} warm, gRPC ReadSession`, sessionWarm, directWarm, warmBase, undefined, '; read() with readSession'),
      ...epochResults(`${what} warm, gRPC ReadFiles`, streamWarm, directWarm, warmBase),
      ...epochResults(`${what} warm, tiercache mount`, mountWarm, directWarm, warmBase),
    ];
  } finally {
    c.close();
    sc.close();
    await d.stop();
    await d.cleanup();
    rmSync(d.dir, { recursive: true, force: true });
    removeMountPoint(tcMnt);
  }
}

async function sequentialWarm(mfs: MooseFs, cachedMnt: string, size: number): Promise<BenchResult[]> {
  writeFileSync(join(mfs.mnt, 'big.bin'), randomBytes(size));
  const tcMnt = mountPoint('tc-bench-mnt-');
  const d = new TestDaemon({
    backendDir: mfs.mnt,
    flags: {
      'block-size': '4MiB',
      'memory-cache-size': `${Math.ceil((size * 1.25) / MiB)}MiB`,
      'ssd-cache-size': '2GiB',
      mount: tcMnt,
      watch: 'false',
    },
  });
  await d.start();
  const c = d.client('bench-realfs-seq');
  const through = async (): Promise<number> => {
    let n = 0;
    for await (const ch of c.readChunks('big.bin')) n += ch.data.length;
    return n;
  };
  const sequential = (root: string) => (): number => {
    const fd = openSync(join(root, 'big.bin'), 'r');
    const buf = Buffer.allocUnsafe(4 * MiB);
    let n = 0;
    try {
      for (let r = readSync(fd, buf, 0, buf.length, n); r > 0; r = readSync(fd, buf, 0, buf.length, n)) n += r;
    } finally {
      closeSync(fd);
    }
    return n;
  };
  const direct = sequential(cachedMnt);
  const viaMount = sequential(tcMnt);
  try {
    await through();
    direct();
    viaMount();
    const timeIt = async (fn: () => Promise<number> | number): Promise<number> => {
      const t = now();
      const n = await fn();
      if (n !== size) throw new Error(`read ${n} of ${size} bytes`);
      return size / MiB / ((now() - t) / 1000);
    };
    const best = async (fn: () => Promise<number> | number): Promise<number> => Math.max(await timeIt(fn), await timeIt(fn), await timeIt(fn));
    const tc = await best(through);
    const dir = await best(direct);
    const mnt = await best(viaMount);
    return [
      {
        name: `${size / MiB} MiB sequential warm`,
        metric: 'MiB/s',
        value: tc,
        baseline: dir,
        ratio: tc / dir,
        baselineName: 'MooseFS direct, page cache warm (4 MiB reads)',
        note: 'best of 3; tiercache: ReadStream over the Unix socket',
      },
      {
        name: `${size / MiB} MiB sequential warm, tiercache mount`,
        metric: 'MiB/s',
        value: mnt,
        baseline: dir,
        ratio: mnt / dir,
        baselineName: 'MooseFS direct, page cache warm (4 MiB reads)',
        note: 'best of 3; 4 MiB reads from the daemon\'s FUSE mount (--mount)',
      },
    ];
  } finally {
    c.close();
    await d.stop();
    await d.cleanup();
    removeMountPoint(tcMnt);
  }
}

async function checkpointSave(mfs: MooseFs, size: number): Promise<BenchResult[]> {
  const data = randomBytes(size);
  mkdirSync(join(mfs.mnt, 'direct'), { recursive: true });
  const direct = (): number => {
    const t = now();
    const path = join(mfs.mnt, 'direct', 'model.pt');
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, data); // torch.save: the serialized bytes in one go
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const secs = (now() - t) / 1000;
    rmSync(path);
    return secs;
  };
  // The state dir stays in the temp dir here: the loop-mounted stand-in (node-ssd.ts) is a file on this same disk and halves its write rate.
  const d = new TestDaemon({ backendDir: mfs.mnt, flags: { 'max-checkpoints': '2', 'ssd-cache-size': '1GiB' } });
  await d.start();
  const c = d.client('bench-realfs-ckpt');
  try {
    const directSecs = direct();
    let t = now();
    const local = await c.checkpoints.save('bench-realfs', data, { step: 1 });
    const blockingSecs = (now() - t) / 1000;
    if (local.size !== size) throw new Error('checkpoint size');
    t = now();
    await c.checkpoints.save('bench-realfs', data, { step: 2, sync: true });
    const syncSecs = (now() - t) / 1000;
    const gib = size / (1024 * MiB);
    return [
      {
        name: `checkpoint ${gib} GiB save (blocking)`,
        metric: 's (ratio = baseline/tiercache)',
        value: blockingSecs,
        baseline: directSecs,
        ratio: directSecs / blockingSecs,
        baselineName: 'torch.save-style write + fsync to MooseFS',
        note: 'tiercache answers once the checkpoint is on the local SSD; it persists to MooseFS in the background',
      },
      {
        name: `checkpoint ${gib} GiB save (until persisted)`,
        metric: 's (ratio = baseline/tiercache)',
        value: syncSecs,
        baseline: directSecs,
        ratio: directSecs / syncSecs,
        baselineName: 'torch.save-style write + fsync to MooseFS',
        note: 'sync save: answers once the checkpoint is complete on MooseFS',
      },
    ];
  } finally {
    c.close();
    await d.cleanup();
  }
}

export async function run(): Promise<BenchResult[]> {
  let mfs: MooseFs;
  try {
    mfs = await MooseFs.start({ mountOpts: 'mfscachemode=DIRECT' });
  } catch (err) {
    log(`realfs: skipped, MooseFS cannot start here: ${String(err)}`);
    return [];
  }
  // The small-file daemons' state dirs (SSD tier) on a stand-in for a node's SSD: see node-ssd.ts.
  const ssd = nodeSsd(4);
  try {
    const cachedMnt = await mfs.mountAnother('mnt-cached', '');
    const results: BenchResult[] = [];
    results.push(...(await smallFileEpochs(mfs, cachedMnt, ssd, envNum('BENCH_REALFS_FILES', 2000), 100 * KiB)));
    results.push(...(await sequentialWarm(mfs, cachedMnt, envNum('BENCH_REALFS_SEQ_MIB', 256) * MiB)));
    results.push(...(await checkpointSave(mfs, envNum('BENCH_REALFS_CKPT_MIB', 1024) * MiB)));
    return results;
  } finally {
    await mfs.stop();
    ssd.close();
  }
}

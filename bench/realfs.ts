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
// Readers keep one request in flight, as one DataLoader worker does.
// Without MooseFS (no root, no /dev/fuse) the module reports nothing and says why.

import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { pseudoRandomBytes } from '../test/helpers/daemon';
import { MooseFs } from '../test/helpers/moosefs';

import { TiercacheClient } from '../src/client/client';
import { TestDaemon, envNum, log, now, percentile } from './harness';
import type { BenchResult } from './types';

const KiB = 1024;
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

function shuffled(paths: readonly string[], seed: number): string[] {
  const out = [...paths];
  let x = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
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

/** How far the plan's prefetch kept ahead: blocks it fetched and how many a reader then found. */
async function prefetchNote(c: TiercacheClient): Promise<string> {
  const p = ((await c.stats('all')) as { prefetch?: { prefetched_blocks: number; prefetch_hits: number } }).prefetch;
  return p ? `; prefetched ${p.prefetched_blocks} blocks, ${p.prefetch_hits} read as prefetch hits` : '';
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
  let bytes = 0;
  const t0 = now();
  let last = t0;
  for await (const r of c.readFiles(order)) {
    if (r.error) throw r.error;
    bytes += r.data.length;
    const t = now();
    lat.push(t - last);
    last = t;
  }
  if (lat.length !== order.length || bytes === 0) throw new Error(`ReadFiles gave ${lat.length} of ${order.length} files`);
  return figures(lat, (now() - t0) / 1000);
}

type ColdReader = 'mount' | 'Read' | 'ReadSession' | 'ReadFiles';

async function smallFileEpochs(mfs: MooseFs, cachedMnt: string, files: number, fileSize: number): Promise<BenchResult[]> {
  mkdirSync(join(mfs.mnt, 'train'), { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < files; i++) {
    const p = `train/n${String(i).padStart(6, '0')}.JPEG`;
    writeFileSync(join(mfs.mnt, p), pseudoRandomBytes(fileSize, i + 1));
    paths.push(p);
  }
  const cold = shuffled(paths, 1234);
  const warm = shuffled(paths, 5678);
  log(`realfs: ${files} x ${fileSize / KiB} KiB written; cold epoch, MooseFS direct (mfscachemode=DIRECT)`);
  const directCold = await epoch(cold, readDirect(mfs.mnt));
  const tcMnt = mountPoint('tc-bench-mnt-');
  const epochDaemon = (flags: Record<string, string> = {}): TestDaemon =>
    new TestDaemon({
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
  const coldEpoch = async (reader: ColdReader, flags: Record<string, string> = {}): Promise<{ figures: EpochFigures; note: string }> => {
    const m = epochDaemon(flags);
    await m.start();
    try {
      const mc = new TiercacheClient({ socket: m.socket, job: 'bench-realfs', readSession: reader === 'ReadSession' });
      try {
        log(`realfs: cold epoch with a plan, ${reader}${Object.keys(flags).length > 0 ? ` (${JSON.stringify(flags)})` : ''}`);
        const t = now();
        await mc.submitPlan('bench-realfs', 1, cold);
        const planMs = now() - t;
        const f =
          reader === 'mount'
            ? await epoch(cold, readDirect(tcMnt))
            : reader === 'ReadFiles'
              ? await epochStreamed(mc, cold)
              : await epoch(cold, readThrough(mc));
        return { figures: f, note: `; SubmitPlan answered in ${planMs.toFixed(0)} ms${await prefetchNote(mc)}` };
      } finally {
        mc.close();
      }
    } finally {
      await m.stop();
      await m.cleanup();
    }
  };
  const mountCold = await coldEpoch('mount');
  // The same with every prefetch read on the piscina workers (the I/O path before small reads moved to the I/O pool).
  const mountColdWorkers = await coldEpoch('mount', { 'prefetch-offload-min-size': '0' });
  const readCold = await coldEpoch('Read');
  const sessionCold = await coldEpoch('ReadSession');
  const streamCold = await coldEpoch('ReadFiles');
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
    await epoch(warm, readDirect(tcMnt)); // the kernel's page cache over the tiercache mount
    const mountWarm = await epoch(warm, readDirect(tcMnt));
    const what = `epoch ${files} x ${fileSize / KiB} KB`;
    const coldBase = 'MooseFS direct, mfscachemode=DIRECT';
    const warmBase = 'MooseFS direct, page cache warm';
    return [
      ...epochResults(`${what} cold, plan, gRPC Read`, readCold.figures, directCold, coldBase, '>= 0.9x', readCold.note),
      ...epochResults(`${what} cold, plan, gRPC ReadSession`, sessionCold.figures, directCold, coldBase, '>= 0.9x', `${sessionCold.note}; read() with readSession`),
      ...epochResults(`${what} cold, plan, gRPC ReadFiles`, streamCold.figures, directCold, coldBase, '>= 0.9x', streamCold.note),
      ...epochResults(`${what} cold, plan, tiercache mount`, mountCold.figures, directCold, coldBase, '>= 0.9x', mountCold.note),
      ...epochResults(
        `${what} cold, plan, tiercache mount, all prefetch reads on worker threads`,
        mountColdWorkers.figures,
        directCold,
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
  try {
    const cachedMnt = await mfs.mountAnother('mnt-cached', '');
    const results: BenchResult[] = [];
    results.push(...(await smallFileEpochs(mfs, cachedMnt, envNum('BENCH_REALFS_FILES', 2000), 100 * KiB)));
    results.push(...(await sequentialWarm(mfs, cachedMnt, envNum('BENCH_REALFS_SEQ_MIB', 256) * MiB)));
    results.push(...(await checkpointSave(mfs, envNum('BENCH_REALFS_CKPT_MIB', 1024) * MiB)));
    return results;
  } finally {
    await mfs.stop();
  }
}

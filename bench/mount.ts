// POSIX mount benchmarks (issue #12): the daemon's --mount read by this
// process with plain fs calls, as unmodified training code reads.
//  - warm re-read of 256 MiB through the mount vs a page-cache read of the
//    same bytes from a local file;
//  - first read through the mount of data already in the memory tier vs the
//    gRPC ReadStream of the same data;
//  - second epoch over 2,000 x 100 KB files in random order: per-file
//    open+read+close p50/p99 through the mount vs local disk, and vs the same
//    epoch over a real MooseFS mount (test/helpers/moosefs.ts) read directly;
//  - cold sequential read through the mount over the emulated slow backend,
//    daemon readahead vs none.

import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudoRandomBytes } from '../test/helpers/daemon';
import { lazyUnmount, mountsAt } from '../src/fuse/mount-point';
import { MooseFs } from '../test/helpers/moosefs';
import { TestDaemon, log, now, percentile } from './harness';
import type { BenchResult } from './types';

const MiB = 1024 * 1024;
const BIG = 256 * MiB;
const SMALL_FILES = 2000;
const SMALL_SIZE = 100_000;

const buf = Buffer.allocUnsafe(MiB);

/** Reads a whole file with 1 MiB read(2)s; returns bytes read. */
function readAll(path: string): number {
  const fd = openSync(path, 'r');
  let total = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, MiB, null);
      if (n === 0) break;
      total += n;
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

function gbps(path: string): number {
  const t0 = now();
  const bytes = readAll(path);
  return bytes / ((now() - t0) / 1000) / 1e9;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A deterministic shuffle (xorshift), the same order for every target. */
function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** One epoch in random order: per-file open + read to the end + close, in ms (sorted). */
function epoch(dir: string, seed: number): number[] {
  const times: number[] = [];
  for (const i of shuffled(SMALL_FILES, seed)) {
    const t0 = now();
    readAll(join(dir, `f${String(i).padStart(5, '0')}.bin`));
    times.push(now() - t0);
  }
  return times.sort((a, b) => a - b);
}

function writeSmallFiles(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < SMALL_FILES; i++) writeFileSync(join(dir, `f${String(i).padStart(5, '0')}.bin`), pseudoRandomBytes(SMALL_SIZE, i + 1));
}

function mountDaemon(flags: Record<string, string>): { d: TestDaemon; mnt: string; done(): Promise<void> } {
  const mnt = mkdtempSync(join(tmpdir(), 'tc-bench-mnt-'));
  const d = new TestDaemon({ flags: { mount: mnt, 'metrics-listen': '', ...flags } });
  return {
    d,
    mnt,
    async done() {
      await d.stop();
      if (mountsAt(mnt).length > 0) lazyUnmount(mnt);
      rmSync(mnt, { recursive: true, force: true });
      await d.cleanup();
    },
  };
}

async function bigFile(out: BenchResult[]): Promise<void> {
  const m = mountDaemon({ 'block-size': '4MiB', 'memory-cache-size': '1GiB', 'ssd-cache-size': '0' });
  const local = mkdtempSync(join(tmpdir(), 'tc-bench-local-'));
  try {
    const data = pseudoRandomBytes(BIG, 3);
    writeFileSync(join(m.d.backendDir, 'big.bin'), data);
    for (let i = 0; i < 3; i++) writeFileSync(join(m.d.backendDir, `hot${i}.bin`), data.subarray(0, 64 * MiB));
    writeFileSync(join(local, 'big.bin'), data);
    await m.d.start();
    log('mount: warm re-read of 256 MiB, mount vs local page cache (best of 5 after one warming read)');
    readAll(join(m.mnt, 'big.bin'));
    readAll(join(local, 'big.bin'));
    const viaMount: number[] = [];
    const viaLocal: number[] = [];
    for (let r = 0; r < 5; r++) {
      viaLocal.push(gbps(join(local, 'big.bin')));
      viaMount.push(gbps(join(m.mnt, 'big.bin')));
    }
    const bm = Math.max(...viaMount);
    const bl = Math.max(...viaLocal);
    out.push({
      name: 'warm re-read of 256 MiB through the mount vs local page cache',
      metric: 'GB/s',
      value: bm,
      baseline: bl,
      baselineName: 'the same bytes in a local file, page cache warm',
      ratio: bm / bl,
      target: '>= 0.9x',
      note: `1 MiB read(2)s; medians ${median(viaMount).toFixed(2)} vs ${median(viaLocal).toFixed(2)} GB/s`,
    });

    log('mount: first read through the mount of memory-tier data vs gRPC ReadStream (3 files of 64 MiB)');
    const c = m.d.client('bench-mount');
    const mountRates: number[] = [];
    const streamRates: number[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const f = `hot${i}.bin`;
        for await (const ch of c.readChunks(f)) void ch; // into the memory tier
        const t0 = now();
        let bytes = 0;
        for await (const ch of c.readChunks(f)) bytes += ch.data.length;
        streamRates.push(bytes / ((now() - t0) / 1000) / 1e9);
        mountRates.push(gbps(join(m.mnt, f)));
      }
    } finally {
      c.close();
    }
    out.push({
      name: 'first read through the mount of memory-tier data vs gRPC ReadStream',
      metric: 'GB/s',
      value: median(mountRates),
      baseline: median(streamRates),
      baselineName: 'ReadStream of the same 64 MiB over the Unix socket (memory hits)',
      ratio: median(mountRates) / median(streamRates),
      target: 'report (about 2x in reach)',
      note: 'median of 3 files; the mount read is the first through the kernel (page cache cold)',
    });
  } finally {
    rmSync(local, { recursive: true, force: true });
    await m.done();
  }
}

async function smallFiles(out: BenchResult[]): Promise<void> {
  // A static dataset: the kernel may trust attributes for the whole run.
  const m = mountDaemon({ 'block-size': '1MiB', 'memory-cache-size': '1GiB', 'ssd-cache-size': '0', 'metadata-ttl': '10m' });
  const local = mkdtempSync(join(tmpdir(), 'tc-bench-small-'));
  try {
    writeSmallFiles(join(m.d.backendDir, 'train'));
    writeSmallFiles(join(local, 'train'));
    await m.d.start();
    log(`mount: ${SMALL_FILES} x ${SMALL_SIZE / 1000} KB, epoch 1 (warms), epoch 2 timed, random order; mount vs local disk`);
    epoch(join(m.mnt, 'train'), 7);
    epoch(join(local, 'train'), 7);
    const viaMount = epoch(join(m.mnt, 'train'), 11);
    const viaLocal = epoch(join(local, 'train'), 11);
    for (const p of [50, 99]) {
      const v = percentile(viaMount, p);
      const b = percentile(viaLocal, p);
      out.push({
        name: `second epoch, ${SMALL_FILES} x 100 KB random order, mount vs local disk, p${p}`,
        metric: 'ms per file',
        value: v,
        baseline: b,
        baselineName: 'the same files on local disk, page cache warm',
        ratio: v / b,
        target: '<= 1.5x',
        note: 'open + read to EOF + close per file; --metadata-ttl 10m (a static dataset)',
      });
    }
    log('mount: the same epochs over MooseFS read directly');
    let mfs: MooseFs | undefined;
    try {
      mfs = await MooseFs.start();
    } catch (err) {
      log(`mount: MooseFS did not start (${String(err).slice(0, 200)}); that comparison is left out`);
    }
    if (mfs) {
      try {
        writeSmallFiles(join(mfs.mnt, 'train'));
        epoch(join(mfs.mnt, 'train'), 7);
        const viaMfs = epoch(join(mfs.mnt, 'train'), 11);
        for (const p of [50, 99]) {
          const v = percentile(viaMount, p);
          const b = percentile(viaMfs, p);
          out.push({
            name: `second epoch, ${SMALL_FILES} x 100 KB random order, mount vs MooseFS direct, p${p}`,
            metric: 'ms per file',
            value: v,
            baseline: b,
            baselineName: 'the same files on a real MooseFS mount (1 chunkserver, default cache mode)',
            ratio: v / b,
            note: 'lower is better',
          });
        }
      } finally {
        await mfs.stop();
      }
    }
  } finally {
    rmSync(local, { recursive: true, force: true });
    await m.done();
  }
}

async function coldSequential(readahead: boolean): Promise<number> {
  const m = mountDaemon({
    'block-size': '1MiB',
    'memory-cache-size': '256MiB',
    'ssd-cache-size': '0',
    'prefetch-workers': '4',
    'max-readahead': readahead ? '64MiB' : '0',
  });
  try {
    writeFileSync(join(m.d.backendDir, 'big.bin'), Buffer.alloc(128 * MiB, 0x42));
    await m.d.start(['--emulate-backend-latency=20ms', '--emulate-backend-bandwidth=500MiB']);
    return gbps(join(m.mnt, 'big.bin')) * 1000;
  } finally {
    await m.done();
  }
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  await bigFile(out);
  await smallFiles(out);
  log('mount: cold sequential read of 128 MiB through the mount, backend 20 ms/request, 500 MiB/s; readahead vs none');
  const without = await coldSequential(false);
  const withRa = await coldSequential(true);
  out.push({
    name: 'cold sequential read of 128 MiB through the mount, readahead vs none',
    metric: 'MB/s',
    value: withRa,
    baseline: without,
    baselineName: 'same daemon, --max-readahead 0',
    ratio: withRa / without,
    target: '>= 4x',
    note: 'emulated backend: 20 ms per request, 500 MiB/s shared; 1 MiB read(2)s through the kernel',
  });
  return out;
}

// Checkpoint mount benchmarks (issue 13), ratios against baselines measured
// in the same run, on the same disk:
//  1. writing a checkpoint file through the mount (dd conv=fsync: until the
//     training job's close returns) vs dd conv=fsync to a local file: target <= 1.3x;
//     Beside it: the same dd through a bare FUSE mount (bare-write-mount.ts:
//     the same addon, no writeback cache, one pwrite per write, nothing else)
//     vs the local file: what FUSE's synchronous 1 MiB write round trips cost
//     before any checkpoint logic, i.e. what the checkpoint mount's writeback
//     cache saves;
//  2. the same write through the mount vs writing it directly to the emulated
//     slow backend (tmp, fsync, rename through the same ThrottledBackend): target >= 5x faster;
//     Ceiling: no mount can close faster than the local write+fsync it stages
//     into, so the best this ratio can be is direct / local; reported beside
//     it (>= 5x needs an SSD five times faster than the emulated backend);
//  3. persist throughput (the daemon's own figure: bytes over upload time) vs
//     a plain copy of the same bytes to the same emulated backend: target >= 0.9x.
//  4. for the emulation's realism: the same dd conv=fsync into a real MooseFS
//     on this machine (test/helpers/moosefs.ts) vs the local file and vs the
//     emulated backend, so the >= 5x target can be read against a real
//     distributed filesystem's write speed here, not only the emulation's.
//
// Knobs (environment, bench only): BENCH_CKMOUNT_MIB (default 1024),
// BENCH_CKMOUNT_REPS (default 3, median), BENCH_CKMOUNT_BACKEND_BW (default
// 200MiB per second, as the checkpoint bench).

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosixBackend } from '../src/backend/posix-backend';
import { ThrottledBackend } from '../src/backend/throttled-backend';
import type { WritableBackend } from '../src/backend/types';
import { parseDuration, parseSize } from '../src/util/units';
import { TestDaemon, runCli } from '../test/helpers/daemon';
import { lazyUnmount, mountsAt } from '../src/fuse/mount-point';
import { run as runProgram } from '../test/helpers/fuse';
import { MooseFs } from '../test/helpers/moosefs';
import { envNum, log, median, settle } from './harness';
import type { BenchResult } from './types';

const MiB = 2 ** 20;
const LATENCY = '5ms';

async function dd(src: string, dst: string): Promise<number> {
  const t = performance.now();
  const r = await runProgram('dd', [`if=${src}`, `of=${dst}`, 'bs=1M', 'conv=fsync', 'status=none']);
  if (r.code !== 0) throw new Error(`dd to ${dst} failed: ${r.stderr}`);
  return (performance.now() - t) / 1000;
}

async function waitPersisted(d: TestDaemon): Promise<void> {
  const r = await runCli(['checkpoint', 'wait', '--socket', d.socket]);
  if (r.code !== 0) throw new Error(`checkpoint wait failed: ${r.stderr}`);
}

export async function run(): Promise<BenchResult[]> {
  const mib = envNum('BENCH_CKMOUNT_MIB', 1024);
  const reps = envNum('BENCH_CKMOUNT_REPS', 3);
  const bwText = process.env['BENCH_CKMOUNT_BACKEND_BW'] ?? '200MiB';
  const size = mib * MiB;
  const root = mkdtempSync(join(tmpdir(), 'tc-bench-ckmnt-'));
  const mnt = join(root, 'mnt');
  mkdirSync(mnt);
  const d = new TestDaemon({
    dir: join(root, 'node'),
    backendDir: join(root, 'backend'),
    flags: { 'checkpoint-mount': mnt, 'checkpoint-mount-root': 'ckpt', 'ssd-cache-size': `${Math.ceil((mib * 3) / 1024)}GiB` },
  });
  const results: BenchResult[] = [];
  let bare: BareMount | undefined;
  try {
    await d.start(['--emulate-backend-latency', LATENCY, '--emulate-backend-bandwidth', bwText]);
    const slow = new ThrottledBackend(new PosixBackend(join(root, 'backend')), {
      latencyMs: parseDuration(LATENCY),
      bandwidth: parseSize(bwText),
    }) as ThrottledBackend & WritableBackend;
    const src = join(root, 'checkpoint.bin');
    const r = await runProgram('dd', ['if=/dev/urandom', `of=${src}`, 'bs=1M', `count=${mib}`, 'status=none']);
    if (r.code !== 0) throw new Error(r.stderr);
    await runProgram('cat', [src]); // in the page cache for every side alike
    const local = join(d.stateDir, 'local-checkpoint.bin');
    const mountT: number[] = [];
    const localT: number[] = [];
    const directT: number[] = [];
    const bareT: number[] = [];
    bare = await startBareMount(join(root, 'bare-mnt'), join(root, 'bare-dir'));
    for (let i = 0; i < reps; i++) {
      const viaMount = async () => {
        await settle();
        mountT.push(await dd(src, join(mnt, `step-${i}.pt`)));
        await waitPersisted(d);
      };
      const viaLocal = async () => {
        await settle();
        localT.push(await dd(src, local));
        await fsp.rm(local);
      };
      const viaBare = async () => {
        if (!bare) return;
        await settle();
        // A new name each rep: the kernel may still hold the last one's entry.
        bareT.push(await dd(src, join(bare.mnt, `step-${i}.pt`)));
        await fsp.rm(join(bare.dir, `step-${i}.pt`));
      };
      // Each side goes first once in three reps (the disk's state after a step differs).
      const order = [viaMount, viaLocal, viaBare];
      for (let k = 0; k < order.length; k++) await order[(i + k) % order.length]!();
      await settle();
      const t = performance.now();
      await slow.write(`direct/step-${i}.pt`, createReadStream(src, { highWaterMark: 4 * MiB }), { sizeHint: size });
      directT.push((performance.now() - t) / 1000);
      log(
        `checkpoint-mount rep ${i}: mount ${mountT.at(-1)!.toFixed(2)}s, local ${localT.at(-1)!.toFixed(2)}s, bare FUSE ${bareT.at(-1)?.toFixed(2) ?? '-'}s, direct ${directT.at(-1)!.toFixed(2)}s`,
      );
    }
    await bare?.stop();
    bare = undefined;
    const stats = JSON.parse((await runCli(['cache', 'stats', '--json', '--socket', d.socket])).stdout.toString())['checkpoint_mount'];
    const persistBps = Number(stats['persist_bytes_per_second']);
    const copyBps = size / median(directT);
    const note = `${mib} MiB, median of ${reps}; emulated backend ${bwText}/s + ${LATENCY}`;
    results.push({
      name: 'checkpoint mount write vs local file write+fsync',
      metric: 'seconds until close (ratio = value / baseline, lower is better)',
      value: median(mountT),
      baseline: median(localT),
      ratio: median(mountT) / median(localT),
      baselineName: 'dd conv=fsync to a local file',
      target: '<= 1.3',
      note,
    });
    if (bareT.length > 0) {
      results.push({
        name: 'for the row above: bare FUSE mount without writeback cache vs local file write+fsync',
        metric: 'seconds until close (ratio = value / baseline, lower is better)',
        value: median(bareT),
        baseline: median(localT),
        ratio: median(bareT) / median(localT),
        baselineName: 'dd conv=fsync to a local file',
        note: `${note}; bare-write-mount.ts: the same addon without the writeback cache, one synchronous round trip and one pwrite per 1 MiB write, no staging; the checkpoint mount takes ${(median(mountT) / median(bareT)).toFixed(2)}x its time`,
      });
    }
    results.push({
      name: 'checkpoint mount write vs direct write to slow backend',
      metric: 'seconds (ratio = baseline / value, higher is better)',
      value: median(mountT),
      baseline: median(directT),
      ratio: median(directT) / median(mountT),
      baselineName: 'WritableBackend.write to the emulated backend',
      target: '>= 5',
      note,
    });
    results.push({
      name: 'ceiling for the row above: local write+fsync vs direct write to slow backend',
      metric: 'seconds (ratio = baseline / value, higher is better)',
      value: median(localT),
      baseline: median(directT),
      ratio: median(directT) / median(localT),
      baselineName: 'WritableBackend.write to the emulated backend',
      note: `${note}; what a mount as fast as the local disk would score: local ${(size / median(localT) / MiB).toFixed(0)} MiB/s with fsync, direct ${(size / median(directT) / MiB).toFixed(0)} MiB/s`,
    });
    results.push({
      name: 'checkpoint mount persist throughput vs plain copy',
      metric: 'MiB/s (ratio = value / baseline)',
      value: persistBps / MiB,
      baseline: copyBps / MiB,
      ratio: persistBps / copyBps,
      baselineName: 'the same bytes copied to the emulated backend',
      target: '>= 0.9',
      note: `${note}; persist figure is the daemon's (bytes / upload time, ${stats['files_persisted']} files)`,
    });
    await realMooseFs(results, src, size, median(localT), median(directT), note);
  } finally {
    await bare?.stop().catch(() => {});
    await d.stop().catch(() => {});
    await d.cleanup().catch(() => {});
    for (let i = 0; i < 3 && mountsAt(mnt).length > 0; i++) lazyUnmount(mnt);
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

/** Row 4: dd conv=fsync of the same file into a real MooseFS, against the local file and the emulated backend. */
async function realMooseFs(results: BenchResult[], src: string, size: number, localS: number, directS: number, note: string): Promise<void> {
  let mfs: MooseFs | undefined;
  try {
    mfs = await MooseFs.start();
  } catch (err) {
    log(`checkpoint-mount: MooseFS did not start (${String(err).slice(0, 200)}); its rows are left out`);
    return;
  }
  try {
    await settle();
    const mfsS = await dd(src, join(mfs.mnt, 'direct.pt'));
    log(`checkpoint-mount: real MooseFS dd conv=fsync ${mfsS.toFixed(2)}s`);
    results.push({
      name: 'realism: dd conv=fsync into a real MooseFS vs the emulated backend',
      metric: 'MiB/s (ratio = value / baseline)',
      value: size / mfsS / MiB,
      baseline: size / directS / MiB,
      ratio: directS / mfsS,
      baselineName: 'WritableBackend.write to the emulated backend',
      note: `${note}; MooseFS 3 from ../shared/realfs on this host (1 chunkserver on the same disk, one run); local dd conv=fsync ${(size / localS / MiB).toFixed(0)} MiB/s, i.e. MooseFS ${(mfsS / localS).toFixed(2)}x the local time`,
    });
  } finally {
    await mfs.stop();
  }
}

interface BareMount {
  readonly mnt: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/** bare-write-mount.ts in its own process (a process must not write through a mount it serves), or undefined if it cannot mount. */
async function startBareMount(mnt: string, dir: string): Promise<BareMount | undefined> {
  mkdirSync(mnt, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const p = spawn(process.execPath, [join(__dirname, 'bare-write-mount.js'), mnt, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await Promise.race([
    once(p.stdout!, 'data').then(() => true),
    once(p, 'exit').then(() => false),
  ]);
  const stop = async (): Promise<void> => {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGTERM');
      await once(p, 'exit');
    }
    for (let i = 0; i < 3 && mountsAt(mnt).length > 0; i++) lazyUnmount(mnt);
  };
  if (!ready) {
    log('checkpoint-mount: the bare FUSE mount did not start; its ceiling row is left out');
    await stop();
    return undefined;
  }
  return { mnt, dir, stop };
}

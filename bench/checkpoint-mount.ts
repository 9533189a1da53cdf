// Checkpoint mount benchmarks (issue 13), ratios against baselines measured
// in the same run, on the same disk:
//  1. writing a checkpoint file through the mount (dd conv=fsync: until the
//     training job's close returns) vs dd conv=fsync to a local file: target <= 1.3x;
//  2. the same write through the mount vs writing it directly to the emulated
//     slow backend (tmp, fsync, rename through the same ThrottledBackend): target >= 5x faster;
//     Ceiling: no mount can close faster than the local write+fsync it stages
//     into, so the best this ratio can be is direct / local; reported beside
//     it (>= 5x needs an SSD five times faster than the emulated backend);
//  3. persist throughput (the daemon's own figure: bytes over upload time) vs
//     a plain copy of the same bytes to the same emulated backend: target >= 0.9x.
//
// Knobs (environment, bench only): BENCH_CKMOUNT_MIB (default 1024),
// BENCH_CKMOUNT_REPS (default 3, median), BENCH_CKMOUNT_BACKEND_BW (default
// 200MiB per second, as the checkpoint bench).

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
      if (i % 2 === 0) {
        await viaMount();
        await viaLocal();
      } else {
        await viaLocal();
        await viaMount();
      }
      await settle();
      const t = performance.now();
      await slow.write(`direct/step-${i}.pt`, createReadStream(src, { highWaterMark: 4 * MiB }), { sizeHint: size });
      directT.push((performance.now() - t) / 1000);
      log(`checkpoint-mount rep ${i}: mount ${mountT.at(-1)!.toFixed(2)}s, local ${localT.at(-1)!.toFixed(2)}s, direct ${directT.at(-1)!.toFixed(2)}s`);
    }
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
  } finally {
    await d.stop().catch(() => {});
    await d.cleanup().catch(() => {});
    for (let i = 0; i < 3 && mountsAt(mnt).length > 0; i++) lazyUnmount(mnt);
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

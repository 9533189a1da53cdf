// The Python client in a training-shaped loop (issue #14), under Debian's
// /usr/bin/python3 with torch: DataLoader workers (4) decode small PNGs and
// the main process takes one step of a small CNN per batch
// (bench/python/train_loop.py). Figures, all from one run:
//  - second epoch through TiercacheDataset vs the same loop reading the files
//    from local disk with open() (page cache warm): what the cache costs when hot;
//  - second vs first epoch over the emulated slow backend (10 ms per request,
//    100 MiB/s): what the cache buys;
//  - the client's cost per file of one unary Read vs one ReadStream, by size,
//    which is how read_bytes picks (a unary Read below 1 MiB).

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/helpers/daemon';
import { TestDaemon, log } from './harness';
import type { BenchResult } from './types';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(REPO_ROOT, 'bench/python/train_loop.py');
const FILES = 2000;
const LATENCY = '10ms';
const BANDWIDTH = '100MiB';

interface LoopFigures {
  local: number;
  first: number;
  second: number;
  avgFileBytes: number;
  /** Per epoch (1st, 2nd): wall time, time to the first batch, steady samples/s, daemon counters over it. */
  epochs: Array<{ secs: number; first_batch_secs: number; steady_sps: number; memory_hits: number; memory_misses: number; backend_reads: number }>;
  reads: Array<{ size: number; unary: number; stream: number }>;
}

async function python(args: string[]): Promise<string> {
  const proc = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  let out = '';
  let err = '';
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const [code] = (await once(proc, 'close')) as [number | null];
  if (code !== 0) throw new Error(`${SCRIPT} ${args[0]} exited ${code}:\n${err.slice(-4000)}`);
  return out;
}

function sizeName(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : `${n / 1024} KiB`;
}

export async function run(): Promise<BenchResult[]> {
  const d = new TestDaemon({ flags: { 'memory-cache-size': '256MiB', 'ssd-cache-size': '0', 'prefetch-workers': '4' } });
  try {
    log(`python-loader: writing ${FILES} PNGs`);
    await python(['make', d.backendDir, String(FILES)]);
    await d.start([`--emulate-backend-latency=${LATENCY}`, `--emulate-backend-bandwidth=${BANDWIDTH}`]);
    log('python-loader: local epoch, first and second epoch through the daemon, read costs');
    const f = JSON.parse(await python(['run', d.socket, d.backendDir, String(FILES)])) as LoopFigures;
    const kb = (f.avgFileBytes / 1000).toFixed(0);
    const out: BenchResult[] = [
      {
        name: `train loop (PNG decode + CNN step), ${FILES} x ${kb} KB, workers 4: 2nd epoch via TiercacheDataset vs local open()`,
        metric: 'samples/s',
        value: f.second,
        baseline: f.local,
        baselineName: 'same loop, a Dataset reading local files with open(), page cache warm',
        ratio: f.second / f.local,
        target: '>= 0.8x',
      },
      {
        name: `train loop over the slow backend (${LATENCY}/request, ${BANDWIDTH}/s): 2nd vs 1st epoch`,
        metric: 'samples/s',
        value: f.second,
        baseline: f.first,
        baselineName: '1st epoch: cold, fetched from the emulated backend with the epoch plan',
        ratio: f.second / f.first,
        target: '> 1x',
        note: f.epochs
          .map(
            (e, i) =>
              `epoch ${i + 1}: ${e.secs.toFixed(1)} s, first batch after ${e.first_batch_secs.toFixed(2)} s, then ${e.steady_sps.toFixed(0)} samples/s; ` +
              `memory hits ${e.memory_hits}, misses ${e.memory_misses}, backend reads ${e.backend_reads}`,
          )
          .join('; '),
      },
    ];
    for (const r of f.reads) {
      out.push({
        name: `python client read of one cached ${sizeName(r.size)} file: unary Read vs ReadStream`,
        metric: 'us/file',
        value: r.unary * 1e6,
        baseline: r.stream * 1e6,
        baselineName: 'one ReadStream of the whole file',
        ratio: r.stream / r.unary,
        note: 'ratio > 1: unary cheaper (read_bytes uses one unary Read below 1 MiB)',
      });
    }
    return out;
  } finally {
    await d.cleanup();
  }
}

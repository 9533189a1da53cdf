// For comparison with the cache: fio run directly against the backend mount
// (sequential 1 MiB reads, then random 4 KiB reads), when fio is installed.
// fio lays out its own files in the diagnose directory, removed with it.

import { spawn } from 'node:child_process';
import { getErrorMessage } from '../util/errors-message';
import type { FioResult } from './types';

const FIO_TIMEOUT_MS = 60_000;
export const FIO_MISSING = 'fio is not installed; install it (e.g. apt-get install fio) to compare with the raw backend mount';

interface FioJob {
  jobname: string;
  error: number;
  read: { bw_bytes: number; iops: number; clat_ns?: { percentile?: Record<string, number> } };
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; missing: boolean }> {
  return new Promise((resolve) => {
    const p = spawn('fio', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), FIO_TIMEOUT_MS);
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: getErrorMessage(err), missing: err.code === 'ENOENT' });
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, missing: false });
    });
  });
}

/** Parses fio's --output-format=json (which may follow warning lines). */
export function parseFio(stdout: string): FioResult {
  const jobs = (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { jobs: FioJob[] }).jobs;
  const seq = jobs.find((j) => j.jobname === 'seqread');
  const rnd = jobs.find((j) => j.jobname === 'randread');
  const failed = jobs.find((j) => j.error !== 0);
  if (failed) return { available: true, error: `fio job ${failed.jobname} failed with error ${failed.error}` };
  const p99 = rnd?.read.clat_ns?.percentile?.['99.000000'];
  return {
    available: true,
    sequential_read_bytes_per_second: seq?.read.bw_bytes,
    random_read_iops: rnd?.read.iops,
    random_read_p99_seconds: p99 === undefined ? undefined : p99 / 1e9,
  };
}

export async function fioProbe(dir: string, size: number, randomSeconds: number): Promise<FioResult> {
  const r = await run([
    '--output-format=json',
    `--directory=${dir}`,
    '--ioengine=psync',
    `--size=${size}`,
    '--name=seqread',
    '--rw=read',
    '--bs=1M',
    '--name=randread',
    '--stonewall',
    '--rw=randread',
    '--bs=4k',
    `--runtime=${Math.max(1, Math.round(randomSeconds))}`,
    '--time_based',
  ]);
  if (r.missing) return { available: false, note: FIO_MISSING };
  if (r.code !== 0) return { available: true, error: `fio exited with ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}` };
  try {
    return { ...parseFio(r.stdout), note: 'fio reads the backend mount directly (page cache included), without tiercache' };
  } catch (err) {
    return { available: true, error: `cannot parse fio output: ${getErrorMessage(err)}` };
  }
}

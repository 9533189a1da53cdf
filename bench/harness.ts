// Shared bench plumbing: daemons and baseline servers as child processes,
// percentiles, timing, settings from the environment.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, pseudoRandomBytes } from '../test/helpers/daemon';
import type { TiercacheClient } from '../src/client/client';

export { TestDaemon };

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A positive number from the environment (bench knobs such as repetitions), else `d`. */
export function envNum(k: string, d: number): number {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v > 0 ? v : d;
}

/**
 * Writes `count` training samples of `size` bytes under root/dir, named <prefix>NNNNNN.JPEG as in an
 * ImageNet-style set, the i-th filled with pseudoRandomBytes(size, seed + i); their paths relative to root.
 */
export function writeSamples(root: string, dir: string, prefix: string, count: number, size: number, seed: number): string[] {
  mkdirSync(join(root, dir), { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = `${dir}/${prefix}${String(i).padStart(6, '0')}.JPEG`;
    writeFileSync(join(root, p), pseudoRandomBytes(size, seed + i));
    paths.push(p);
  }
  return paths;
}

/** Reads `order` over one ReadFiles stream; pushes each file's latency (the time since the previous file) to `lat`; the bytes read. */
export async function readFilesTimed(c: TiercacheClient, order: readonly string[], lat: number[]): Promise<number> {
  let bytes = 0;
  let last = now();
  for await (const r of c.readFiles(order)) {
    if (r.error) throw r.error;
    bytes += r.data.length;
    const t = now();
    lat.push(t - last);
    last = t;
  }
  return bytes;
}

/** The same pseudo-random order for the same seed (an LCG Fisher-Yates): epochs in a reproducible random order. */
export function shuffled(paths: readonly string[], seed: number): string[] {
  const out = [...paths];
  let x = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Lets the disk finish write-back and deletions of the previous step (sync(1), then a pause). */
export async function settle(): Promise<void> {
  execFileSync('sync');
  await new Promise((resolve) => setTimeout(resolve, 500));
}

export async function startBareServer(socket: string, size: number, chunk: number): Promise<ChildProcess> {
  // Same V8 heap flag as the daemon, so the baseline gets the same tuning.
  const proc = spawn(process.execPath, ['--initial-old-space-size=64', join(__dirname, 'bare-server.js'), socket, String(size), String(chunk)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(proc.stdout!, 'data');
  return proc;
}

export async function stopProc(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill('SIGKILL');
  await once(p, 'exit');
}

export const now = (): number => performance.now();

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// Read tests through the daemon: sequential 1 MiB reads (cold, then warm)
// and random 4 KiB reads at a given concurrency for a fixed time.

import type { TiercacheClient } from '../client/client';
import { summarizeLatencies } from './latency-summary';
import type { RandomReadResult, ThroughputResult } from './types';

export const SEQUENTIAL_READ_SIZE = 1024 * 1024;
export const RANDOM_READ_SIZE = 4096;

const backendBytes = async (c: TiercacheClient): Promise<number> => Number((await c.stats('all'))['backend_bytes_read'] ?? 0);

/** Reads the file front to back, one 1 MiB Read at a time (a single-stream reader). */
export async function sequentialRead(c: TiercacheClient, path: string, size: number): Promise<ThroughputResult> {
  const backendBefore = await backendBytes(c);
  const started = performance.now();
  let bytes = 0;
  for (let off = 0; off < size; off += SEQUENTIAL_READ_SIZE) {
    const data = await c.read(path, off, Math.min(SEQUENTIAL_READ_SIZE, size - off));
    bytes += data.length;
  }
  const seconds = (performance.now() - started) / 1000;
  const backend_bytes = (await backendBytes(c)) - backendBefore;
  return { bytes, seconds, bytes_per_second: bytes / seconds, backend_bytes };
}

/** `concurrency` readers issue 4 KiB reads at random aligned offsets until `ms` have passed. */
export async function randomRead(
  c: TiercacheClient,
  path: string,
  size: number,
  concurrency: number,
  ms: number,
  random: () => number = Math.random,
): Promise<RandomReadResult> {
  const slots = Math.max(1, Math.floor(size / RANDOM_READ_SIZE));
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown;
  const started = performance.now();
  const deadline = started + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const off = Math.floor(random() * slots) * RANDOM_READ_SIZE;
      const t0 = performance.now();
      try {
        await c.read(path, off, RANDOM_READ_SIZE);
        latencies.push((performance.now() - t0) / 1000);
      } catch (err) {
        errors++;
        firstError ??= err;
        // A daemon that fails every read is a finding, not something to hammer for the whole test.
        if (latencies.length === 0 && errors >= concurrency) throw firstError;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    block_size: RANDOM_READ_SIZE,
    concurrency,
    reads: latencies.length,
    errors,
    seconds,
    iops: latencies.length / seconds,
    latency_seconds: summarizeLatencies(latencies),
  };
}

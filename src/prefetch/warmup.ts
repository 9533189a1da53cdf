// Cache.Warmup: loads a prefix into this node's cache, streaming progress.
// A prefix larger than the cache is reported up front, and only what fits is
// loaded, so the warm-up does not evict what it has just loaded.

import type { BackendStat } from '../backend/types';
import type { CachedStore } from '../cache/cached-store';
import { invalidArgument } from '../errors';
import { forEachConcurrently } from '../util/concurrency';
import { formatBytes } from '../util/units';
import type { WarmupProgress, WarmupRequest } from '../protocol/types';

/** Share of the cache a warm-up may fill. */
const FILL_RATIO = 0.95;
const PROGRESS_INTERVAL_MS = 200;

function cachedBytes(store: CachedStore, st: BackendStat): number {
  let n = 0;
  for (let i = 0; i < store.blockCount(st); i++) {
    if (store.isCached(st, i)) n += Math.min(store.blockSize, st.size - i * store.blockSize);
  }
  return n;
}

export async function warmup(
  store: CachedStore,
  req: WarmupRequest,
  send: (p: WarmupProgress) => Promise<void>,
  concurrency: number,
): Promise<void> {
  if (typeof req.prefix !== 'string') throw invalidArgument('prefix is required');
  const files: BackendStat[] = [];
  for await (const st of store.backend.list(req.prefix, req.recursive)) files.push(st);
  const bytesTotal = files.reduce((a, f) => a + f.size, 0);
  const capacity = store.disk.enabled ? store.disk.snapshot().capacityBytes : store.mem.snapshot().capacityBytes;
  // Cached bytes per file, looked up once (a pass over every block's key).
  const cached = files.map((f) => cachedBytes(store, f));
  let bytesCached = 0;
  let filesCached = 0;
  files.forEach((f, i) => {
    bytesCached += cached[i]!;
    if (cached[i] === f.size) filesCached++;
  });
  const base: WarmupProgress = {
    files_done: filesCached,
    files_total: files.length,
    bytes_done: bytesCached,
    bytes_total: bytesTotal,
    bytes_per_second: 0,
    bytes_cached: bytesCached,
    cache_capacity_bytes: capacity,
    message: '',
    done: false,
  };
  if (req.check_only) {
    await send({
      ...base,
      message: `${formatBytes(bytesCached)} of ${formatBytes(bytesTotal)} cached (${files.length} files, ${filesCached} fully cached)`,
      done: true,
    });
    return;
  }
  // Take files in order until the cache would be full.
  const budget = Math.floor(capacity * FILL_RATIO);
  let selected = files;
  let message = '';
  if (bytesTotal > budget) {
    let sum = 0;
    let k = 0;
    while (k < files.length && sum + files[k]!.size <= budget) sum += files[k++]!.size;
    selected = files.slice(0, k);
    message =
      `${req.prefix || '/'} holds ${formatBytes(bytesTotal)} in ${files.length} files, more than this node's cache ` +
      `(${formatBytes(capacity)}); warming the first ${k} files (${formatBytes(sum)}) so the warm-up does not evict what it loaded`;
  }
  const selectedBytes = selected.reduce((a, f) => a + f.size, 0);
  const p: WarmupProgress = { ...base, files_total: selected.length, bytes_total: selectedBytes, message };
  p.bytes_done = 0;
  p.files_done = 0;
  selected.forEach((f, i) => {
    p.bytes_done += cached[i]!;
    if (cached[i] === f.size) p.files_done++;
  });
  await send({ ...p });
  const started = performance.now();
  const initialDone = p.bytes_done;
  let lastSent = started;
  // Blocks to fetch, in file order.
  const tasks: Array<{ st: BackendStat; index: number; bytes: number; last: boolean }> = [];
  for (const f of selected) {
    const n = store.blockCount(f);
    const missing: number[] = [];
    for (let i = 0; i < n; i++) if (!store.isCached(f, i)) missing.push(i);
    missing.forEach((i, j) =>
      tasks.push({ st: f, index: i, bytes: Math.min(store.blockSize, f.size - i * store.blockSize), last: j === missing.length - 1 }),
    );
  }
  await forEachConcurrently(tasks.length, concurrency, async (k) => {
    const t = tasks[k]!;
    await store.prefetchBlock(t.st, t.index);
    p.bytes_done += t.bytes;
    if (t.last) p.files_done++;
    const now = performance.now();
    p.bytes_per_second = ((p.bytes_done - initialDone) / Math.max(1, now - started)) * 1000;
    if (now - lastSent >= PROGRESS_INTERVAL_MS) {
      lastSent = now;
      p.message = '';
      await send({ ...p });
    }
  });
  let cachedAfter = 0;
  for (const f of files) cachedAfter += cachedBytes(store, f);
  await send({ ...p, bytes_cached: cachedAfter, message: message || 'warm-up complete', done: true });
}

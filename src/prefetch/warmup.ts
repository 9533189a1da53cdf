// Cache.Warmup: loads a prefix into this node's cache, streaming progress.
// A prefix larger than the cache is reported up front, and only what fits is
// loaded, so the warm-up does not evict what it has just loaded. A warm-up
// is an explicit hint like Prefetch and takes the same fair share from the
// engine (fair-share.ts): beyond the job's share it is cut, and says so
// (blocks_cut, message), so one job's warm-up cannot push out what other
// jobs read.

import type { BackendStat } from '../backend/types';
import type { CachedStore } from '../cache/cached-store';
import { invalidArgument } from '../errors';
import { forEachConcurrently } from '../util/concurrency';
import { formatBytes } from '../util/units';
import { blockKey } from '../cache/types';
import type { WarmupProgress, WarmupRequest } from '../protocol/types';
import type { PrefetchEngine } from './prefetch-engine';

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

export interface WarmupCall {
  readonly req: WarmupRequest;
  /** Whose fair share the warm-up takes. */
  readonly job: string;
  readonly send: (p: WarmupProgress) => Promise<void>;
  readonly concurrency: number;
}

export async function warmup(store: CachedStore, engine: PrefetchEngine, call: WarmupCall): Promise<void> {
  const { req, job, send, concurrency } = call;
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
    blocks_cut: 0,
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
  // Blocks to fetch, in file order, each under the job's fair share; the rest is cut.
  const tasks: Array<{ st: BackendStat; index: number; bytes: number; last: boolean; key: string }> = [];
  let cut = 0;
  for (const f of selected) {
    const missing: number[] = [];
    for (let i = 0; i < store.blockCount(f); i++) if (!store.isCached(f, i)) missing.push(i);
    missing.forEach((i, j) =>
      tasks.push({
        st: f,
        index: i,
        bytes: Math.min(store.blockSize, f.size - i * store.blockSize),
        last: j === missing.length - 1,
        key: blockKey({ path: f.path, version: f.version, index: i }),
      }),
    );
  }
  for (let k = 0; k < tasks.length; k++) {
    const t = tasks[k]!;
    if (!engine.takeShare(job, t.key, t.bytes, tasks.length - k)) {
      cut = tasks.length - k;
      tasks.length = k;
      break;
    }
  }
  if (cut > 0) message = message === '' ? engine.cutNotice(job, cut) : `${message}; ${engine.cutNotice(job, cut)}`;
  // Totals of what this warm-up will have cached: what was, and what it fetches.
  const p: WarmupProgress = { ...base, files_total: 0, bytes_total: 0, files_done: 0, bytes_done: 0, blocks_cut: cut, message };
  const fetched = new Set<BackendStat>();
  for (const t of tasks) if (t.last) fetched.add(t.st);
  selected.forEach((f, i) => {
    p.bytes_done += cached[i]!;
    if (cached[i] === f.size) p.files_done++;
    if (cached[i] === f.size || fetched.has(f)) p.files_total++;
  });
  p.bytes_total = p.bytes_done + tasks.reduce((a, t) => a + t.bytes, 0);
  const started = performance.now();
  const initialDone = p.bytes_done;
  let lastSent = started;
  // Tasks [0, begun) were started; a warm-up cut short (cancelled, failed) gives the share of the rest back.
  let begun = 0;
  try {
    await send({ ...p });
    await forEachConcurrently(tasks.length, concurrency, async (k) => {
      begun = Math.max(begun, k + 1);
      const t = tasks[k]!;
      await engine.fetchTaken(t.st, t.index);
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
  } finally {
    for (let k = begun; k < tasks.length; k++) engine.fair.release(tasks[k]!.key);
  }
  let cachedAfter = 0;
  for (const f of files) cachedAfter += cachedBytes(store, f);
  await send({ ...p, bytes_cached: cachedAfter, message: message || 'warm-up complete', done: true });
}

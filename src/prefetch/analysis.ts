// Access-pattern analysis: per file and per directory prefix, frequency,
// sequentiality, read-size distribution and the order in which a directory's
// files are visited, and the prefetch strategy that follows. Pure: rows in
// (oldest first), patterns out; it runs in a piscina worker.

import type { AccessRow } from './types';

export const SIZE_BUCKETS = [4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, Number.MAX_SAFE_INTEGER];
const VISIT_ORDER_SHOWN = 20;

export interface PatternJson {
  key: string;
  is_prefix: boolean;
  reads: number;
  bytes: number;
  reads_per_second: number;
  sequentiality: number;
  size_histogram: Array<{ le: number; count: number }>;
  visit_order: string[];
  ordered_walk: boolean;
  strategy: 'sequential-readahead' | 'next-file' | 'random' | 'none';
  distinct_jobs: number;
}

interface Acc {
  reads: number;
  bytes: number;
  sequential: number;
  first: number;
  last: number;
  hist: number[];
  jobs: Set<string>;
  /** Prefixes: files in first-visit order. */
  visits: string[];
  visited: Set<string>;
}

const newAcc = (t: number): Acc => ({
  reads: 0,
  bytes: 0,
  sequential: 0,
  first: t,
  last: t,
  hist: SIZE_BUCKETS.map(() => 0),
  jobs: new Set(),
  visits: [],
  visited: new Set(),
});

function add(a: Acc, r: AccessRow, seq: boolean): void {
  a.reads++;
  a.bytes += r.length;
  if (seq) a.sequential++;
  a.last = Math.max(a.last, r.time);
  a.first = Math.min(a.first, r.time);
  a.hist[SIZE_BUCKETS.findIndex((b) => r.length <= b)]!++;
  a.jobs.add(r.job);
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

/** Fraction of consecutive first visits that go up in name order. */
function orderedFraction(visits: string[]): number {
  if (visits.length < 3) return 0;
  let up = 0;
  for (let i = 1; i < visits.length; i++) if (visits[i]! > visits[i - 1]!) up++;
  return up / (visits.length - 1);
}

export function analyzeAccesses(rows: readonly AccessRow[], opts: { prefix?: string; limit?: number } = {}): PatternJson[] {
  const prefix = opts.prefix ?? '';
  const files = new Map<string, Acc>();
  const dirs = new Map<string, Acc>();
  /** job+path -> next expected offset, for sequentiality. */
  const nextOffset = new Map<string, number>();
  for (const r of rows) {
    if (!r.path.startsWith(prefix)) continue;
    const sk = `${r.job}\u0000${r.path}`;
    const seq = nextOffset.get(sk) === r.offset;
    nextOffset.set(sk, r.offset + r.length);
    let f = files.get(r.path);
    if (!f) files.set(r.path, (f = newAcc(r.time)));
    add(f, r, seq);
    const d = dirOf(r.path);
    let da = dirs.get(d);
    if (!da) dirs.set(d, (da = newAcc(r.time)));
    add(da, r, seq);
    if (!da.visited.has(r.path)) {
      da.visited.add(r.path);
      da.visits.push(r.path);
    }
  }
  const out: PatternJson[] = [];
  const emit = (key: string, a: Acc, isPrefix: boolean): void => {
    const sequentiality = a.reads > 1 ? a.sequential / (a.reads - (isPrefix ? a.visits.length : 1)) || 0 : 0;
    const seqClamped = Math.min(1, Math.max(0, sequentiality));
    const ordered = isPrefix && orderedFraction(a.visits) >= 0.9;
    let strategy: PatternJson['strategy'] = 'none';
    if (ordered) strategy = 'next-file';
    else if (a.reads >= 4 && seqClamped >= 0.6) strategy = 'sequential-readahead';
    else if (a.reads >= 4 && seqClamped < 0.3) strategy = 'random';
    const span = Math.max(1, (a.last - a.first) / 1000);
    out.push({
      key,
      is_prefix: isPrefix,
      reads: a.reads,
      bytes: a.bytes,
      reads_per_second: a.reads / span,
      sequentiality: seqClamped,
      size_histogram: SIZE_BUCKETS.map((le, i) => ({ le, count: a.hist[i]! })),
      visit_order: isPrefix ? a.visits.slice(0, VISIT_ORDER_SHOWN) : [],
      ordered_walk: ordered,
      strategy,
      distinct_jobs: a.jobs.size,
    });
  };
  for (const [d, a] of dirs) emit(d === '' ? '/' : d, a, true);
  for (const [f, a] of files) emit(f, a, false);
  out.sort((x, y) => y.reads - x.reads || (x.key < y.key ? -1 : 1));
  return out.slice(0, opts.limit ?? 50);
}

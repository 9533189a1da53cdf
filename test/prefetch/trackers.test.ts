// The pure mechanisms of the prefetch engine, on hand-computable cases.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamTracker, WalkTracker, dirListing } from '../../src/prefetch/stream-tracker';
import { PlanTracker, UNKNOWN_SIZE } from '../../src/prefetch/plan-tracker';
import { PrefetchQueue } from '../../src/prefetch/prefetch-queue';
import { analyzeAccesses } from '../../src/prefetch/analysis';
import type { BackendStat } from '../../src/backend/types';

const B = 100; // block size
const stat: BackendStat = { path: 'f', size: 10_000, mtimeMs: 0, isDir: false, version: 'v' };

describe('StreamTracker', () => {
  it('grows the window while sequential, caps it, and stops on a jump', () => {
    const t = new StreamTracker(B, 800);
    assert.equal(t.onRead('s', 0, 100, 10_000), undefined, 'one read proves nothing');
    assert.deepEqual(t.onRead('s', 100, 100, 10_000), { start: 200, end: 400 }); // window 2 blocks
    assert.deepEqual(t.onRead('s', 200, 100, 10_000), { start: 400, end: 700 }); // window 4 blocks, only the new part
    assert.deepEqual(t.onRead('s', 300, 100, 10_000), { start: 700, end: 1200 }); // window 8 blocks (cap 800)
    assert.deepEqual(t.onRead('s', 400, 100, 10_000), { start: 1200, end: 1300 }); // capped
    assert.equal(t.onRead('s', 5000, 100, 10_000), undefined, 'random access stops readahead');
    assert.equal(t.windowOf('s'), 0);
  });
  it('never reads past the end of the file', () => {
    const t = new StreamTracker(B, 10_000);
    t.onRead('s', 0, 100, 350);
    assert.deepEqual(t.onRead('s', 100, 100, 350), { start: 200, end: 350 });
    assert.equal(t.onRead('s', 200, 100, 350), undefined);
  });
});

describe('WalkTracker', () => {
  const names = dirListing(['d/a', 'd/b', 'd/c', 'd/d', 'd/e', 'd/f', 'd/g']);
  it('fetches the next files once a directory is walked in order', () => {
    const w = new WalkTracker(2);
    assert.deepEqual(w.onFileStart('j', names, 'd/a'), []);
    assert.deepEqual(w.onFileStart('j', names, 'd/b'), []);
    assert.deepEqual(w.onFileStart('j', names, 'd/c'), ['d/d', 'd/e']);
    assert.deepEqual(w.onFileStart('j', names, 'd/d'), ['d/e', 'd/f']);
  });
  it('does nothing for a shuffled walk', () => {
    const w = new WalkTracker(2);
    for (const n of ['d/e', 'd/a', 'd/g', 'd/b', 'd/f']) assert.deepEqual(w.onFileStart('j', names, n), []);
  });
});

describe('PlanTracker', () => {
  it('hands out a bounded window ahead of the client and reports what was read', () => {
    const p = new PlanTracker(2, 1e9);
    assert.deepEqual(p.submit('j', 1, ['c', 'a', 'd', 'b'], [1, 1, 1, 1]), { fetch: ['c', 'a'], done: [] });
    assert.deepEqual(p.onRead('j', 'c'), { fetch: ['d'], done: ['c'] });
    assert.deepEqual(p.onRead('j', 'd'), { fetch: ['b'], done: ['a', 'd'] }, 'skipping a file passes it');
    assert.equal(p.onRead('j', 'a'), undefined, 'a passed file is not re-planned');
    assert.equal(p.jobFor('other-job', 'b'), 'j', 'a reader without the job header still matches the plan');
  });
  it('takes a plan in parts: the head first, the rest appended', () => {
    const p = new PlanTracker(3, 1e9);
    assert.deepEqual(p.submit('j', 2, ['a', 'b'], [1, 1]).fetch, ['a', 'b']);
    assert.deepEqual(p.append('j', 2, ['c', 'd'], [1, 1]).fetch, ['c']);
    assert.deepEqual(p.onRead('j', 'a'), { fetch: ['d'], done: ['a'] });
    assert.deepEqual(p.append('j', 3, ['x'], [1]).fetch, ['x'], 'another epoch replaces the plan');
  });
  it('bounds the window by bytes too', () => {
    const p = new PlanTracker(10, 250);
    assert.deepEqual(p.submit('j', 0, ['a', 'b', 'c', 'd'], [100, 100, 100, 100]).fetch, ['a', 'b']);
  });
  it('counts a file of unknown size as one block until its fetch learns the size', () => {
    // Window of 10 files and 300 bytes, blocks of 100: three unsized files fill it.
    const p = new PlanTracker(10, 300, 100);
    const U = UNKNOWN_SIZE;
    assert.deepEqual(p.submit('j', 0, ['a', 'b', 'c', 'd', 'e'], [U, U, U, U, U]).fetch, ['a', 'b', 'c']);
    assert.deepEqual(p.learned('j', 'a', 10), { fetch: [], done: [], whole: true }, '210 bytes held: no room for another block');
    assert.deepEqual(p.learned('j', 'b', 0), { fetch: ['d'], done: [], whole: true }, 'a missing file frees its block of room');
    assert.equal(p.learned('j', 'x', 10), undefined, 'a file not in the plan');
  });
  it('fetches the rest of a big file only when the window has room for it, and the next file read always', () => {
    const p = new PlanTracker(10, 300, 100);
    const U = UNKNOWN_SIZE;
    assert.deepEqual(p.submit('j', 0, ['a', 'b', 'c', 'd'], [U, U, U, U]).fetch, ['a', 'b', 'c']);
    assert.deepEqual(p.learned('j', 'b', 250), { fetch: [], done: [], whole: false }, 'b waits: a and c hold the window');
    assert.deepEqual(p.learned('j', 'c', 50), { fetch: [], done: [], whole: true }, 'the files after b wait for it');
    assert.deepEqual(p.onRead('j', 'a'), { fetch: [], done: ['a'], rest: ['b'] }, 'b is next: its rest is fetched');
    assert.deepEqual(p.onRead('j', 'b'), { fetch: ['d'], done: ['b'] });
    assert.deepEqual(p.learned('j', 'd', 400), { fetch: [], done: [], whole: false });
    assert.deepEqual(p.onRead('j', 'c'), { fetch: [], done: ['c'], rest: ['d'] }, 'bigger than the whole window, fetched when next');
    assert.equal(p.learned('j', 'a', 5), undefined, 'a file already read is not fetched');
  });
});

describe('PrefetchQueue', () => {
  const task = (i: number, priority: number) => ({ key: `k${i}`, path: stat.path, stat, index: i, bytes: B, priority, reason: 'explicit' as const });
  it('serves higher priority first, FIFO within a priority, and dedupes', () => {
    const q = new PrefetchQueue(10);
    q.push(task(1, 0));
    q.push(task(2, 5));
    q.push(task(3, 0));
    assert.equal(q.push(task(2, 5)), false);
    assert.deepEqual([q.shift()!.key, q.shift()!.key, q.shift()!.key], ['k2', 'k1', 'k3']);
    assert.equal(q.shift(), undefined);
  });
  it('refuses a task when full instead of blocking (the engine counts it as dropped)', () => {
    const q = new PrefetchQueue(2);
    assert.ok(q.push(task(1, 0)));
    assert.ok(q.push(task(2, 0)));
    assert.equal(q.push(task(3, 9)), false);
    assert.equal(q.size, 2);
  });
});

describe('analyzeAccesses', () => {
  const row = (time: number, path: string, offset: number, length: number, job = 'j') => ({ time, job, path, offset, length, size: 1000 });
  it('measures sequentiality, frequency and sizes per file', () => {
    const rows = [row(0, 'd/seq', 0, 100), row(1000, 'd/seq', 100, 100), row(2000, 'd/seq', 200, 100), row(3000, 'd/seq', 300, 100), row(3000, 'd/seq', 400, 100)];
    const [dir, file] = analyzeAccesses(rows).sort((a, b) => Number(a.is_prefix) - Number(b.is_prefix)).reverse();
    assert.equal(file!.key, 'd/seq');
    assert.equal(file!.reads, 5);
    assert.equal(file!.sequentiality, 1);
    assert.equal(file!.reads_per_second, 5 / 3);
    assert.equal(file!.strategy, 'sequential-readahead');
    assert.equal(file!.size_histogram[0]!.count, 5);
    assert.equal(dir!.key, 'd/');
  });
  it('calls random reads random and an ordered directory walk next-file', () => {
    const rand = [0, 700, 100, 500, 300].map((o, i) => row(i, 'r', o, 50));
    assert.equal(analyzeAccesses(rand).find((p) => p.key === 'r')!.strategy, 'random');
    const walk = ['w/a', 'w/b', 'w/c', 'w/d'].map((p, i) => row(i, p, 0, 1000));
    const w = analyzeAccesses(walk).find((p) => p.key === 'w/')!;
    assert.equal(w.ordered_walk, true);
    assert.equal(w.strategy, 'next-file');
    assert.deepEqual(w.visit_order, ['w/a', 'w/b', 'w/c', 'w/d']);
  });
});

// The prefetch engine against the real daemon.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, eventually, pseudoRandomBytes, runCli } from '../helpers/daemon';
import type { TiercacheClient } from '../../src/client/client';

const MiB = 1024 * 1024;

interface Stats {
  memory: { hits: number; misses: number };
  backend_reads: number;
  prefetch: {
    prefetched_blocks: number;
    prefetch_hits: number;
    queue_depth: number;
    dropped_tasks: number;
    inflight_bytes: number;
    plan_files_unchecked: number;
  };
}
const stats = async (c: TiercacheClient) => (await c.stats('all')) as unknown as Stats;
const idle = async (c: TiercacheClient) => {
  const s = await stats(c);
  return s.prefetch.queue_depth === 0 && s.prefetch.inflight_bytes === 0 && s.prefetch.plan_files_unchecked === 0;
};

describe('prefetch engine', () => {
  const d = new TestDaemon({ flags: { 'block-size': '256KiB', 'memory-cache-size': '64MiB', 'plan-lookahead': '8', 'prefetch-queue-size': '64' } });
  let c: TiercacheClient;
  const big = pseudoRandomBytes(8 * MiB, 21);
  before(async () => {
    writeFileSync(join(d.backendDir, 'seq.bin'), big);
    writeFileSync(join(d.backendDir, 'rand.bin'), big);
    mkdirSync(join(d.backendDir, 'epoch'));
    for (let i = 0; i < 40; i++) writeFileSync(join(d.backendDir, 'epoch', `s${String(i).padStart(3, '0')}.bin`), pseudoRandomBytes(110_000, i + 1));
    mkdirSync(join(d.backendDir, 'plan2'));
    for (let i = 0; i < 20; i++) writeFileSync(join(d.backendDir, 'plan2', `p${i}.bin`), pseudoRandomBytes(50_000, 100 + i));
    mkdirSync(join(d.backendDir, 'warm', 'sub'), { recursive: true });
    for (let i = 0; i < 6; i++) writeFileSync(join(d.backendDir, 'warm', i < 3 ? '' : 'sub', `w${i}.bin`), pseudoRandomBytes(600_000, 50 + i));
    await d.start();
    c = d.client('test-job');
  });
  after(async () => {
    c.close();
    await d.cleanup();
  });

  it('reads ahead of a sequential reader, so its later reads hit', async () => {
    const chunk = 256 * 1024;
    for (let off = 0; off < 4 * chunk; off += chunk) assert.ok((await c.read('seq.bin', off, chunk)).equals(big.subarray(off, off + chunk)));
    await eventually(async () => (await stats(c)).prefetch.prefetched_blocks >= 8 && (await idle(c)), 10_000, 'readahead');
    const before = await stats(c);
    for (let off = 4 * chunk; off < 12 * chunk; off += chunk) assert.ok((await c.read('seq.bin', off, chunk)).equals(big.subarray(off, off + chunk)));
    const after = await stats(c);
    assert.equal(after.memory.hits - before.memory.hits, 8, 'every later read was a hit');
    assert.ok(after.prefetch.prefetch_hits >= 8);
  });

  it('does not read ahead of a random reader', async () => {
    const before = await stats(c);
    for (const blk of [20, 3, 27, 11, 6, 30, 14]) await c.read('rand.bin', blk * 256 * 1024, 4096);
    await eventually(() => idle(c), 5000, 'idle');
    const after = await stats(c);
    assert.equal(after.prefetch.prefetched_blocks, before.prefetch.prefetched_blocks);
    assert.equal(after.backend_reads - before.backend_reads, 7);
  });

  it('follows a submitted plan a bounded distance ahead, turning a random-order epoch into hits', async () => {
    const files = Array.from({ length: 40 }, (_, i) => `epoch/s${String(i).padStart(3, '0')}.bin`);
    let seed = 5;
    const order = [...files];
    for (let i = order.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const before = await stats(c);
    const res = await c.submitPlan('test-job', 1, order);
    // Answered once the head (plan-lookahead files) is checked; the other 32 are stat'ed in the background.
    assert.equal(res.files_accepted, 40);
    assert.equal(res.files_pending, 32);
    assert.equal(res.bytes_planned, 8 * 110_000);
    await eventually(() => idle(c), 10_000, 'plan prefetch');
    assert.equal((await stats(c)).backend_reads - before.backend_reads, 8, 'only plan-lookahead files are fetched ahead');
    let hits = 0;
    for (const f of order) {
      const h0 = (await stats(c)).memory.hits;
      const data = await c.read(f);
      assert.equal(data.length, 110_000);
      if ((await stats(c)).memory.hits > h0) hits++;
      await eventually(() => idle(c), 10_000, 'plan prefetch');
    }
    assert.equal(hits, 40, 'with the client waiting on nothing but itself, every read of the epoch hits');
  });

  it('checks a plan beyond its head in the background: a missing file is left out, the rest is fetched ahead of the reader', async () => {
    const order = Array.from({ length: 20 }, (_, i) => `plan2/p${(i * 7) % 20}.bin`);
    order.splice(12, 0, 'plan2/missing.bin');
    const before = await stats(c);
    const res = await c.submitPlan('test-job', 2, order);
    assert.equal(res.files_accepted, 8 + 13, 'the head of 8, all there, and 13 not checked yet');
    assert.equal(res.files_pending, 13);
    await eventually(() => idle(c), 10_000, 'plan checked and head fetched');
    let hits = 0;
    for (const f of order) {
      if (f === 'plan2/missing.bin') continue;
      const h0 = (await stats(c)).memory.hits;
      assert.equal((await c.read(f)).length, 50_000);
      if ((await stats(c)).memory.hits > h0) hits++;
      await eventually(() => idle(c), 10_000, 'plan prefetch');
    }
    assert.equal(hits, 20, 'files checked in the background were fetched ahead like the head');
    assert.equal((await stats(c)).backend_reads - before.backend_reads, 20, 'each file read from the backend once, the missing one never');
  });

  it('warms a prefix with streamed progress, and --check reports without fetching', async () => {
    const progress: Array<{ bytes_done: number; bytes_total: number; files_total: number; done: boolean }> = [];
    for await (const p of c.warmup('warm', { recursive: true })) progress.push(p as (typeof progress)[number]);
    const last = progress.at(-1)!;
    assert.equal(last.done, true);
    assert.equal(last.files_total, 6);
    assert.equal(last.bytes_done, 6 * 600_000);
    assert.equal(last.bytes_total, 6 * 600_000);
    const before = await stats(c);
    const r = await runCli(['warmup', 'warm', '--check', `--socket=${d.socket}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /3\.43 MiB of 3\.43 MiB cached \(100\.0%\), 6 of 6 files fully cached/);
    assert.equal((await stats(c)).backend_reads, before.backend_reads, '--check fetched nothing');
    const r2 = await runCli(['warmup', 'warm', '--no-recursive', '--check', `--socket=${d.socket}`]);
    assert.match(r2.stdout.toString(), /3 of 3 files fully cached/);
  });

  it('explains the access patterns it saw', async () => {
    const r = await runCli(['access-patterns', '--json', `--socket=${d.socket}`]);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout.toString()) as { patterns: Array<{ key: string; strategy: string; sequentiality: number }>; history_rows: number };
    assert.ok(res.history_rows > 0);
    const seq = res.patterns.find((p) => p.key === 'seq.bin');
    assert.equal(seq?.strategy, 'sequential-readahead');
    const table = await runCli(['access-patterns', 'epoch/', `--socket=${d.socket}`]);
    assert.match(table.stdout.toString(), /PATH\s+KIND\s+READS/);
  });
});

describe('prefetch back-pressure', () => {
  // A slow backend and a tiny queue: a big hint cannot drain as fast as it arrives.
  const d = new TestDaemon({
    flags: { 'block-size': '256KiB', 'prefetch-queue-size': '8', 'prefetch-max-inflight': '256KiB', 'prefetch-workers': '1' },
  });
  let c: TiercacheClient;
  before(async () => {
    writeFileSync(join(d.backendDir, 'seq.bin'), Buffer.alloc(MiB, 1));
    await d.start(['--emulate-backend-latency=20ms']);
    c = d.client();
  });
  after(async () => {
    c.close();
    await d.cleanup();
  });

  it('drops and counts prefetch work beyond its queue, and foreground reads still answer', async () => {
    mkdirSync(join(d.backendDir, 'flood'));
    const paths: string[] = [];
    for (let i = 0; i < 30; i++) {
      writeFileSync(join(d.backendDir, 'flood', `f${i}.bin`), Buffer.alloc(MiB, i));
      paths.push(`flood/f${i}.bin`);
    }
    const res = (await c.unary('Cache', 'Prefetch', { paths, ranges: [], priority: 1 })) as { blocks_queued: number; blocks_dropped: number };
    assert.ok(res.blocks_dropped > 0, 'a 120-block hint into a 64-task queue drops work');
    assert.equal((await c.read('seq.bin', 0, 1000)).length, 1000);
    assert.ok((await stats(c)).prefetch.dropped_tasks >= res.blocks_dropped);
    await eventually(() => idle(c), 20_000, 'flood drained');
  });

});

describe('warm-up larger than the cache', () => {
  // The whole memory tier as the job's fair share, so only the cache's size cuts the warm-up (fair-prefetch.test.ts covers the share).
  const d = new TestDaemon({ flags: { 'block-size': '256KiB', 'memory-cache-size': '4MiB', 'ssd-cache-size': '0', 'prefetch-max-share': '1' } });
  after(() => d.cleanup());

  it('says so up front and loads only what fits', async () => {
    mkdirSync(join(d.backendDir, 'huge'));
    for (let i = 0; i < 10; i++) writeFileSync(join(d.backendDir, 'huge', `h${i}.bin`), Buffer.alloc(MiB, i));
    await d.start();
    const r = await runCli(['warmup', 'huge', `--socket=${d.socket}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /huge holds 10\.0 MiB in 10 files, more than this node's cache \(4\.00 MiB\); warming the first 3 files/);
    const c = d.client();
    const before = (await c.stats('all')) as unknown as Stats;
    for (let i = 0; i < 3; i++) await c.read(`huge/h${i}.bin`, 0, MiB);
    const after = (await c.stats('all')) as unknown as Stats;
    assert.equal(after.memory.hits - before.memory.hits, 12, 'what was warmed is still cached: 12 blocks, 12 hits');
    c.close();
  });
});

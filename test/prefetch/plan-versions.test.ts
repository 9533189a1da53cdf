// What a plan costs the backend. Only its head is stat'ed (SubmitPlan's
// answer says what of it exists); every other planned file is checked by its
// own first fetch, so it costs one backend read and no stat, as reading it
// directly would: its size and version come from that read. A plan outlasting
// metadata-ttl fetches the versions it knows without asking again (the block
// read checks them); a file changed since is fetched at its new version, never
// served stale; a missing one is left out and counted; a file bigger than a
// block has the rest of its blocks fetched at the version its first one found.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon, eventually, failure, pseudoRandomBytes } from '../helpers/daemon';
import { metricsUrl, sampleValue, scrapeMetrics } from '../metrics/exposition';
import type { TiercacheClient } from '../../src/client/client';

/** The daemon's default: an epoch of any size outlasts it. */
const TTL_MS = 2000;
const FILES = 10;
const LOOKAHEAD = 2;

interface Stats {
  memory: { hits: number };
  prefetch: { queue_depth: number; inflight_bytes: number; plan_files_unchecked: number; plan_files_missing: number };
}

/** What each block below asks its daemon: stats, whether the plan's work is done, backend requests, an epoch read. */
function probes(d: TestDaemon, client: () => TiercacheClient) {
  const stats = async () => (await client().stats('all')) as unknown as Stats;
  const idle = async () => {
    const s = (await stats()).prefetch;
    return s.queue_depth === 0 && s.inflight_bytes === 0 && s.plan_files_unchecked === 0;
  };
  const backendRequests = async (op: 'stat' | 'read') =>
    sampleValue(await scrapeMetrics(metricsUrl(d.stderr)), 'tiercache_backend_requests_total', { op }) ?? NaN;
  /** Reads paths in order, each after the prefetch it started is done; returns how many were memory hits. */
  const readEpoch = async (paths: readonly string[], bytes: (p: string) => Buffer): Promise<number> => {
    let hits = 0;
    for (const p of paths) {
      const h0 = (await stats()).memory.hits;
      assert.ok((await client().read(p)).equals(bytes(p)), `bytes of ${p}`);
      if ((await stats()).memory.hits > h0) hits++;
      await eventually(idle, 10_000, 'plan prefetch');
    }
    return hits;
  };
  return { stats, idle, backendRequests, readEpoch };
}

describe('a plan read past metadata-ttl', () => {
  const d = new TestDaemon({
    flags: {
      'block-size': '256KiB',
      'metadata-ttl': `${TTL_MS}ms`,
      'plan-lookahead': String(LOOKAHEAD),
      watch: 'false',
      'metrics-listen': '127.0.0.1:0',
    },
  });
  let c: TiercacheClient;
  const { idle, backendRequests, readEpoch } = probes(d, () => c);
  const content = (dir: string, i: number) => pseudoRandomBytes(50_000, (dir === 'a' ? 300 : 400) + i);
  const order = (dir: string) => Array.from({ length: FILES }, (_, i) => `${dir}/f${(i * 3) % FILES}.bin`);

  before(async () => {
    for (const dir of ['a', 'b']) {
      mkdirSync(join(d.backendDir, dir));
      for (let i = 0; i < FILES; i++) writeFileSync(join(d.backendDir, dir, `f${i}.bin`), content(dir, i));
    }
    await d.start();
    c = d.client('plan-versions');
  });
  after(async () => {
    c?.close();
    await d.cleanup();
  });


  it('costs a planned file beyond the head one backend read and no stat', async () => {
    const paths = order('a');
    const stats0 = await backendRequests('stat');
    const reads0 = await backendRequests('read');
    await c.submitPlan('plan-versions', 1, paths);
    await eventually(idle, 10_000, 'head fetched');
    assert.equal((await backendRequests('stat')) - stats0, LOOKAHEAD, 'the head stat\'ed for the answer, no other file');
    assert.equal((await backendRequests('read')) - reads0, LOOKAHEAD, 'the head fetched');
    await sleep(TTL_MS + 200); // every version the head's check found is now past metadata-ttl
    const hits = await readEpoch(paths, (p) => content('a', Number(/f(\d+)/.exec(p)![1])));
    assert.equal(hits, FILES, 'every read of the epoch hits');
    assert.equal((await backendRequests('read')) - reads0, FILES, 'each file read from the backend once: beyond the head, that read was its check');
    // The head's files once more: fetched before the pause, their versions were re-checked when read.
    assert.equal((await backendRequests('stat')) - stats0, 2 * LOOKAHEAD, 'no stat of a file beyond the head');
  });

  it('fetches a file changed since the plan was checked at its new version', async () => {
    const paths = order('b');
    const changed = paths[5]!;
    const fresh = pseudoRandomBytes(60_000, 999);
    await c.submitPlan('plan-versions', 2, paths);
    await eventually(idle, 10_000, 'plan checked and head fetched');
    await sleep(TTL_MS + 200);
    writeFileSync(join(d.backendDir, changed), fresh);
    const hits = await readEpoch(paths, (p) => (p === changed ? fresh : content('b', Number(/f(\d+)/.exec(p)![1]))));
    assert.equal(hits, FILES, 'the changed file too was fetched ahead, at its new version');
  });
});

describe('a plan within metadata-ttl', () => {
  const d = new TestDaemon({
    flags: {
      'block-size': '256KiB',
      'metadata-ttl': '60s',
      'plan-lookahead': String(LOOKAHEAD),
      watch: 'false',
      'metrics-listen': '127.0.0.1:0',
    },
  });
  let c: TiercacheClient;
  const { stats, idle, backendRequests, readEpoch } = probes(d, () => c);
  const content = (dir: string, i: number) => pseudoRandomBytes(i === 7 ? 600_000 : 50_000, dir.charCodeAt(0) * 100 + i);
  const order = (dir: string) => Array.from({ length: FILES }, (_, i) => `${dir}/f${(i * 3) % FILES}.bin`);
  const expected = (p: string) => content(p[0]!, Number(/f(\d+)/.exec(p)![1]));

  before(async () => {
    for (const dir of ['c', 'd', 'e']) {
      mkdirSync(join(d.backendDir, dir));
      for (let i = 0; i < FILES; i++) writeFileSync(join(d.backendDir, dir, `f${i}.bin`), content(dir, i));
    }
    await d.start();
    c = d.client('plan-ttl');
  });
  after(async () => {
    c?.close();
    await d.cleanup();
  });


  it('leaves a missing planned file out: counted, the epoch unaffected, no stat for it', async () => {
    const paths = order('c');
    paths.splice(4, 0, 'c/missing.bin');
    const stats0 = await backendRequests('stat');
    const reads0 = await backendRequests('read');
    const missing0 = (await stats()).prefetch.plan_files_missing;
    const res = await c.submitPlan('plan-ttl', 1, paths);
    assert.equal(res.files_accepted, FILES + 1, 'beyond the head nothing is checked before its fetch');
    assert.equal(res.files_pending, FILES + 1 - LOOKAHEAD);
    await eventually(idle, 10_000, 'head fetched');
    const hits = await readEpoch(paths.filter((p) => p !== 'c/missing.bin'), expected);
    assert.equal(hits, FILES, 'every file there was fetched ahead');
    assert.equal((await stats()).prefetch.plan_files_missing - missing0, 1, 'the missing file found by its fetch, counted');
    assert.equal((await backendRequests('read')) - reads0, FILES + 3 - 1, 'each file read once (f7 in its 3 blocks)');
    assert.equal((await backendRequests('stat')) - stats0, LOOKAHEAD, 'only the head stat\'ed');
    const f = await failure(c.read('c/missing.bin'));
    assert.equal(f.code, 'NOT_FOUND', 'a reader of the missing file gets a clear error');
  });

  it('fetches a planned file rewritten between the plan and its fetch at its new version, by that fetch alone', async () => {
    const paths = order('d');
    const changed = paths[6]!;
    const fresh = pseudoRandomBytes(70_000, 4242);
    const stats0 = await backendRequests('stat');
    const reads0 = await backendRequests('read');
    await c.submitPlan('plan-ttl', 2, paths);
    await eventually(idle, 10_000, 'head fetched');
    writeFileSync(join(d.backendDir, changed), fresh);
    const hits = await readEpoch(paths, (p) => (p === changed ? fresh : expected(p)));
    assert.equal(hits, FILES, 'the rewritten file too was fetched ahead');
    assert.equal((await backendRequests('read')) - reads0, FILES + 3 - 1, 'each file read once, the rewritten one at its new version only');
    assert.equal((await backendRequests('stat')) - stats0, LOOKAHEAD, 'its fetch was its check');
  });

  it('fetches the rest of a file bigger than a block at the version its first block found', async () => {
    const paths = order('e');
    const big = 'e/f7.bin'; // 600,000 bytes: 3 blocks of 256 KiB, beyond the head
    assert.ok(paths.indexOf(big) >= LOOKAHEAD);
    const stats0 = await backendRequests('stat');
    const reads0 = await backendRequests('read');
    await c.submitPlan('plan-ttl', 3, paths);
    await eventually(idle, 10_000, 'head fetched');
    const hits = await readEpoch(paths, expected);
    assert.equal(hits, FILES, 'every read hits, the big file\'s whole range included');
    assert.equal((await backendRequests('read')) - reads0, FILES - 1 + 3, 'one read per block');
    assert.equal((await backendRequests('stat')) - stats0, LOOKAHEAD);
  });
});

describe('a plan over a slow backend', () => {
  // Every backend request takes LATENCY_MS: a fetch is still in flight when the client asks for its file.
  const LATENCY_MS = 1000;
  const d = new TestDaemon({
    flags: { 'block-size': '256KiB', 'metadata-ttl': '60s', 'plan-lookahead': String(LOOKAHEAD), watch: 'false', 'metrics-listen': '127.0.0.1:0' },
  });
  let c: TiercacheClient;
  const { stats, idle, backendRequests } = probes(d, () => c);
  const paths = ['g/a.bin', 'g/b.bin', 'g/c.bin', 'g/d.bin'];
  const expected = (p: string) => pseudoRandomBytes(40_000 + p.charCodeAt(2), p.charCodeAt(2));

  before(async () => {
    mkdirSync(join(d.backendDir, 'g'));
    for (const p of paths) writeFileSync(join(d.backendDir, p), expected(p));
    await d.start([`--emulate-backend-latency=${LATENCY_MS}ms`]);
    c = d.client('plan-slow');
  });
  after(async () => {
    c?.close();
    await d.cleanup();
  });

  it('answers a Stat of a planned file whose fetch is in flight from that fetch, without a stat of its own', async () => {
    await c.submitPlan('plan-slow', 1, paths);
    await eventually(idle, 10_000, 'head fetched');
    const stats0 = await backendRequests('stat');
    // Reading the first file moves the window: the third file's fetch starts, and takes LATENCY_MS.
    assert.ok((await c.read(paths[0]!)).equals(expected(paths[0]!)));
    assert.equal((await stats()).prefetch.plan_files_unchecked, 1, 'its fetch is in flight');
    const info = await c.stat(paths[2]!);
    assert.equal(Number(info.size), expected(paths[2]!).length);
    assert.equal((await backendRequests('stat')) - stats0, 0, 'the Stat waited on the fetch');
    await eventually(idle, 10_000, 'fetch done');
    const h0 = (await stats()).memory.hits;
    assert.ok((await c.read(paths[2]!)).equals(expected(paths[2]!)));
    assert.equal((await stats()).memory.hits - h0, 1, 'and the file was fetched');
  });
});

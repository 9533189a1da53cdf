// An epoch plan outlasting metadata-ttl: the versions its check found are
// fetched without asking the backend again (the block read checks them), and
// a file changed since is fetched at its new version, never served stale.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon, eventually, pseudoRandomBytes } from '../helpers/daemon';
import { metricsUrl, sampleValue, scrapeMetrics } from '../metrics/exposition';
import type { TiercacheClient } from '../../src/client/client';

/** The daemon's default: an epoch of any size outlasts it. */
const TTL_MS = 2000;
const FILES = 10;
const LOOKAHEAD = 2;

interface Stats {
  memory: { hits: number };
  prefetch: { queue_depth: number; inflight_bytes: number; plan_files_unchecked: number };
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
  const stats = async () => (await c.stats('all')) as unknown as Stats;
  const idle = async () => {
    const s = (await stats()).prefetch;
    return s.queue_depth === 0 && s.inflight_bytes === 0 && s.plan_files_unchecked === 0;
  };
  const backendRequests = async (op: 'stat' | 'read') =>
    sampleValue(await scrapeMetrics(metricsUrl(d.stderr)), 'tiercache_backend_requests_total', { op }) ?? NaN;
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

  /** Reads the plan's files in order, each after the prefetch it started is done; returns how many were memory hits. */
  async function readEpoch(paths: readonly string[], expected: (p: string) => Buffer): Promise<number> {
    let hits = 0;
    for (const p of paths) {
      const h0 = (await stats()).memory.hits;
      assert.ok((await c.read(p)).equals(expected(p)), `bytes of ${p}`);
      if ((await stats()).memory.hits > h0) hits++;
      await eventually(idle, 10_000, 'plan prefetch');
    }
    return hits;
  }

  it('asks the backend once per file for its version and once for its bytes', async () => {
    const paths = order('a');
    const stats0 = await backendRequests('stat');
    const reads0 = await backendRequests('read');
    await c.submitPlan('plan-versions', 1, paths);
    await eventually(idle, 10_000, 'plan checked and head fetched');
    await sleep(TTL_MS + 200); // every version the plan's check found is now past metadata-ttl
    const hits = await readEpoch(paths, (p) => content('a', Number(/f(\d+)/.exec(p)![1])));
    assert.equal(hits, FILES, 'every read of the epoch hits');
    assert.equal((await backendRequests('read')) - reads0, FILES, 'each file read from the backend once');
    // The plan's check, and the head's files once more: fetched before the pause, their versions were re-checked when read.
    assert.equal((await backendRequests('stat')) - stats0, FILES + LOOKAHEAD, 'no stat between the plan and the read of a file');
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

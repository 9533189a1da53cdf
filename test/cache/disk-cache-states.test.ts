// The SSD tier's health states, with the clock and statfs injected: a disk
// that keeps failing goes normal -> unstable -> down (skipped for a
// cool-down) and comes back, instead of failing reads; a full disk refuses
// blocks without counting as a failure.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskCache } from '../../src/cache/disk-cache';
import { SsdBudget } from '../../src/cache/ssd-budget';
import { blockKey, type BlockId } from '../../src/cache/types';
import { silentLogger } from '../../src/log';

const KiB = 1024;
const GiB = 1024 * 1024 * 1024;

describe('SSD tier states', () => {
  const dirs: string[] = [];
  const caches: DiskCache[] = [];
  after(() => {
    for (const c of caches) c.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A tier whose statfs the test controls: it throws while `failing`, and reports `free` bytes free of 10 GiB. */
  function tier() {
    const dir = mkdtempSync(join(tmpdir(), 'tc-ssd-'));
    dirs.push(dir);
    const disk = { failing: false, free: 9 * GiB, now: 1_000_000 };
    const budget = new SsdBudget({
      dir,
      capacityBytes: 1 * GiB,
      freeRatio: 0.1,
      now: () => disk.now,
      statfs: () => {
        if (disk.failing) throw Object.assign(new Error('EIO: i/o error, statfs'), { code: 'EIO' });
        return { free: disk.free, total: 10 * GiB };
      },
    });
    const cache = new DiskCache({ dir, budget, blockSize: 4 * KiB, logger: silentLogger, now: () => disk.now });
    caches.push(cache);
    let n = 0;
    const put = () => {
      const id: BlockId = { path: `f${n}`, version: 'v', index: 0 };
      n++;
      return cache.put(id, Buffer.alloc(4 * KiB, n), 'prefetch').then((ok) => ({ ok, key: blockKey(id) }));
    };
    return { cache, disk, put, budget };
  }

  it('goes unstable after 3 consecutive failures and down after 10, then serves again after the cool-down', async () => {
    const { cache, disk, put } = tier();
    assert.equal(cache.state, 'normal');
    disk.failing = true;
    for (let i = 0; i < 2; i++) assert.equal((await put()).ok, false);
    assert.equal(cache.state, 'normal', 'two failures are not a pattern');
    assert.equal((await put()).ok, false);
    assert.equal(cache.state, 'unstable');
    for (let i = 0; i < 7; i++) await put();
    assert.equal(cache.state, 'down');
    assert.equal(cache.snapshot().writeErrors, 10);
    // Down: blocks are not even tried (no statfs, no write errors counted).
    disk.failing = false;
    assert.equal((await put()).ok, false);
    assert.equal(cache.snapshot().writeErrors, 10);
    // After the 30 s cool-down it is tried again, still unstable until a write succeeds.
    disk.now += 30_001;
    assert.equal(cache.state, 'unstable');
    const r = await put();
    assert.equal(r.ok, true);
    assert.equal(cache.state, 'normal');
    assert.ok(await cache.get(r.key), 'the block written after recovery is served');
  });

  it('two puts of one block at once hold its bytes once, in the tier and in the SSD budget', async () => {
    const { cache, budget } = tier();
    const id: BlockId = { path: 'same', version: 'v', index: 0 };
    await Promise.all([cache.put(id, Buffer.alloc(4 * KiB, 1)), cache.put(id, Buffer.alloc(4 * KiB, 1))]);
    assert.equal(cache.snapshot().usedBytes, 4 * KiB);
    assert.deepEqual(budget.tenants(), [{ name: 'cache-blocks', usedBytes: 4 * KiB }]);
    cache.delete(blockKey(id));
    assert.equal(budget.usedBytes, 0);
  });

  it('refuses blocks on a disk below the free-space floor without calling it a failure', async () => {
    const { cache, disk, put } = tier();
    disk.free = 1 * GiB; // the floor is 10% of 10 GiB
    assert.equal((await put()).ok, false);
    assert.equal(cache.state, 'normal');
    assert.equal(cache.snapshot().writeErrors, 0);
    assert.equal(cache.snapshot().admissionsRejected, 1);
  });
});

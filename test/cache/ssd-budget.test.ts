// The SSD's space owner, with statfs and the clock injected: one ledger for
// cache blocks, checkpoint copies and staged checkpoint files, cache blocks
// giving way to checkpoint bytes, persisted copies going first, and a
// refusal (NO_SPACE) that the caller falls back on.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SsdBudget, SsdTenants, type SsdTenant } from '../../src/cache/ssd-budget';
import { ErrorCodes, hasCode } from '../../src/errors';

const MiB = 2 ** 20;

/** A disk the test controls: `free` bytes of `total`, statfs calls counted. */
function fakeDisk(free: number, total: number) {
  const disk = { free, total, now: 1_000_000, statfsCalls: 0, failing: false };
  const statfs = () => {
    disk.statfsCalls++;
    if (disk.failing) throw Object.assign(new Error('EIO: i/o error, statfs'), { code: 'EIO' });
    return { free: disk.free, total: disk.total };
  };
  return { disk, statfs, now: () => disk.now };
}

/** A tenant whose copies (or blocks) are a list of sizes, the first to go first. */
function withItems(budget: SsdBudget, name: (typeof SsdTenants)[keyof typeof SsdTenants], priority: boolean, items: number[], opts: { mayExceedSize?: boolean; minFreeBytes?: number } = {}) {
  const gone: number[] = [];
  const tenant: SsdTenant = budget.tenant(name, {
    priority,
    what: name,
    ...opts,
    giveBack: {
      bytes: () => items.reduce((a, b) => a + b, 0),
      free: (bytes) => {
        let freed = 0;
        while (freed < bytes && items.length > 0) {
          const size = items.shift()!;
          gone.push(size);
          freed += size;
          tenant.release(size);
        }
      },
    },
  });
  for (const size of items) tenant.adopt(size);
  return { tenant, gone, items };
}

describe('SSD space owner', () => {
  it('cache blocks give way to staged bytes; beyond the size, staging is refused and nothing is evicted for it', () => {
    const { statfs, now } = fakeDisk(10_000 * MiB, 20_000 * MiB);
    const budget = new SsdBudget({ dir: '/ssd', capacityBytes: 100 * MiB, freeRatio: 0, statfs, now });
    const blocks = withItems(budget, SsdTenants.CACHE_BLOCKS, false, [20 * MiB, 20 * MiB, 20 * MiB]);
    const staging = budget.tenant(SsdTenants.CHECKPOINT_MOUNT, { priority: true, what: 'a staged file', minFreeBytes: 64 * MiB });
    staging.reserve(30 * MiB);
    assert.equal(blocks.tenant.usedBytes, 60 * MiB, 'room enough: nothing evicted');
    staging.reserve(30 * MiB);
    assert.equal(blocks.tenant.usedBytes, 40 * MiB, 'the least recently used block gave way for the 20 MiB over');
    assert.deepEqual(blocks.gone, [20 * MiB]);
    assert.equal(staging.tryReserve(50 * MiB), false, 'only 40 MiB of blocks could give way');
    assert.equal(blocks.tenant.usedBytes, 40 * MiB, 'and none was evicted for a refusal');
    assert.throws(
      () => staging.reserve(50 * MiB),
      (err: Error) => hasCode(err, ErrorCodes.NO_SPACE) && /not enough space for a staged file: the SSD budget \(ssd-cache-size 104857600 bytes\)/.test(err.message),
    );
    staging.release(60 * MiB);
    assert.equal(staging.usedBytes, 0);
    assert.equal(budget.usedBytes, 40 * MiB);
    assert.deepEqual(budget.tenants(), [
      { name: 'cache-blocks', usedBytes: 40 * MiB },
      { name: 'checkpoint-mount', usedBytes: 0 },
    ]);
  });

  it('persisted copies go before any cache block, the asker’s own first; blocks never push out checkpoint bytes', () => {
    const { statfs, now } = fakeDisk(10_000 * MiB, 20_000 * MiB);
    const budget = new SsdBudget({ dir: '/ssd', capacityBytes: 100 * MiB, freeRatio: 0, statfs, now });
    const blocks = withItems(budget, SsdTenants.CACHE_BLOCKS, false, [10 * MiB, 10 * MiB, 10 * MiB]);
    const copies = withItems(budget, SsdTenants.CHECKPOINTS, true, [10 * MiB, 10 * MiB], { mayExceedSize: true, minFreeBytes: 0 });
    const staged = withItems(budget, SsdTenants.CHECKPOINT_MOUNT, true, [10 * MiB], { minFreeBytes: 0 });
    // 30 + 20 + 10 = 60 of 100 held; then 10 MiB staged that is not persisted yet (it cannot go).
    staged.tenant.reserve(10 * MiB);
    staged.tenant.reserve(40 * MiB);
    assert.deepEqual(staged.gone, [10 * MiB], 'the mount’s own persisted copy first');
    assert.deepEqual(copies.gone, [], 'that was enough');
    staged.tenant.reserve(25 * MiB);
    assert.deepEqual(copies.gone, [10 * MiB, 10 * MiB], 'then the checkpoint manager’s copies');
    assert.deepEqual(blocks.gone, [10 * MiB], 'then the least recently used blocks');
    // The blocks' share is what the checkpoint bytes leave; they cannot take more.
    assert.equal(staged.tenant.usedBytes, 75 * MiB);
    assert.equal(blocks.tenant.share(10 * MiB), 100 * MiB - 75 * MiB);
  });

  it('the block tier’s share: checkpoint copies give way first, then it is the size less what checkpoints hold', () => {
    const { statfs, now } = fakeDisk(10_000 * MiB, 20_000 * MiB);
    const budget = new SsdBudget({ dir: '/ssd', capacityBytes: 8 * MiB, freeRatio: 0, statfs, now });
    const blocks = withItems(budget, SsdTenants.CACHE_BLOCKS, false, [MiB, MiB, MiB, MiB]);
    const copies = withItems(budget, SsdTenants.CHECKPOINTS, true, [4 * MiB], { mayExceedSize: true });
    assert.equal(blocks.tenant.share(MiB), 8 * MiB, 'the persisted 4 MiB copy made room');
    assert.deepEqual(copies.gone, [4 * MiB]);
    assert.deepEqual(blocks.gone, [], 'no block was evicted');
  });

  it('a disk about to fill refuses staging inside the budget, down to its minimum of free bytes', () => {
    const { statfs, now } = fakeDisk(64 * MiB + 10 * MiB, 100_000 * MiB);
    const budget = new SsdBudget({ dir: '/ssd', capacityBytes: 1000 * MiB, freeRatio: 0, statfs, now });
    const staging = budget.tenant(SsdTenants.CHECKPOINT_MOUNT, { priority: true, what: 'a staged file', minFreeBytes: 64 * MiB });
    assert.equal(staging.tryReserve(5 * MiB), true);
    assert.equal(staging.tryReserve(20 * MiB), false);
  });

  it('under the free-space floor, persisted checkpoint copies go oldest first until it holds again', () => {
    const { statfs, now } = fakeDisk(200, 1000);
    const budget = new SsdBudget({ dir: '/x', capacityBytes: 10_000, freeRatio: 0.1, statfs, now });
    const copies = withItems(budget, SsdTenants.CHECKPOINTS, true, [50, 50, 50], { mayExceedSize: true, minFreeBytes: 0 });
    copies.tenant.reserve(40);
    assert.deepEqual(copies.gone, [], 'over the floor: nothing to do');
    copies.tenant.reserve(200);
    assert.deepEqual(copies.gone, [50, 50], 'floor 100: 200 + 50 + 50 - 200 >= 100 after two');
  });

  it('a save the disk cannot take fails with NO_SPACE and a message naming the room', () => {
    const { statfs, now } = fakeDisk(10, 1000);
    const budget = new SsdBudget({ dir: '/ssd/checkpoints', capacityBytes: 10_000, freeRatio: 0.1, statfs, now });
    const copies = budget.tenant(SsdTenants.CHECKPOINTS, { priority: true, mayExceedSize: true, minFreeBytes: 0, what: 'the checkpoint' });
    assert.throws(
      () => copies.reserve(1000),
      (err: Error) => {
        assert.ok(hasCode(err, ErrorCodes.NO_SPACE), String(err));
        assert.match(err.message, /not enough space for the checkpoint in \/ssd\/checkpoints: 10 bytes free, 1000 more needed/);
        return true;
      },
    );
    assert.equal(copies.usedBytes, 0);
  });

  it('a save may pass the size when it has nowhere else to go; the cache gives way as far as it can', () => {
    const { statfs, now } = fakeDisk(1000 * MiB, 2000 * MiB);
    const budget = new SsdBudget({ dir: '/ssd', capacityBytes: 10 * MiB, freeRatio: 0, statfs, now });
    const blocks = withItems(budget, SsdTenants.CACHE_BLOCKS, false, [4 * MiB, 4 * MiB]);
    const copies = budget.tenant(SsdTenants.CHECKPOINTS, { priority: true, mayExceedSize: true, minFreeBytes: 0, what: 'the checkpoint' });
    copies.reserve(16 * MiB);
    assert.equal(blocks.tenant.usedBytes, 0);
    assert.equal(budget.usedBytes, 16 * MiB);
  });

  it('cache blocks under the floor: copies, then the least recently used blocks go; a block that cannot fit evicts nothing', () => {
    const { disk, statfs, now } = fakeDisk(1100, 10_000);
    const budget = new SsdBudget({ dir: '/ssd', capacityBytes: 100_000, freeRatio: 0.1, statfs, now });
    const blocks = withItems(budget, SsdTenants.CACHE_BLOCKS, false, [100, 100, 100]);
    const copies = withItems(budget, SsdTenants.CHECKPOINTS, true, [100], { mayExceedSize: true, minFreeBytes: 0 });
    // Floor 1000; 1100 free: a 250-byte block needs 150 back.
    blocks.tenant.reserve(250);
    assert.deepEqual(copies.gone, [100]);
    assert.deepEqual(blocks.gone, [100]);
    disk.free = 500;
    disk.now += 1000;
    assert.equal(blocks.tenant.tryReserve(100), false, 'even every block would not bring the disk over its floor');
    assert.deepEqual(blocks.gone, [100], 'so none went for it');
  });

  it('asks statfs at most once a second and per 32 MiB reserved', () => {
    const { disk, statfs, now } = fakeDisk(10_000 * MiB, 20_000 * MiB);
    const budget = new SsdBudget({ dir: '/ssd', capacityBytes: 100_000 * MiB, freeRatio: 0.1, statfs, now });
    const blocks = budget.tenant(SsdTenants.CACHE_BLOCKS, { priority: false, what: 'a cache block' });
    for (let i = 0; i < 7; i++) blocks.reserve(4 * MiB);
    assert.equal(disk.statfsCalls, 1, '28 MiB in the same second: one statfs');
    blocks.reserve(4 * MiB);
    assert.equal(disk.statfsCalls, 2, 'the 32nd MiB asks again');
    disk.now += 1000;
    blocks.reserve(MiB);
    assert.equal(disk.statfsCalls, 3, 'a second later: asked again');
  });

  it('decides a refusal on a fresh answer; in between, takes what was reserved off the last one', () => {
    // Floor: 10% of 20000 MiB = 2000 MiB.
    const { disk, statfs, now } = fakeDisk(2010 * MiB, 20_000 * MiB);
    const budget = new SsdBudget({ dir: '/ssd', capacityBytes: 100_000 * MiB, freeRatio: 0.1, statfs, now });
    const blocks = budget.tenant(SsdTenants.CACHE_BLOCKS, { priority: false, what: 'a cache block' });
    blocks.reserve(4 * MiB);
    assert.equal(disk.statfsCalls, 1);
    // Freed from outside: the estimate (2006 MiB) says no to 8 MiB more, the fresh answer yes.
    disk.free = 3000 * MiB;
    assert.equal(blocks.tryReserve(8 * MiB), true);
    assert.equal(disk.statfsCalls, 2);
    // Filled from outside: trusted for the rest of the second, then refused on the fresh answer.
    disk.free = 1000 * MiB;
    assert.equal(blocks.tryReserve(MiB), true);
    assert.equal(disk.statfsCalls, 2);
    disk.now += 1000;
    assert.equal(blocks.tryReserve(MiB), false);
    assert.equal(disk.statfsCalls, 3);
    assert.equal(blocks.usedBytes, 13 * MiB);
  });

  it('a failing statfs is an error, not NO_SPACE, and is asked again next time', () => {
    const { disk, statfs, now } = fakeDisk(10_000 * MiB, 20_000 * MiB);
    const budget = new SsdBudget({ dir: '/ssd', capacityBytes: 100_000 * MiB, freeRatio: 0.1, statfs, now });
    const blocks = budget.tenant(SsdTenants.CACHE_BLOCKS, { priority: false, what: 'a cache block' });
    disk.failing = true;
    assert.throws(() => blocks.tryReserve(MiB), { code: 'EIO' });
    disk.failing = false;
    assert.equal(blocks.tryReserve(MiB), true);
    assert.equal(disk.statfsCalls, 2);
    assert.equal(blocks.usedBytes, MiB);
  });

  it('a tenant registers once and releases no more than it holds', () => {
    const { statfs, now } = fakeDisk(10_000 * MiB, 20_000 * MiB);
    const budget = new SsdBudget({ dir: '/ssd', capacityBytes: 100 * MiB, freeRatio: 0, statfs, now });
    const a = budget.tenant(SsdTenants.CHECKPOINTS, { priority: true, what: 'the checkpoint' });
    assert.throws(() => budget.tenant(SsdTenants.CHECKPOINTS, { priority: true, what: 'x' }), /registered twice/);
    const b = budget.tenant(SsdTenants.CACHE_BLOCKS, { priority: false, what: 'a cache block' });
    b.adopt(10);
    a.release(5);
    assert.equal(a.usedBytes, 0);
    assert.equal(budget.usedBytes, 10);
    assert.throws(() => a.reserve(-1), RangeError);
  });
});

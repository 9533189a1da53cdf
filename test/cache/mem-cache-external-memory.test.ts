// The memory tier hides the bytes of the blocks it holds from V8's
// external-memory GC trigger and gives them back when they leave, by every
// way out (eviction, TTL, delete, clear): the hidden total is always what the
// tier holds (each backing store counted once, never more than the budget)
// and 0 once cleared. With the real addon, V8's own count moves by exactly
// those bytes, and blocks the tier dropped are still collected: far more
// data than the budget streams through and memory stays bounded.
// Without the addon (the fs path) the tier works as before, hiding nothing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { MemCache } from '../../src/cache/mem-cache';
import { nativeIo } from '../../src/native/native-io';

const KiB = 1024;
const MiB = 1024 * KiB;
const io = nativeIo();
const CI = process.env['CI'] === 'true';

/** A fake V8 counter: what was hidden is minus the sum of the changes. */
function fakeCounter(): { adjust: (change: number) => void; hidden: () => number; calls: () => number } {
  let sum = 0;
  let calls = 0;
  return {
    adjust: (change) => {
      sum += change;
      calls++;
    },
    hidden: () => 0 - sum,
    calls: () => calls,
  };
}

/** What the invariant says is hidden for these held blocks: per distinct store, min(byteLength, bytes held on it). */
function expectedHidden(blocks: Iterable<Buffer>): number {
  const held = new Map<ArrayBufferLike, number>();
  for (const b of blocks) if (b.length > 0) held.set(b.buffer, (held.get(b.buffer) ?? 0) + b.length);
  let total = 0;
  for (const [store, bytes] of held) total += Math.min(store.byteLength, bytes);
  return total;
}

describe('memory tier: held blocks hidden from V8 (fake counter)', () => {
  it('hides each block admitted and gives it back on eviction, TTL, delete, sweep and clear', () => {
    const c = fakeCounter();
    let clock = 0;
    const mem = new MemCache({ capacityBytes: 4000, blockSize: 1000, ttlMs: 100, now: () => clock, adjustExternalMemory: c.adjust });
    const block = (): Buffer => Buffer.allocUnsafeSlow(1000);
    for (const k of ['a', 'b', 'c']) assert.ok(mem.put(k, block()));
    assert.equal(c.hidden(), 3000);
    assert.ok(mem.delete('a'));
    assert.equal(c.hidden(), 2000, 'delete gives the block back');
    for (const k of ['d', 'e', 'f', 'g']) assert.ok(mem.put(k, block(), 'prefetch', { force: true }));
    assert.equal(mem.snapshot().evictions, 2);
    assert.equal(c.hidden(), 4000, 'evicted blocks given back: hidden is the budget, not more');
    clock = 101;
    assert.equal(mem.get('d'), undefined, 'past its TTL');
    assert.equal(c.hidden(), 3000, 'a block dropped on a lookup past its TTL is given back');
    assert.equal(mem.sweep(), 3);
    assert.equal(c.hidden(), 0, 'the sweep gives back what it drops');
    mem.put('h', block());
    mem.put('i', block());
    const calls = c.calls();
    mem.clear();
    assert.equal(c.hidden(), 0, 'clear gives everything back');
    assert.equal(c.calls(), calls + 1, 'in one call, not one per block');
    assert.equal(mem.snapshot().blocks, 0);
    assert.equal(mem.hiddenBytes, 0);
  });

  it('never hides one backing store twice: the same Buffer under two keys, overlapping views, a key put again', () => {
    const c = fakeCounter();
    const mem = new MemCache({ capacityBytes: 1 * MiB, blockSize: 4 * KiB, ttlMs: 0, adjustExternalMemory: c.adjust });
    const whole = Buffer.allocUnsafeSlow(4 * KiB);
    mem.put('x', whole);
    mem.put('x', whole);
    assert.equal(c.hidden(), 4 * KiB, 'a key put again is held once');
    mem.put('y', whole);
    assert.equal(c.hidden(), 4 * KiB, 'the same store under a second key is hidden once');
    mem.put('half', whole.subarray(0, 2 * KiB));
    assert.equal(c.hidden(), 4 * KiB, 'an overlapping view adds nothing past the store');
    mem.delete('x');
    mem.delete('y');
    assert.equal(c.hidden(), 2 * KiB, 'the view still held keeps its own bytes hidden');
    mem.delete('half');
    assert.equal(c.hidden(), 0);

    const store = Buffer.allocUnsafeSlow(4 * KiB);
    mem.put('lo', store.subarray(0, 2 * KiB));
    mem.put('hi', store.subarray(2 * KiB));
    assert.equal(c.hidden(), 4 * KiB, 'two halves of one store: its bytes, once');
    mem.put('short', Buffer.allocUnsafeSlow(64 * KiB).subarray(0, 100));
    assert.equal(c.hidden(), 4 * KiB + 100, 'a short read in a larger buffer hides only the block, not the store');
    mem.put('empty', Buffer.alloc(0));
    assert.equal(c.hidden(), 4 * KiB + 100);
    mem.clear();
    assert.equal(c.hidden(), 0);
  });

  it('keeps hidden = the blocks held (each store once) <= used <= budget through random puts, evictions, TTL and deletes', () => {
    const c = fakeCounter();
    let clock = 0;
    // Mirrors the tier: put adds, onEvict (victims, TTL) and delete remove.
    const model = new Map<string, Buffer>();
    const mem = new MemCache({
      capacityBytes: 64 * KiB,
      blockSize: 4 * KiB,
      ttlMs: 50,
      now: () => clock,
      adjustExternalMemory: c.adjust,
      events: { onEvict: (_tier, key) => assert.ok(model.delete(key), `evicted ${key} was held`) },
    });
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const stores = Array.from({ length: 6 }, () => Buffer.allocUnsafeSlow(8 * KiB));
    const recent: Buffer[] = [];
    for (let step = 0; step < 3000; step++) {
      const op = rand(10);
      const key = `k${rand(40)}`;
      if (op < 6) {
        let data: Buffer;
        const shape = rand(4);
        if (shape === 0) data = Buffer.allocUnsafeSlow(1 + rand(6 * KiB));
        else if (shape === 1 && recent.length > 0) data = recent[rand(recent.length)]!;
        else {
          const s = stores[rand(stores.length)]!;
          const from = rand(s.length);
          data = s.subarray(from, from + 1 + rand(s.length - from));
        }
        recent.push(data);
        if (recent.length > 8) recent.shift();
        const had = mem.has(key);
        if (mem.put(key, data, rand(2) === 0 ? 'read' : 'prefetch', { force: rand(2) === 0 }) && !had) model.set(key, data);
      } else if (op < 8) {
        assert.equal(mem.delete(key), model.delete(key));
      } else if (op === 8) {
        clock += rand(30);
        mem.get(key);
      } else {
        mem.sweep();
      }
      assert.deepEqual(new Set(mem.keys()), new Set(model.keys()), `step ${step}: the model mirrors the tier`);
      assert.equal(c.hidden(), expectedHidden(model.values()), `step ${step}: hidden is what the tier holds`);
      assert.equal(mem.hiddenBytes, c.hidden());
      assert.ok(c.hidden() <= mem.snapshot().usedBytes && mem.snapshot().usedBytes <= 64 * KiB, `step ${step}: within the budget`);
    }
    mem.clear();
    assert.equal(c.hidden(), 0);
  });

  it('without a counter (no addon: the fs path) the tier holds, serves and evicts as before, hiding nothing', () => {
    const mem = new MemCache({ capacityBytes: 2000, blockSize: 1000, ttlMs: 0 });
    const a = Buffer.from('a'.repeat(1000));
    assert.ok(mem.put('a', a));
    assert.ok(mem.put('b', Buffer.alloc(1000)));
    assert.ok(mem.put('c', Buffer.alloc(1000), 'prefetch', { force: true }));
    assert.equal(mem.get('a'), undefined, 'the LRU block was evicted');
    assert.equal(mem.snapshot().evictions, 1);
    assert.equal(mem.hiddenBytes, 0);
    mem.clear();
    assert.equal(mem.snapshot().blocks, 0);
  });
});

if (!io && CI) {
  describe('memory tier: held blocks hidden from V8 (native addon)', () => {
    it('has the addon (npm install runs hack/build-fuse-addon.js; it needs a C compiler)', () => {
      assert.fail('build/Release/tiercache_io.node is missing');
    });
  });
}

describe('memory tier: held blocks hidden from V8 (native addon)', { skip: io ? false : 'the addon is not built' }, () => {
  const adjust = (change: number): number => io!.adjustExternalMemory(change);

  it("moves V8's external memory count by exactly the bytes held, and back when they leave", () => {
    const mem = new MemCache({ capacityBytes: 64 * MiB, blockSize: MiB, ttlMs: 0, adjustExternalMemory: adjust });
    const blocks = Array.from({ length: 8 }, () => Buffer.allocUnsafeSlow(MiB));
    const base = adjust(0);
    blocks.forEach((b, i) => mem.put(`b${i}`, b));
    mem.put('again', blocks[0]!);
    assert.equal(adjust(0), base - 8 * MiB, 'eight blocks held, each hidden once');
    mem.delete('b1');
    mem.delete('b2');
    assert.equal(adjust(0), base - 6 * MiB);
    mem.clear();
    assert.equal(adjust(0), base, 'cleared: all given back');
    assert.throws(() => io!.adjustExternalMemory('x' as unknown as number), /bytes must be a number/);
  });

  it('still lets V8 collect dropped blocks: 16x the budget streams through and memory stays bounded', async () => {
    const budget = 32 * MiB;
    const streamed = 16 * budget;
    const mem = new MemCache({ capacityBytes: budget, blockSize: MiB, ttlMs: 0, adjustExternalMemory: adjust });
    const start = process.memoryUsage();
    let peakExternal = 0;
    let peakRss = 0;
    for (let i = 0; i < streamed / MiB; i++) {
      // Filled, so its pages are really resident.
      const block = Buffer.allocUnsafeSlow(MiB).fill(i & 0xff);
      mem.put(`s${i}`, block, 'prefetch', { force: true });
      if (i % 8 === 7) {
        await yieldLoop();
        const m = process.memoryUsage();
        peakExternal = Math.max(peakExternal, m.external - start.external);
        peakRss = Math.max(peakRss, m.rss - start.rss);
      }
    }
    assert.equal(mem.snapshot().usedBytes, budget);
    assert.equal(mem.hiddenBytes, budget, 'what the tier holds stays hidden');
    // V8 collects every ~64 MiB of growth past its limit; without the blocks given back it would not collect at all (streamed bytes).
    const bound = budget + 192 * MiB;
    const mb = (n: number): string => `${(n / MiB).toFixed(0)} MiB`;
    assert.ok(peakExternal < bound, `external memory grew by ${mb(peakExternal)} while ${mb(streamed)} streamed through a ${mb(budget)} tier`);
    assert.ok(peakRss < bound, `RSS grew by ${mb(peakRss)} while ${mb(streamed)} streamed through a ${mb(budget)} tier`);
    mem.clear();
    assert.equal(mem.hiddenBytes, 0);
  });
});

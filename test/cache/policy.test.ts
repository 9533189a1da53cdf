// The admission policy, on cases small enough to work out by hand, and on the
// two workload shapes it was designed for.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdmissionPolicy, LruPolicy } from '../../src/cache/policy';
import { FrequencySketch } from '../../src/cache/frequency-sketch';
import { SingleFlight } from '../../src/cache/single-flight';
import { lookUp, seededRandom, shuffled, zipfSampler } from '../helpers/workloads';

/** Every key hashes to its own numeric suffix: counters are then exact. */
const exactHash = (key: string, seed: number) => Number(key.slice(1)) * 4 + seed;

describe('FrequencySketch', () => {
  it('counts exactly without collisions and halves on aging', () => {
    const s = new FrequencySketch(16, exactHash);
    for (let i = 0; i < 5; i++) s.increment('k1');
    s.increment('k2');
    assert.equal(s.frequency('k1'), 5);
    assert.equal(s.frequency('k2'), 1);
    assert.equal(s.frequency('k3'), 0);
    s.age();
    assert.equal(s.frequency('k1'), 2);
    assert.equal(s.frequency('k2'), 0);
  });
});

describe('AdmissionPolicy', () => {
  it('admits freely while there is room', () => {
    const p = new AdmissionPolicy({ capacityBytes: 3, typicalEntryBytes: 1, hash: exactHash });
    for (const k of ['k1', 'k2', 'k3']) assert.equal(lookUp(p, k), false);
    assert.deepEqual([...p.lruKeys()], ['k1', 'k2', 'k3']);
  });

  it('keeps a newcomer out unless it beats the LRU victim by more than the margin', () => {
    const p = new AdmissionPolicy({ capacityBytes: 2, typicalEntryBytes: 1, hash: exactHash });
    lookUp(p, 'k1');
    lookUp(p, 'k2');
    // k3 seen once: frequency 1 vs victim k1 at 1 -> rejected.
    lookUp(p, 'k3');
    assert.equal(p.has('k3'), false);
    // Second sight: 2 vs 1, not more than 1 + margin(1) -> rejected.
    lookUp(p, 'k3');
    assert.equal(p.has('k3'), false);
    // Third: 3 > 1 + 1 -> admitted over k1 (the LRU entry).
    lookUp(p, 'k3');
    assert.equal(p.has('k3'), true);
    assert.equal(p.has('k1'), false);
    assert.equal(p.has('k2'), true);
  });

  it('never evicts protected keys', () => {
    const p = new AdmissionPolicy({ capacityBytes: 1, typicalEntryBytes: 1, hash: exactHash });
    lookUp(p, 'k1');
    p.protect('k1', true);
    for (let i = 0; i < 10; i++) lookUp(p, 'k2');
    assert.equal(p.has('k1'), true);
    assert.equal(p.has('k2'), false);
  });

  it('refuses entries larger than the whole tier', () => {
    const p = new AdmissionPolicy({ capacityBytes: 10, typicalEntryBytes: 1 });
    assert.equal(p.admit('k1', 11), null);
  });

  for (const f of [0.5, 0.35]) {
    it(`reaches >= 0.97 f on reshuffled epochs (f = ${f}) where LRU thrashes`, () => {
      const cap = 400;
      const items = Array.from({ length: Math.round(cap / f) }, (_, i) => `b${i}`);
      const adm = new AdmissionPolicy({ capacityBytes: cap, typicalEntryBytes: 1 });
      const lru = new LruPolicy({ capacityBytes: cap, typicalEntryBytes: 1 });
      const r = seededRandom(42);
      let admHits = 0;
      let lruHits = 0;
      let steadyAccesses = 0;
      for (let epoch = 0; epoch < 6; epoch++) {
        const order = shuffled(items, r);
        for (const k of order) {
          const a = lookUp(adm, k);
          const l = lookUp(lru, k);
          if (epoch >= 2) {
            steadyAccesses++;
            if (a) admHits++;
            if (l) lruHits++;
          }
        }
      }
      const admRatio = admHits / steadyAccesses;
      const lruRatio = lruHits / steadyAccesses;
      assert.ok(admRatio >= 0.97 * f, `hit ratio ${admRatio.toFixed(3)} < 0.97 * ${f}`);
      const lruTheory = f + (1 - f) * Math.log(1 - f);
      assert.ok(Math.abs(lruRatio - lruTheory) < 0.05, `LRU ${lruRatio.toFixed(3)} vs theory ${lruTheory.toFixed(3)}`);
    });
  }

  it('does at least as well as LRU on a Zipf workload', () => {
    const n = 5000;
    const draw = zipfSampler(n, 0.9, seededRandom(7));
    const adm = new AdmissionPolicy({ capacityBytes: 250, typicalEntryBytes: 1 });
    const lru = new LruPolicy({ capacityBytes: 250, typicalEntryBytes: 1 });
    let a = 0;
    let l = 0;
    for (let i = 0; i < 60_000; i++) {
      const k = `z${draw()}`;
      if (lookUp(adm, k)) a++;
      if (lookUp(lru, k)) l++;
    }
    assert.ok(a >= l, `admission ${a} hits < LRU ${l}`);
  });

  it('lets a new dataset displace a finished one within a few epochs', () => {
    const cap = 200;
    const p = new AdmissionPolicy({ capacityBytes: cap, typicalEntryBytes: 1 });
    const r = seededRandom(3);
    const a = Array.from({ length: 400 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 400 }, (_, i) => `b${i}`);
    for (let e = 0; e < 5; e++) for (const k of shuffled(a, r)) lookUp(p, k);
    let hits = 0;
    for (let e = 0; e < 6; e++) {
      hits = 0;
      for (const k of shuffled(b, r)) if (lookUp(p, k)) hits++;
    }
    assert.ok(hits / b.length >= 0.45, `new dataset hit ratio ${hits / b.length}`);
  });
});

describe('SingleFlight', () => {
  it('runs one load for concurrent callers and counts the rest as deduped', async () => {
    const sf = new SingleFlight<number>();
    let calls = 0;
    let release!: (v: number) => void;
    const load = () => {
      calls++;
      return new Promise<number>((r) => (release = r));
    };
    const ps = Array.from({ length: 5 }, () => sf.do('k', load));
    release(42);
    assert.deepEqual(await Promise.all(ps), [42, 42, 42, 42, 42]);
    assert.equal(calls, 1);
    assert.equal(sf.deduped, 4);
    assert.equal(sf.size, 0);
    await sf.do('k', async () => 1);
    assert.equal(calls, 1, 'a finished flight does not linger');
  });
});

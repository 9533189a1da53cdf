import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FairShare } from '../../src/prefetch/fair-share';

describe('FairShare', () => {
  it('bounds each job to its share, apart from other jobs, and gives bytes back on release', () => {
    const f = new FairShare(10);
    assert.equal(f.take('a', 'k1', 4), true);
    assert.equal(f.take('a', 'k2', 4), true);
    assert.equal(f.take('a', 'k3', 4), false); // 12 > 10
    assert.equal(f.take('b', 'k3', 4), true); // b has its own share
    assert.equal(f.take('a', 'k1', 4), true); // already held: not counted twice
    assert.equal(f.held('a'), 8);
    f.release('k1');
    assert.equal(f.held('a'), 4);
    assert.equal(f.take('a', 'k4', 6), true);
    assert.equal(f.held('a'), 10);
    f.release('k2');
    f.release('k4');
    f.release('nope');
    assert.equal(f.held('a'), 0);
    assert.equal(f.held('b'), 4);
  });
});

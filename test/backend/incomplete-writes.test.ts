// Which leftovers of interrupted writes a daemon removes on a shared backend:
// its own at once, another writer's only once unchanged for the min age.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStaleTmp, isStaleUpload, tmpName, writerTag } from '../../src/backend/incomplete-writes';

const HOUR = 3600_000;
const NOW = 10 * HOUR;

describe('leftovers of interrupted writes', () => {
  const me = { writerTag: writerTag('gpu-node-7', '/var/lib/tiercache'), minAgeMs: HOUR };

  it('tags a writer by node name and state directory, never with a "-", the same across restarts', () => {
    assert.match(me.writerTag, /^gpu_node_7\.[0-9a-f]{8}$/);
    assert.equal(writerTag('gpu-node-7', '/var/lib/tiercache'), me.writerTag);
    assert.notEqual(writerTag('gpu-node-7', '/tmp/other-state'), me.writerTag, 'two daemons on one host are two writers');
    assert.notEqual(writerTag('gpu-node-8', '/var/lib/tiercache'), me.writerTag);
    assert.match(writerTag('../../x y', '/s'), /^\.\._\.\._x_y\.[0-9a-f]{8}$/);
    assert.equal(tmpName(me, 'data', 'ab12cd34'), `.tmp-${me.writerTag}-data-ab12cd34`);
  });

  it('removes its own temporary files at once, another writer\'s only once unchanged for the min age', () => {
    const mine = tmpName(me, 'data', '00000001');
    const other = tmpName({ writerTag: writerTag('gpu-node-8', '/var/lib/tiercache'), minAgeMs: HOUR }, 'data', '00000002');
    assert.equal(isStaleTmp(mine, NOW - 1000, NOW, me), true, 'own, a second old: a leftover of this daemon\'s last run');
    assert.equal(isStaleTmp(other, NOW - 1000, NOW, me), false, 'another node\'s, written a second ago: in flight');
    assert.equal(isStaleTmp(other, NOW - HOUR + 1, NOW, me), false);
    assert.equal(isStaleTmp(other, NOW - HOUR, NOW, me), true);
    assert.equal(isStaleTmp('.tmp-data-1a2b3c4d', NOW - 2 * HOUR, NOW, me), true, 'an untagged name of an older version, by age');
    assert.equal(isStaleTmp('.tmp-data-1a2b3c4d', NOW - 60_000, NOW, me), false);
    assert.equal(isStaleTmp('data', NOW - 2 * HOUR, NOW, me), false, 'not a temporary file');
    // A tag that starts like this writer's is still another writer.
    assert.equal(isStaleTmp(`.tmp-${me.writerTag}x-data-1`, NOW, NOW, me), false);
  });

  it('aborts multipart uploads started the min age ago or more, keeps those it cannot date', () => {
    assert.equal(isStaleUpload(NOW - 2 * HOUR, NOW, me), true);
    assert.equal(isStaleUpload(NOW - 60_000, NOW, me), false);
    assert.equal(isStaleUpload(undefined, NOW, me), false);
    assert.equal(isStaleUpload(NOW, NOW, { writerTag: 'x', minAgeMs: 0 }), true, 'min age 0: a backend of one writer');
  });
});

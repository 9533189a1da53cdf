// The checkpoint directory's pure parts: journal replay and path checks (its SSD
// budget share is the SSD's space owner's, tested in test/cache/ssd-budget.test.ts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseJournal, replay } from '../../src/checkpoint-fs/journal';
import { checkMountPath } from '../../src/checkpoint-fs/names';
import { waitPath } from '../../src/cli/checkpoint-wait-command';

describe('persist journal replay', () => {
  it('leaves the ops not marked done, in order; a torn last line is ignored', () => {
    const text =
      [
        { op: 'open', file: 1, path: 'a' },
        { seq: 1, op: 'put', path: 'a', file: 1, size: 3 },
        { op: 'open', file: 2, path: 'b' },
        { seq: 2, op: 'put', path: 'b', file: 2, size: 5 },
        { op: 'done', seq: 1 },
        { seq: 3, op: 'mv', path: 'b', to: 'c' },
        { op: 'open', file: 3, path: 'still-open' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n{"seq":4,"op":"del","pa';
    const r = replay(parseJournal(text));
    assert.deepEqual(
      r.pending.map((o) => `${o.seq} ${o.op} ${o.path}`),
      ['2 put b', '3 mv b'],
    );
    assert.deepEqual(r.openAtCrash, [{ file: 3, path: 'still-open' }]);
    assert.equal(r.maxSeq, 3);
    assert.equal(r.maxFile, 3);
  });
});

describe('checkpoint paths', () => {
  it('normalises and refuses what could leave the directory', () => {
    assert.equal(checkMountPath('/a//b/'), 'a/b');
    assert.equal(checkMountPath(''), '');
    assert.throws(() => checkMountPath('a/../../etc'), { errno: 'EINVAL' });
    assert.throws(() => checkMountPath('a\0b'), { errno: 'EINVAL' });
    assert.throws(() => checkMountPath('x'.repeat(256)), { errno: 'ENAMETOOLONG' });
  });

  it('checkpoint wait maps a pod path onto the job directory of the node mount', () => {
    const env = { TIERCACHE_CHECKPOINT_DIR: '/checkpoints', TIERCACHE_CHECKPOINT_PREFIX: 'default-resnet' };
    assert.equal(waitPath(undefined, env), 'default-resnet');
    assert.equal(waitPath('/checkpoints/run-1', env), 'default-resnet/run-1');
    assert.equal(waitPath('run-1', env), 'default-resnet/run-1');
    assert.equal(waitPath(undefined, {}), '');
    assert.equal(waitPath('/var/lib/tiercache/checkpoints/x', {}), '/var/lib/tiercache/checkpoints/x');
  });
});

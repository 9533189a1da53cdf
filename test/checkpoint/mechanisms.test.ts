// The pure parts of the checkpoint manager: ids, retention, back-off, space.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IdGenerator, checkCheckpointId, checkJobId, formatCheckpointId } from '../../src/checkpoint/ids';
import { retentionVictims, spaceVictims } from '../../src/checkpoint/retention';
import { Persister } from '../../src/checkpoint/persister';
import { backoffDelay } from '../../src/util/head-retry-loop';
import { silentLogger } from '../../src/log';
import { ErrorCodes, hasCode } from '../../src/errors';

describe('checkpoint ids', () => {
  it('accepts plain job ids and refuses path tricks, naming the id', () => {
    for (const ok of ['job', 'llama-70b.run_3', 'A', 'x'.repeat(128)]) assert.equal(checkJobId(ok), ok);
    for (const bad of ['', '..', '../x', 'a/b', '.hidden', '-x', 'x'.repeat(129), 'a\0b', 'sp ace']) {
      assert.throws(() => checkJobId(bad), (err: Error) => hasCode(err, ErrorCodes.INVALID_ARGUMENT));
    }
    assert.throws(() => checkJobId('../etc'), /invalid job_id "\.\.\/etc"/);
  });

  it('formats ids that sort by time, then step', () => {
    const id = formatCheckpointId(1700000000000, 42, '0a1b2c3d');
    assert.equal(id, '1700000000000-00000000000000000042-0a1b2c3d');
    assert.equal(checkCheckpointId(id), id);
    for (const bad of ['', '../x', id + '/', id.toUpperCase().replace('A', 'Z'), '1700000000000-42-0a1b2c3d']) {
      assert.throws(() => checkCheckpointId(bad), /invalid checkpoint id|required/);
    }
  });

  it('never issues an id that sorts before an earlier one, even in the same ms or when the clock steps back', () => {
    const clock = [1000, 1000, 999, 5000];
    const g = new IdGenerator(() => clock.shift()!, () => 'ffffffff');
    g.observe('j', formatCheckpointId(1500, 0, '00000000'));
    const a = g.next('j', 9);
    const b = g.next('j', 1);
    const c = g.next('j', 1);
    const d = g.next('j', 1);
    assert.deepEqual(
      [a, b, c, d].map((x) => Number(x.slice(0, 13))),
      [1501, 1502, 1503, 5000],
    );
  });
});

describe('retention', () => {
  const e = (id: string, persisted: boolean) => ({ id, persisted });

  it('keeps the newest N once they are persisted', () => {
    assert.deepEqual(retentionVictims([e('1', true), e('2', true), e('3', true), e('4', true), e('5', true)], 3), ['2', '1']);
  });

  it('deletes nothing while no checkpoint is persisted', () => {
    assert.deepEqual(retentionVictims([e('1', false), e('2', false), e('3', false), e('4', false)], 1), []);
  });

  it('never deletes the newest persisted checkpoint, however many newer local ones there are', () => {
    assert.deepEqual(retentionVictims([e('1', true), e('2', false), e('3', false), e('4', false), e('5', false)], 2), []);
    assert.deepEqual(retentionVictims([e('1', true), e('2', true), e('3', false), e('4', false), e('5', false)], 2), ['1']);
  });

  it('drops local copies for space only when persisted, oldest first', () => {
    const copies = [
      { jobId: 'b', id: '3', size: 1, persisted: true },
      { jobId: 'a', id: '1', size: 1, persisted: false },
      { jobId: 'a', id: '2', size: 1, persisted: true },
    ];
    assert.deepEqual(
      spaceVictims(copies).map((c) => c.id),
      ['2', '3'],
    );
  });
});

describe('persister', () => {
  it('backs off exponentially up to the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 10].map((a) => backoffDelay(a, 100, 1000)),
      [100, 200, 400, 800, 1000],
    );
  });

  it('retries a failing persist, keeps order, and fails sync waiters at the first failure', async () => {
    let fail = 2;
    const done: string[] = [];
    const failures: string[] = [];
    const p = new Persister({
      persist: async (k) => {
        if (k.id === 'a' && fail-- > 0) throw new Error('backend down');
        done.push(k.id);
        return true;
      },
      onFailure: (k) => failures.push(k.id),
      log: silentLogger,
      backoffBaseMs: 1,
      backoffCapMs: 2,
    });
    p.enqueue({ jobId: 'j', id: 'a' });
    p.enqueue({ jobId: 'j', id: 'b' });
    const waitB = p.waitFor({ jobId: 'j', id: 'b' });
    p.start();
    await assert.rejects(waitB, /backend down/);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => p.pending === 0 && (clearInterval(t), resolve()), 2);
    });
    assert.deepEqual(done, ['a', 'b']);
    assert.deepEqual(failures, ['a', 'a']);
    await p.stop();
  });
});


// HeadRetryLoop: one item at a time from the head, a failure retried in
// place after back-off, nothing overtaking it; stop() aborts the item.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { HeadRetryLoop } from '../../src/util/head-retry-loop';

function harness(work: (item: string, signal: AbortSignal) => Promise<void>) {
  const queue: string[] = [];
  const done = new EventEmitter();
  const failures: Array<[string, number, number]> = [];
  const loop = new HeadRetryLoop<string>({
    head: () => queue[0],
    work: async (item, signal) => {
      await work(item, signal);
      queue.shift();
      done.emit('done', item);
    },
    onFailure: (item, _err, attempt, retryInMs) => failures.push([item, attempt, retryInMs]),
    backoffBaseMs: 5,
    backoffCapMs: 20,
  });
  return { queue, loop, failures, done };
}

describe('HeadRetryLoop', () => {
  // The loop's retry timer is unref()ed (it never holds a daemon open); hold the test's event loop open instead.
  let keepAlive: NodeJS.Timeout;
  before(() => (keepAlive = setInterval(() => {}, 1000)));
  after(() => clearInterval(keepAlive));

  it('retries a failing head in place with growing delays, and nothing overtakes it', async () => {
    let fails = 3;
    const order: string[] = [];
    let allDone!: () => void;
    const finished = new Promise<void>((r) => (allDone = r));
    const h = harness(async (item) => {
      if (item === 'a' && fails-- > 0) throw new Error('backend down');
      order.push(item);
      if (order.length === 3) setImmediate(allDone);
    });
    h.queue.push('a', 'b', 'c');
    h.loop.start();
    await finished;
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.deepEqual(h.failures, [['a', 1, 5], ['a', 2, 10], ['a', 3, 20]]);
    await h.loop.stop();
  });

  it('picks up items queued after it went idle, and stop() aborts the item in progress', async () => {
    let aborted = false;
    const h = harness(
      (item, signal) =>
        new Promise<void>((resolve, reject) => {
          if (item !== 'hang') return resolve();
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          });
        }),
    );
    h.loop.start();
    h.queue.push('x');
    const xDone = once(h.done, 'done');
    h.loop.kick();
    await xDone;
    h.queue.push('hang');
    h.loop.kick();
    await new Promise((r) => setImmediate(r));
    assert.equal(h.loop.current, 'hang');
    await h.loop.stop();
    assert.equal(aborted, true);
    assert.deepEqual(h.queue, ['hang'], 'an aborted item stays queued for the next start');
    assert.equal(h.failures.length, 0, 'an abort at stop is not a failure');
  });
});

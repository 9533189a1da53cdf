// The deadline wrapper against a backend whose calls hang until released:
// a bounded wait, a bounded number of hung calls, fail-fast while down, and
// recovery on the first answer.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineBackend } from '../../src/backend/deadline-backend';
import type { Backend, BackendStat, CurrentRead } from '../../src/backend/types';
import { ErrorCodes, TiercacheError, notFound } from '../../src/errors';
import { createLogger } from '../../src/log';

const TIMEOUT_MS = 60;

/** A backend whose stat() calls wait until release() (or answer at once when not holding). */
class HangingBackend implements Backend {
  readonly kind = 'fake';
  readonly location = 'fake://';
  readonly counters = { reads: 0, bytesRead: 0, errors: 0, stats: 0 };
  holding = true;
  started = 0;
  unsettled = 0;
  private readonly waiting: Array<() => void> = [];

  stat(path: string): Promise<BackendStat> {
    this.started++;
    if (path === 'missing') return Promise.reject(notFound(path));
    const answer = { path, size: 1, mtimeMs: 0, isDir: false, version: 'v1' };
    if (!this.holding) return Promise.resolve(answer);
    this.unsettled++;
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.unsettled--;
        resolve(answer);
      }),
    );
  }
  readsStarted = 0;
  read(): Promise<Buffer> {
    this.readsStarted++;
    return Promise.resolve(Buffer.alloc(0));
  }
  readCurrent(path: string): Promise<CurrentRead> {
    this.readsStarted++;
    return Promise.resolve({ data: Buffer.alloc(0), stat: { path, size: 0, mtimeMs: 0, isDir: false, version: 'v1' } });
  }
  readdir(): Promise<string[]> {
    return Promise.resolve([]);
  }
  async *list(): AsyncIterable<BackendStat> {}
  write(): Promise<BackendStat> {
    return Promise.reject(new Error('not written to in these tests'));
  }
  async delete(): Promise<void> {}
  async rename(): Promise<void> {}
  async cleanupIncomplete(): Promise<number> {
    return 0;
  }
  async removeDir(): Promise<void> {}

  release(): void {
    this.holding = false;
    for (const w of this.waiting.splice(0)) w();
  }
}

const quiet = createLogger('error', { component: 'test' });

async function unavailable(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TiercacheError);
    assert.equal(err.code, ErrorCodes.BACKEND_UNAVAILABLE);
    return err.message;
  }
  assert.fail('expected BACKEND_UNAVAILABLE');
}

describe('DeadlineBackend', () => {
  it('fails a hung call UNAVAILABLE after the timeout, naming the call and the setting', async () => {
    const inner = new HangingBackend();
    const b = new DeadlineBackend(inner, { timeoutMs: TIMEOUT_MS, maxInflight: 4, logger: quiet });
    const msg = await unavailable(b.stat('data/a.bin'));
    assert.match(msg, /did not answer within 60 ms \(backend-timeout\) for stat of data\/a\.bin/);
    assert.equal(b.down, true);
    inner.release();
  });

  it('while down, lets one probe through and fails every other call at once', async () => {
    const inner = new HangingBackend();
    const b = new DeadlineBackend(inner, { timeoutMs: TIMEOUT_MS, maxInflight: 4, logger: quiet });
    await unavailable(b.stat('a'));
    const probe = b.stat('b');
    const fast = await unavailable(b.stat('c'));
    assert.match(fast, /backend is not answering \(since .*\), so stat of c cannot be read from it/);
    assert.equal(inner.started, 2, 'the fail-fast call never reached the backend');
    await unavailable(probe);
    inner.release();
  });

  it('never holds more than maxInflight hung calls: the rest wait for a slot and time out without starting', async () => {
    const inner = new HangingBackend();
    const b = new DeadlineBackend(inner, { timeoutMs: TIMEOUT_MS, maxInflight: 2, logger: quiet });
    // Up: every call is let through to the slots; 2 start, 3 wait.
    const calls = ['a', 'b', 'c', 'd', 'e'].map((p) => unavailable(b.stat(p)));
    await Promise.all(calls);
    assert.equal(inner.started, 2);
    assert.equal(inner.unsettled, 2, 'timed-out calls keep their slot until the backend answers');
    inner.release();
  });

  it('a small background read waits for a slot (it runs on the threadpool); a large one, offloaded to a worker, does not', async () => {
    const inner = new HangingBackend();
    const b = new DeadlineBackend(inner, { timeoutMs: TIMEOUT_MS, maxInflight: 1, offloaded: (length, o) => o?.background === true && length >= 1024, logger: quiet });
    const hung = unavailable(b.stat('hung'));
    assert.equal((await b.read('big', 0, 4096, 'v1', { background: true })).length, 0, 'the large read ran beside the hung call');
    assert.equal(inner.readsStarted, 1);
    await unavailable(b.read('small', 0, 100, 'v1', { background: true }));
    assert.equal(inner.readsStarted, 1, 'the small one never started: the only slot was held');
    await hung;
    inner.release();
  });

  it('comes back up on the first answer, also a NOT_FOUND, and then passes calls through', async () => {
    const inner = new HangingBackend();
    const b = new DeadlineBackend(inner, { timeoutMs: TIMEOUT_MS, maxInflight: 2, logger: quiet });
    await unavailable(b.stat('a'));
    inner.holding = false; // new calls answer; 'a' stays hung
    await assert.rejects(b.stat('missing'), (err: TiercacheError) => err.code === ErrorCodes.NOT_FOUND);
    assert.equal(b.down, false);
    assert.equal((await b.stat('x')).version, 'v1');
    assert.equal((await Promise.all(['p', 'q', 'r'].map((p) => b.stat(p)))).length, 3);
    inner.release();
  });

  it('with timeout 0 waits as long as the backend does', async () => {
    const inner = new HangingBackend();
    const b = new DeadlineBackend(inner, { timeoutMs: 0, maxInflight: 2, logger: quiet });
    const p = b.stat('slow');
    setTimeout(() => inner.release(), TIMEOUT_MS * 2);
    assert.equal((await p).path, 'slow');
  });

  it('counts the calls that outlived their deadline until they settle (what would hold a normal exit)', async () => {
    const inner = new HangingBackend();
    const b = new DeadlineBackend(inner, { timeoutMs: TIMEOUT_MS, maxInflight: 4, logger: quiet });
    const both = Promise.all([unavailable(b.stat('a')), unavailable(b.stat('b'))]);
    assert.equal(b.abandoned, 0, 'in flight within its deadline is not abandoned');
    await both;
    assert.equal(b.abandoned, 2);
    inner.release();
    await new Promise((r) => setImmediate(r));
    assert.equal(b.abandoned, 0);
  });
});

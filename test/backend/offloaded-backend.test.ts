// Which prefetch reads go to the worker threads: background reads of at
// least prefetch-offload-min-size; smaller ones and every foreground read
// stay on the I/O thread pool. Either way the bytes and the errors are the
// POSIX backend's own.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OffloadedBackend, type OffloadedRead, type OffloadedResult } from '../../src/backend/offloaded-backend';
import { PosixBackend } from '../../src/backend/posix-backend';
import { PrefetchWorkerPool } from '../../src/prefetch/worker-pool';
import { ErrorCodes } from '../../src/errors';
import { pseudoRandomBytes } from '../helpers/daemon';

describe('offloaded backend', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-offload-'));
  const small = pseudoRandomBytes(100_000, 3);
  const large = pseudoRandomBytes(2 * 1024 * 1024, 4);
  let offloaded: OffloadedRead[] = [];
  const pool = new PrefetchWorkerPool(1);
  const run = (t: OffloadedRead): Promise<OffloadedResult> => {
    offloaded.push(t);
    return pool.readBlock(t);
  };
  const posix = () => new PosixBackend(dir);
  before(() => {
    writeFileSync(join(dir, 'small.bin'), small);
    writeFileSync(join(dir, 'large.bin'), large);
  });
  after(async () => {
    await pool.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a small background block on the I/O pool and a large one on a worker, bytes equal', async () => {
    offloaded = [];
    const inner = posix();
    const b = new OffloadedBackend(inner, run, 1024 * 1024);
    const s = await b.stat('small.bin');
    const l = await b.stat('large.bin');
    assert.ok((await b.read('small.bin', 0, s.size, s.version, { background: true })).equals(small));
    assert.equal(offloaded.length, 0, 'a 100 KB prefetch read is not handed to a worker');
    assert.ok((await b.read('large.bin', 0, l.size, l.version, { background: true })).equals(large));
    assert.equal(offloaded.length, 1, 'a 2 MiB prefetch read is');
    assert.ok((await b.read('large.bin', 1000, 50_000, l.version)).equals(large.subarray(1000, 51_000)));
    assert.equal(offloaded.length, 1, 'a foreground read never is');
    assert.equal(inner.counters.reads, 3, 'each read counted once by the POSIX backend');
  });

  it('with a minimum of 0 every background read goes to a worker', async () => {
    offloaded = [];
    const b = new OffloadedBackend(posix(), run, 0);
    const s = await b.stat('small.bin');
    assert.ok((await b.read('small.bin', 10, 20, s.version, { background: true })).equals(small.subarray(10, 30)));
    assert.equal(offloaded.length, 1);
  });

  it('says FILE_CHANGED on either path when the file is no longer at the version read', async () => {
    const b = new OffloadedBackend(posix(), run, 1024 * 1024);
    for (const f of ['small.bin', 'large.bin']) {
      const st = await b.stat(f);
      await assert.rejects(b.read(f, 0, 100, `${st.version}-old`, { background: true }), (err: { code?: string }) => err.code === ErrorCodes.FILE_CHANGED);
    }
  });
});

// A full SSD: the manager (in process, with an injected statfs) refuses the
// save with NO_SPACE, leaves nothing of it behind, and first drops local
// copies of persisted checkpoints when that makes room.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosixBackend } from '../../src/backend/posix-backend';
import { SsdBudget } from '../../src/cache/ssd-budget';
import { CheckpointManager } from '../../src/checkpoint/checkpoint-manager';
import { silentLogger } from '../../src/log';
import { getErrorCode } from '../../src/util/errors-message';
import { checkpointDirs } from './fixtures';

async function* chunks(n: number, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < n; i++) yield Buffer.alloc(size, i);
}

describe('checkpoints on a full SSD', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-nospace-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('drops persisted local copies first, then refuses with NO_SPACE and keeps nothing half-written', async () => {
    let free = 64 * 1024 * 1024;
    const budget = new SsdBudget({ dir, capacityBytes: 1024 * 1024 * 1024, freeRatio: 0, statfs: () => ({ free, total: 1024 * 1024 * 1024 }) });
    const mgr = new CheckpointManager({
      localDir: join(dir, 'local'),
      budget,
      backend: new PosixBackend(join(dir, 'backend'), { create: true }),
      root: 'checkpoints',
      maxCheckpoints: 5,
      streamChunkSize: 1024 * 1024,
      log: silentLogger,
    });
    await mgr.start();
    const first = await mgr.save({ jobId: 'j', step: 1, metrics: {}, sync: true }, chunks(4, 1024 * 1024));
    assert.equal(first.state, 'PERSISTED');
    // The disk "fills": only the persisted local copy can go, and it is not enough.
    free = 1024 * 1024;
    await assert.rejects(mgr.save({ jobId: 'j', step: 2, metrics: {}, sync: false }, chunks(64, 1024 * 1024)), (err: Error) => {
      assert.equal(getErrorCode(err), 'TC_NO_SPACE');
      assert.match(err.message, /not enough space for the checkpoint .* the checkpoint was not saved/);
      return true;
    });
    assert.deepEqual(checkpointDirs(join(dir, 'local'), 'j'), [], 'no partial save and the persisted copy was dropped for room');
    assert.ok(existsSync(join(dir, 'backend', 'checkpoints', 'j', first.id, 'manifest.json')), 'the backend copy stays');
    const list = await mgr.list('j');
    assert.deepEqual(
      list.map((c) => [c.id, c.state]),
      [[first.id, 'PERSISTED']],
    );
    assert.equal(mgr.metrics.counters.saveFailures, 1);
    assert.equal(mgr.metrics.counters.spaceEvictions, 1);
    await mgr.stop();
  });
});

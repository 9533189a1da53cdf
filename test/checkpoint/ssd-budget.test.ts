// Local checkpoint copies share the SSD budget with the cache's blocks, and
// the local copies of persisted checkpoints are what goes first.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, eventually, pseudoRandomBytes } from '../helpers/daemon';
import { readCheckpoint } from '../../src/client/checkpoints';
import { MiB, checkpointStats } from './fixtures';

describe('SSD budget shared with checkpoints', () => {
  const d = new TestDaemon({ flags: { 'ssd-cache-size': '8MiB', 'memory-cache-size': '0', 'block-size': '1MiB' } });
  after(() => d.cleanup());

  it('drops the local copy of a persisted checkpoint before any cache block, and the checkpoint still loads', async () => {
    mkdirSync(join(d.backendDir, 'ds'));
    for (let i = 0; i < 6; i++) writeFileSync(join(d.backendDir, 'ds', `f${i}.bin`), pseudoRandomBytes(MiB, i + 1));
    await d.start();
    const c = d.client();
    try {
      const data = pseudoRandomBytes(4 * MiB, 9);
      const info = await c.checkpoints.save('budget', data, { step: 1, sync: true });
      assert.equal(info.state, 'PERSISTED');
      assert.equal((await checkpointStats(c))['local_bytes'], 4 * MiB);
      // 6 MiB of blocks + a 4 MiB local copy do not fit in 8 MiB: the copy goes.
      for (let i = 0; i < 6; i++) await c.read(`ds/f${i}.bin`);
      await eventually(async () => ((await c.stats('ssd')) as { ssd: { blocks: number } }).ssd.blocks === 6, 5000, 'SSD writes');
      assert.equal((await checkpointStats(c))['local_bytes'], 0, 'the persisted local copy made room');
      const ssd = ((await c.stats('ssd')) as { ssd: { used_bytes: number; evictions: number } }).ssd;
      assert.equal(ssd.used_bytes, 6 * MiB);
      assert.equal(ssd.evictions, 0, 'no cache block was evicted');
      assert.equal((await c.checkpoints.list('budget'))[0]!.id, info.id);
      const got = await readCheckpoint(c.checkpoints.loadLatest('budget'));
      assert.ok(got.data.equals(data), 'loaded from the backend copy');
    } finally {
      c.close();
    }
  });
});

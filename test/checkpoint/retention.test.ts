// Retention against the real daemon: exactly N kept, and never the only
// persisted checkpoint while the backend refuses writes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, eventually } from '../helpers/daemon';
import type { TiercacheClient } from '../../src/client/client';
import { readCheckpoint } from '../../src/client/checkpoints';
import { checkpointDirs, checkpointStats, ids } from './fixtures';

describe('checkpoint retention', () => {
  const d = new TestDaemon({ flags: { 'max-checkpoints': '2' } });
  let c: TiercacheClient;
  const localRoot = () => join(d.stateDir, 'checkpoints');
  const backendRoot = () => join(d.backendDir, 'checkpoints');

  before(async () => {
    await d.start();
    c = d.client();
  });
  after(async () => {
    c?.close();
    await d.stop();
    await d.cleanup();
  });

  it('keeps exactly max-checkpoints per job, locally and on the backend', async () => {
    const saved = [];
    for (let step = 1; step <= 5; step++) {
      saved.push(await c.checkpoints.save('keep', Buffer.from(`step ${step}`), { step, sync: true }));
    }
    const newest = saved.slice(-2).reverse().map((s) => s.id);
    await eventually(async () => (await c.checkpoints.list('keep')).length === 2, 5_000, 'retention');
    assert.deepEqual(ids(await c.checkpoints.list('keep')), newest);
    assert.deepEqual(checkpointDirs(backendRoot(), 'keep').map((x) => x.id).reverse(), newest);
    assert.deepEqual(checkpointDirs(localRoot(), 'keep').map((x) => x.id).reverse(), newest);
    assert.equal((await readCheckpoint(c.checkpoints.loadLatest('keep'))).data.toString(), 'step 5');
  });

  it('never deletes the only persisted checkpoint while the backend refuses writes, and catches up after', async () => {
    const first = await c.checkpoints.save('outage', Buffer.from('the good one'), { step: 1, sync: true });
    // Make the job's backend directory unusable: a symlink out of the backend
    // root, which the path guard refuses (chmod would not stop root).
    const jobDir = join(backendRoot(), 'outage');
    const away = join(d.dir, 'away');
    mkdirSync(away);
    renameSync(jobDir, join(away, 'outage'));
    symlinkSync(join(away, 'outage'), jobDir);
    const failuresBefore = (await checkpointStats(c))['failures']!;
    const later = [];
    for (let step = 2; step <= 5; step++) later.push(await c.checkpoints.save('outage', Buffer.from(`step ${step}`), { step }));
    await eventually(async () => (await checkpointStats(c))['failures']! > failuresBefore, 5_000, 'a failed persist');
    const listed = await c.checkpoints.list('outage');
    assert.equal(listed.length, 5, 'nothing deleted');
    assert.deepEqual(ids(listed), [...later.map((s) => s.id)].reverse().concat(first.id));
    assert.equal(listed.at(-1)!.id, first.id);
    assert.equal(listed.at(-1)!.state, 'PERSISTED');
    assert.ok(existsSync(join(away, 'outage', first.id, 'manifest.json')), 'backend copy kept');
    assert.deepEqual(readdirSync(join(away, 'outage')), [first.id], 'nothing written through the symlink');
    assert.ok(existsSync(join(localRoot(), 'outage', first.id, 'manifest.json')), 'local copy kept');
    assert.ok((await checkpointStats(c))['pending_persist']! >= 4);

    // The backend comes back: the pending ones are persisted, then retention trims to 2.
    unlinkSync(jobDir);
    renameSync(join(away, 'outage'), jobDir);
    rmSync(away, { recursive: true });
    const newest = later.slice(-2).reverse().map((s) => s.id);
    await eventually(async () => (await checkpointStats(c))['pending_persist'] === 0, 20_000, 'persists resumed');
    await eventually(async () => checkpointDirs(backendRoot(), 'outage').length === 2, 5_000, 'retention');
    assert.deepEqual(ids(await c.checkpoints.list('outage')), newest);
    assert.ok((await c.checkpoints.list('outage')).every((x) => x.state === 'PERSISTED'));
  });
});

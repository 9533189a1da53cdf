// The Checkpoints service against the real daemon: two-phase save, load,
// verification and fallback, errors, and a second node on the same backend.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { TestDaemon, pseudoRandomBytes, eventually } from '../helpers/daemon';
import type { TiercacheClient } from '../../src/client/client';
import { readCheckpoint } from '../../src/client/checkpoints';
import { MiB, checkpointDirs, checkpointStats, failure, ids, sha256 } from './fixtures';

describe('Checkpoints service', () => {
  const d = new TestDaemon({ flags: { 'max-checkpoints': '3' } });
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

  it('round-trips a 20 MiB checkpoint sent in 1 MiB chunks, byte for byte', async () => {
    const data = pseudoRandomBytes(20 * MiB + 333, 11);
    const info = await c.checkpoints.save('big', data, { step: 1000 });
    assert.equal(info.state, 'LOCAL', 'answered after phase 1');
    assert.equal(info.size, data.length);
    assert.equal(info.sha256, sha256(data));
    assert.equal(info.path, `checkpoints/big/${info.id}`);
    const got = await readCheckpoint(c.checkpoints.loadLatest('big'));
    assert.equal(got.info.id, info.id);
    assert.ok(got.data.equals(data), 'bytes equal');
    // Phase 2 happens in the background: the backend gets the same bytes, manifest last.
    await eventually(() => existsSync(join(backendRoot(), 'big', info.id, 'manifest.json')), 10_000, 'persist');
    assert.ok(readFileSync(join(backendRoot(), 'big', info.id, 'data')).equals(data));
  });

  it('round-trips step and metrics, and lists newest first', async () => {
    const a = await c.checkpoints.save('meta', Buffer.from('first'), { step: 7, metrics: { loss: 0.25, acc: 0.9 } });
    const b = await c.checkpoints.save('meta', Buffer.from('second'), { step: 8, metrics: { loss: 0.125 } });
    const list = await c.checkpoints.list('meta');
    assert.deepEqual(ids(list), [b.id, a.id]);
    assert.equal(list[1]!.step, 7);
    assert.deepEqual(list[1]!.metrics, { loss: 0.25, acc: 0.9 });
    const got = await readCheckpoint(c.checkpoints.load('meta', a.id));
    assert.equal(got.info.step, 7);
    assert.deepEqual(got.info.metrics, { loss: 0.25, acc: 0.9 });
    assert.equal(got.data.toString(), 'first');
    assert.equal((await readCheckpoint(c.checkpoints.loadLatest('meta'))).data.toString(), 'second');
  });

  it('with sync, answers only once the backend manifest exists', async () => {
    const data = pseudoRandomBytes(3 * MiB, 3);
    const info = await c.checkpoints.save('sync', data, { step: 1, sync: true });
    assert.equal(info.state, 'PERSISTED');
    assert.ok(existsSync(join(backendRoot(), 'sync', info.id, 'manifest.json')), 'manifest on the backend when Save returns');
    assert.ok(readFileSync(join(backendRoot(), 'sync', info.id, 'data')).equals(data));
  });

  it('drops a corrupted local copy and loads the backend copy instead', async () => {
    const data = pseudoRandomBytes(2 * MiB, 5);
    const info = await c.checkpoints.save('rot', data, { step: 1, sync: true });
    const local = join(localRoot(), 'rot', info.id, 'data');
    const bad = Buffer.from(data);
    bad[12345] ^= 0xff;
    writeFileSync(local, bad);
    const before = await checkpointStats(c);
    const got = await readCheckpoint(c.checkpoints.loadLatest('rot'));
    assert.equal(got.info.id, info.id);
    assert.ok(got.data.equals(data), 'the intact backend bytes, not the corrupt local ones');
    assert.equal((await checkpointStats(c))['loads'], before['loads']! + 1);
    assert.ok(readFileSync(local).equals(data), 'the local copy was restored from the backend');
  });

  it('never keeps a save whose stream broke off', async () => {
    const source = Readable.from(
      (async function* () {
        yield pseudoRandomBytes(2 * MiB, 9);
        throw new Error('training process died');
      })(),
    );
    await assert.rejects(c.checkpoints.save('cut', source, { step: 1, transport: 'stream' }), /training process died/);
    await eventually(() => checkpointDirs(localRoot(), 'cut').length === 0, 5_000, 'partial removed');
    assert.deepEqual(await c.checkpoints.list('cut'), []);
  });

  it('answers NOT_FOUND naming an unknown job, and INVALID_ARGUMENT for bad ids', async () => {
    const nf = await failure(c.checkpoints.loadLatest('no-such-job'));
    assert.equal(nf.code, 'NOT_FOUND');
    assert.match(nf.message, /no-such-job/);
    for (const job of ['../etc', 'a/b', '.x', '']) {
      const r = await failure(c.checkpoints.loadLatest(job));
      assert.equal(r.code, 'INVALID_ARGUMENT', job);
    }
    const badJob = await failure(c.checkpoints.save('../../escape', Buffer.from('x')));
    assert.equal(badJob.code, 'INVALID_ARGUMENT');
    assert.match(badJob.message, /invalid job_id "\.\.\/\.\.\/escape"/);
    const badId = await failure(c.checkpoints.load('meta', '../../../etc/passwd'));
    assert.equal(badId.code, 'INVALID_ARGUMENT');
    assert.match(badId.message, /\.\.\/\.\.\/\.\.\/etc\/passwd/);
    assert.equal((await failure(c.checkpoints.delete('meta', 'nope'))).code, 'INVALID_ARGUMENT');
    const unknownId = await failure(c.checkpoints.load('meta', '1700000000000-00000000000000000001-00000000'));
    assert.equal(unknownId.code, 'NOT_FOUND');
    assert.ok(!existsSync(join(d.dir, 'escape')));
  });

  it('deletes a checkpoint locally and on the backend', async () => {
    const info = await c.checkpoints.save('del', Buffer.from('bye'), { step: 1, sync: true });
    assert.equal(await c.checkpoints.delete('del', info.id), true);
    assert.deepEqual(await c.checkpoints.list('del'), []);
    assert.deepEqual(checkpointDirs(localRoot(), 'del'), []);
    assert.deepEqual(checkpointDirs(backendRoot(), 'del'), []);
    assert.equal(await c.checkpoints.delete('del', info.id), false);
  });

  it('reports saves, loads, bytes and pending persists in Admin.Stats', async () => {
    await eventually(async () => (await checkpointStats(c))['pending_persist'] === 0, 10_000, 'persists done');
    const s = await checkpointStats(c);
    assert.ok(s['saves']! >= 5);
    assert.ok(s['loads']! >= 4);
    assert.ok(s['bytes_saved']! >= 20 * MiB);
    assert.ok(s['local_bytes']! > 0);
    assert.equal(s['failures'], 1, 'the save that broke off');
    assert.ok(s['failure_ratio']! > 0 && s['failure_ratio']! < 1);
  });

  it('lets a second daemon on the same backend load what the first persisted', async () => {
    const data = pseudoRandomBytes(4 * MiB, 21);
    await c.checkpoints.save('shared', pseudoRandomBytes(MiB, 20), { step: 1, sync: true });
    const latest = await c.checkpoints.save('shared', data, { step: 2, sync: true });
    const other = new TestDaemon({ backendDir: d.backendDir });
    try {
      await other.start();
      const oc = other.client();
      const got = await readCheckpoint(oc.checkpoints.loadLatest('shared'));
      assert.equal(got.info.id, latest.id);
      assert.equal(got.info.state, 'PERSISTED');
      assert.ok(got.data.equals(data));
      assert.deepEqual(
        readdirSync(join(other.stateDir, 'checkpoints', 'shared')),
        [latest.id],
        'staged locally on the second node',
      );
      oc.close();
    } finally {
      await other.cleanup();
    }
  });
});

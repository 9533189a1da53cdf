// Hand-off saves: the client writes its checkpoint into the daemon's
// hand-off directory and the daemon takes the file over, so a save costs one
// local write. What users care about: the same checkpoint as a streamed save,
// nothing left behind, and no way to make the daemon adopt what it should not.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, symlinkSync, writeFileSync, linkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { TestDaemon, pseudoRandomBytes, eventually } from '../helpers/daemon';
import type { TiercacheClient } from '../../src/client/client';
import { readCheckpoint } from '../../src/client/checkpoints';
import { MiB, checkpointStats, failure, sha256 } from './fixtures';

describe('hand-off saves', () => {
  const d = new TestDaemon();
  let c: TiercacheClient;
  const handoff = () => join(d.stateDir, 'handoff');

  before(async () => {
    await d.start();
    c = d.client();
  });
  after(async () => {
    c?.close();
    await d.cleanup();
  });

  it('offers a sticky hand-off directory anyone can create files in but nobody else can list', () => {
    assert.equal(statSync(handoff()).mode & 0o7777, 0o1733);
  });

  it('saves through the hand-off directory by default, with the same result as a streamed save', async () => {
    const data = pseudoRandomBytes(9 * MiB + 17, 5);
    const viaHandoff = await c.checkpoints.save('h', data, { step: 1, metrics: { loss: 0.5 }, transport: 'handoff' });
    const viaStream = await c.checkpoints.save('h', data, { step: 2, transport: 'stream' });
    const viaDefault = await c.checkpoints.save('h', Readable.from([data.subarray(0, MiB), data.subarray(MiB)]), { step: 3 });
    for (const info of [viaHandoff, viaStream, viaDefault]) {
      assert.equal(info.size, data.length);
      assert.equal(info.sha256, sha256(data));
      assert.equal(info.state, 'LOCAL');
    }
    assert.deepEqual(viaHandoff.metrics, { loss: 0.5 });
    assert.deepEqual(readdirSync(handoff()), [], 'the file was taken over, nothing is left behind');
    const got = await readCheckpoint(c.checkpoints.loadLatest('h'));
    assert.equal(got.info.step, 3);
    assert.ok(got.data.equals(data));
    await eventually(async () => (await checkpointStats(c))['pending_persist'] === 0, 10_000, 'persisted');
    assert.equal((await c.checkpoints.list('h'))[0]!.state, 'PERSISTED');
  });

  it('leaves nothing behind when the source fails half-way', async () => {
    const source = Readable.from(
      (async function* () {
        yield Buffer.alloc(MiB, 1);
        throw new Error('training process died');
      })(),
    );
    await assert.rejects(c.checkpoints.save('h-cut', source, { step: 1, transport: 'handoff' }), /training process died/);
    assert.deepEqual(readdirSync(handoff()), []);
    assert.deepEqual(await c.checkpoints.list('h-cut'), []);
  });

  it('refuses hand-off names that are paths, guessable, symlinks, hard links, readable by others or missing, and keeps running', async () => {
    const outside = join(d.dir, 'secret.bin');
    writeFileSync(outside, 'not for the daemon');
    const rnd = (tag: string) => `${tag}-${'0123456789abcdef'.repeat(2)}.ckpt`;
    symlinkSync(outside, join(handoff(), rnd('link')));
    linkSync(outside, join(handoff(), rnd('hard')));
    writeFileSync(join(handoff(), rnd('open')), 'x', { mode: 0o644 });
    writeFileSync(join(handoff(), 'guessable-1.ckpt'), 'x', { mode: 0o600 });
    const cases: Array<[string, string, RegExp]> = [
      ['../secret.bin', 'INVALID_ARGUMENT', /invalid handoff_file/],
      ['guessable-1.ckpt', 'INVALID_ARGUMENT', /32 random hex digits/],
      [rnd('link'), 'INVALID_ARGUMENT', /not a regular file/],
      [rnd('hard'), 'INVALID_ARGUMENT', /2 links/],
      [rnd('open'), 'INVALID_ARGUMENT', /mode 0644; create it with mode 0600/],
      [rnd('nope'), 'NOT_FOUND', /hand-off file/],
    ];
    for (const [name, code, message] of cases) {
      const r = await failure(c.unaryStream('Checkpoints', 'Save', [{ header: { job_id: 'evil', step: 1, metrics: {}, sync: false, handoff_file: name, sha256: '' } }]));
      assert.equal(r.code, code, name);
      assert.match(r.message, message);
    }
    assert.deepEqual(await c.checkpoints.list('evil'), []);
    assert.equal(readFileSync(outside, 'utf8'), 'not for the daemon', 'the file outside is untouched');
  });

  it('drops a hand-off checkpoint whose bytes do not match the sha256 the client gave, when persisting', async () => {
    const lie = `lie-${'ab'.repeat(16)}.ckpt`;
    writeFileSync(join(handoff(), lie), Buffer.alloc(1000, 7), { mode: 0o600 });
    const info = await c.unaryStream<{ id: string; state: string }>('Checkpoints', 'Save', [
      { header: { job_id: 'lie', step: 1, metrics: {}, sync: false, handoff_file: lie, sha256: sha256(Buffer.alloc(1000, 8)) } },
    ]);
    assert.equal(info.state, 'LOCAL');
    await eventually(async () => (await c.checkpoints.list('lie')).length === 0, 10_000, 'the corrupt checkpoint to be dropped');
    const r = await failure(readCheckpoint(c.checkpoints.loadLatest('lie')));
    assert.equal(r.code, 'NOT_FOUND');
  });
});

// Checkpoints through the TypeScript client: save from a Buffer and from a
// stream, load back byte for byte, list, delete, and a failed source that
// leaves no checkpoint behind. Until the daemon has the Checkpoints service,
// every call must fail with a typed UNIMPLEMENTED (and never hang).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { TestDaemon, pseudoRandomBytes } from '../helpers/daemon';
import { TiercacheClient, TiercacheClientError } from '../../src/index';

const MiB = 1024 * 1024;

async function collect(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of r) parts.push(b as Buffer);
  return Buffer.concat(parts);
}

/** `data` as a stream of uneven pieces, so chunking has to regroup them. */
function piecewise(data: Buffer, piece = 100_003): Readable {
  return Readable.from(
    (function* () {
      for (let p = 0; p < data.length; p += piece) yield data.subarray(p, p + piece);
    })(),
  );
}

describe('checkpoints client', () => {
  const d = new TestDaemon();
  let c: TiercacheClient;
  const first = pseudoRandomBytes(3 * MiB + 5, 31);
  const second = pseudoRandomBytes(2 * MiB + 12_345, 32);

  before(async () => {
    await d.start();
    c = d.client('ckpt-test');
  });
  after(async () => {
    c.close();
    await d.cleanup();
  });

  it('saves from a Buffer and from a stream, then loads both back byte for byte', async () => {
    const a = await c.checkpoints.save('job-a', first, { step: 100, metrics: { loss: 0.5 } });
    assert.equal(a.size, first.length);
    assert.equal(a.step, 100);
    assert.equal(a.sha256, createHash('sha256').update(first).digest('hex'));
    assert.deepEqual(a.metrics, { loss: 0.5 });

    const b = await c.checkpoints.save('job-a', piecewise(second), { step: 200, sync: true });
    assert.equal(b.size, second.length);
    assert.equal(b.state, 'PERSISTED', 'sync answers once the checkpoint is on the backend');

    const latest = await c.checkpoints.loadLatest('job-a');
    assert.equal(latest.info.id, b.id);
    assert.ok((await collect(latest.stream)).equals(second));

    const older = await c.checkpoints.load('job-a', a.id);
    assert.equal(older.info.step, 100);
    assert.ok((await collect(older.stream)).equals(first));

    assert.deepEqual(
      (await c.checkpoints.list('job-a')).map((x) => x.id),
      [b.id, a.id],
      'newest first',
    );
    assert.equal(await c.checkpoints.delete('job-a', b.id), true);
    assert.equal(await c.checkpoints.delete('job-a', b.id), false, 'already gone');
    assert.equal((await c.checkpoints.loadLatest('job-a')).info.id, a.id);
  });

  it('answers a job without checkpoints with NOT_FOUND on load', async () => {
    const err = await (async () => {
      try {
        await c.checkpoints.loadLatest('job-none');
      } catch (e) {
        if (e instanceof TiercacheClientError && e.codeName !== 'UNIMPLEMENTED') return e;
        throw e;
      }
      return assert.fail('expected NOT_FOUND');
    })();
    assert.ok(err instanceof TiercacheClientError);
    assert.equal(err.codeName, 'NOT_FOUND');
  });

  it('abandons a save whose source fails, leaving no checkpoint', async () => {
    const before = await c.checkpoints.list('job-b');
    const failing = Readable.from(
      (function* () {
        yield pseudoRandomBytes(2 * MiB, 40);
        throw new Error('disk went away');
      })(),
    );
    await assert.rejects(c.checkpoints.save('job-b', failing, { step: 1 }), /disk went away/);
    // A later save completing means the daemon has long seen the cancellation of the first.
    const ok = await c.checkpoints.save('job-b', second, { step: 2 });
    assert.deepEqual(
      (await c.checkpoints.list('job-b')).map((x) => x.id),
      [ok.id, ...before.map((x) => x.id)],
      'the abandoned save is not listed',
    );
  });

  it('a refused save of a large stream settles instead of waiting for the daemon to read it', async () => {
    // 32 MiB is more than the flow-control window: if the client ignored the refusal it would block on drain.
    const big = Readable.from(
      (function* () {
        for (let i = 0; i < 32; i++) yield Buffer.alloc(MiB, i);
      })(),
    );
    const res = await c.checkpoints.save('job-c', big, { step: 1 });
    assert.equal(res.size, 32 * MiB);
  });
});

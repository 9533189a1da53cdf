// Uploads (checkpoint Save streams) cannot make the daemon hold unbounded
// memory: at most max-uploads at once (more are refused with
// RESOURCE_EXHAUSTED naming the option), and at most max-upload-buffer
// bytes of their messages held across all of them, past which an upload
// waits for room (HTTP/2 back-pressure on its client) and still arrives
// whole. How much memory that is under many slow uploads is measured in
// bench/memory.ts.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { credentials, type ClientWritableStream } from '@grpc/grpc-js';
import { readCheckpoint } from '../../src/client/checkpoints';
import type { TiercacheClient } from '../../src/client/client';
import { CHANNEL_OPTIONS, services } from '../../src/protocol/load';
import { TestDaemon, eventually, failure, pseudoRandomBytes } from '../helpers/daemon';

const MiB = 1024 * 1024;
const MAX_UPLOADS = 4;

describe('bounds on uploads', () => {
  const d = new TestDaemon({ flags: { 'max-uploads': String(MAX_UPLOADS), 'max-upload-buffer': '64KiB' } });
  let c: TiercacheClient;
  before(async () => {
    await d.start();
    c = d.client('uploader');
  });
  after(async () => {
    c?.close();
    await d.cleanup();
  });

  const limits = async () => (await c.stats()).limits!;

  it('refuses an upload beyond max-uploads, naming the option, and takes one again once a slot is free', async () => {
    // Four clients start a save and send nothing more (slow, or gone quiet).
    const raw = new services.Checkpoints(`unix://${d.socket}`, credentials.createInsecure(), { ...CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 });
    const held: ClientWritableStream<unknown>[] = [];
    try {
      for (let i = 0; i < MAX_UPLOADS; i++) {
        const call = (raw as unknown as { Save: (cb: (err: unknown) => void) => ClientWritableStream<unknown> }).Save(() => {});
        call.write({ header: { job_id: `quiet-${i}`, step: 1, metrics: {}, sync: false } });
        held.push(call);
      }
      await eventually(async () => Number((await limits()).uploads_in_flight) === MAX_UPLOADS, 10_000, 'four uploads in flight');
      const refused = await failure(c.checkpoints.save('job', Buffer.from('refused'), { transport: 'stream' }));
      assert.equal(refused.code, 'RESOURCE_EXHAUSTED');
      assert.match(refused.message, /already takes 4 uploads \(max-uploads 4\).*--max-uploads/);
      // The hand-off path is an upload too (header only), refused the same way.
      assert.equal((await failure(c.checkpoints.save('job', Buffer.from('refused'), { transport: 'handoff' }))).code, 'RESOURCE_EXHAUSTED');
    } finally {
      for (const call of held) call.cancel();
      raw.close();
    }
    await eventually(async () => Number((await limits()).uploads_in_flight) === 0, 10_000, 'the quiet uploads to end');
    const info = await c.checkpoints.save('job', Buffer.from('taken'), { transport: 'stream', step: 2 });
    assert.equal(Number(info.step), 2);
    assert.equal(Number((await limits()).uploads_refused), 2);
  });

  it('makes uploads larger than max-upload-buffer wait for room, and each arrives whole', async () => {
    const payloads = [0, 1, 2].map((i) => pseudoRandomBytes(6 * MiB + i * 1000, 50 + i));
    const before = Number((await limits()).upload_waits);
    // Three at once, in 1 MiB messages against a 64 KiB buffer: every next message waits for the one before to be written.
    await Promise.all(payloads.map((p, i) => c.checkpoints.save(`big-${i}`, p, { transport: 'stream', step: 1 })));
    for (const [i, p] of payloads.entries()) {
      assert.ok((await readCheckpoint(c.checkpoints.loadLatest(`big-${i}`))).data.equals(p), `upload ${i} arrived whole`);
    }
    const l = await limits();
    assert.ok(Number(l.upload_waits) - before >= 3 * 5, `${Number(l.upload_waits) - before} reads waited for room`);
    assert.equal(Number(l.upload_bytes_held), 0, 'nothing is held once the uploads are done');
    assert.equal(Number(l.uploads_in_flight), 0);
    assert.ok(d.alive);
  });
});

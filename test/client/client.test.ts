// The TypeScript client against the real daemon: exact bytes, streams that
// respect a slow consumer, typed errors, and the prefetch calls.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { status } from '@grpc/grpc-js';
import { TestDaemon, pseudoRandomBytes } from '../helpers/daemon';
import { TiercacheClient, TiercacheClientError, DaemonUnreachableError } from '../../src/index';

const MiB = 1024 * 1024;

async function failure(p: Promise<unknown>): Promise<TiercacheClientError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TiercacheClientError, `expected a TiercacheClientError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

/** A consumer that takes one chunk per event-loop turn and records how far the source ran ahead. */
class SlowSink extends Writable {
  readonly parts: Buffer[] = [];
  constructor() {
    super({ highWaterMark: 64 * 1024 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error) => void): void {
    this.parts.push(chunk);
    setImmediate(cb);
  }
}

describe('TiercacheClient', () => {
  const d = new TestDaemon();
  let c: TiercacheClient;
  const file = pseudoRandomBytes(5 * MiB + 777, 11);

  before(async () => {
    writeFileSync(join(d.backendDir, 'data.bin'), file);
    mkdirSync(join(d.backendDir, 'set'));
    for (let i = 0; i < 3; i++) writeFileSync(join(d.backendDir, 'set', `f${i}.bin`), pseudoRandomBytes(300_000 + i, 20 + i));
    await d.start();
    c = new TiercacheClient({ socket: d.socket, job: 'client-test' });
  });
  after(async () => {
    c.close();
    await d.cleanup();
  });

  it('reads exact bytes for ranges across blocks and at EOF', async () => {
    const ranges: Array<[number, number]> = [
      [0, 10],
      [MiB - 3, 7],
      [2 * MiB + 5, 2 * MiB],
      [file.length - 100, 0],
      [file.length, 0],
    ];
    for (const [off, len] of ranges) {
      const want = file.subarray(off, len === 0 ? file.length : off + len);
      assert.ok((await c.read('data.bin', off, len)).equals(want), `read(${off}, ${len})`);
    }
    assert.equal((await c.stat('data.bin')).size, file.length);
  });

  it('streams a file into a slow consumer with back-pressure, byte for byte', async () => {
    const rs = c.createReadStream('data.bin');
    const sink = new SlowSink();
    let maxBuffered = 0;
    rs.on('data', () => (maxBuffered = Math.max(maxBuffered, rs.readableLength)));
    await pipeline(rs, sink);
    assert.ok(Buffer.concat(sink.parts).equals(file));
    // The Readable pulls a chunk only when its buffer has room: it never holds the whole file.
    assert.ok(maxBuffered <= 2 * MiB, `readable buffered ${maxBuffered} bytes`);
  });

  it('streams a range', async () => {
    const parts: Buffer[] = [];
    for await (const b of c.createReadStream('data.bin', { offset: MiB + 1, length: 2 * MiB })) parts.push(b as Buffer);
    assert.ok(Buffer.concat(parts).equals(file.subarray(MiB + 1, 3 * MiB + 1)));
  });

  it('surfaces daemon errors as TiercacheClientError with the gRPC code and message', async () => {
    const missing = await failure(c.read('nope.bin'));
    assert.equal(missing.code, status.NOT_FOUND);
    assert.equal(missing.codeName, 'NOT_FOUND');
    assert.match(missing.details, /nope\.bin/);
    assert.equal(missing.message, `NOT_FOUND: ${missing.details}`);
    assert.equal(missing.reason, 'TC_NOT_FOUND');

    const escape = await failure(c.stat('../outside'));
    assert.equal(escape.codeName, 'PERMISSION_DENIED');
    assert.match(escape.details, /escapes the backend root/);

    const past = await failure(c.read('data.bin', file.length + 1, 1));
    assert.equal(past.codeName, 'OUT_OF_RANGE');

    const streamed = await failure(
      (async () => {
        for await (const _ of c.createReadStream('nope.bin')) assert.fail('no data expected');
      })(),
    );
    assert.equal(streamed.codeName, 'NOT_FOUND');
  });

  it('reports a daemon that is not there as DaemonUnreachableError naming the socket', async () => {
    const socket = join(d.dir, 'absent.sock');
    const lone = new TiercacheClient({ socket });
    try {
      const err = await failure(lone.stat('data.bin'));
      assert.ok(err instanceof DaemonUnreachableError);
      assert.equal(err.codeName, 'UNAVAILABLE');
      assert.match(err.message, new RegExp(socket));
    } finally {
      lone.close();
    }
  });

  it('prefetches paths and ranges', async () => {
    const res = await c.prefetch(['set/f0.bin', { path: 'data.bin', offset: MiB, length: MiB }], 1);
    assert.ok(res.blocks_queued + res.blocks_dropped >= 1, JSON.stringify(res));
  });

  it('submits an epoch plan', async () => {
    const paths = ['set/f2.bin', 'set/f0.bin', 'set/f1.bin'];
    const res = await c.submitPlan('client-test', 3, paths);
    assert.equal(res.files_accepted, 3);
    assert.equal(res.bytes_planned, 300_000 * 3 + 0 + 1 + 2);
  });

  it('warms up a prefix, yielding progress until done', async () => {
    const seen = await (async () => {
      const all = [];
      for await (const p of c.warmup('set', { recursive: true })) all.push(p);
      return all;
    })();
    const last = seen.at(-1)!;
    assert.equal(last.done, true);
    assert.equal(last.files_total, 3);
    assert.equal(last.bytes_total, 300_000 * 3 + 3);
    let check;
    for await (const p of c.warmup('set', { checkOnly: true })) check = p;
    assert.equal(check!.bytes_cached, check!.bytes_total, 'everything is cached after the warm-up');
  });
});

// read() over a ReadSession stream (ClientOptions.readSession) against the
// real daemon: the same bytes and the same named errors as a unary Read,
// max-read-size still applied, many reads at once on one stream, the stream
// closed when idle and on the daemon's drain; against a bare server, a
// daemon without ReadSession is read with unary calls, and a read that gets
// no answer fails with DEADLINE_EXCEEDED.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials, type sendUnaryData, type ServerDuplexStream, type ServerUnaryCall } from '@grpc/grpc-js';
import { TestDaemon, eventually, failure, pseudoRandomBytes } from '../helpers/daemon';
import { TiercacheClient } from '../../src/client/client';
import { TiercacheClientError } from '../../src/client/errors';
import { IDLE_CLOSE_MS } from '../../src/client/read-session';
import { CHANNEL_OPTIONS, serviceDefinition } from '../../src/protocol/load';

const KiB = 1024;
const MiB = 1024 * KiB;

async function failureOf(p: Promise<unknown>): Promise<TiercacheClientError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TiercacheClientError, String(err));
    return err;
  }
  assert.fail('expected a failure');
}

const streamsInFlight = async (c: TiercacheClient): Promise<number> =>
  ((await c.stats('all')) as unknown as { limits: { streams_in_flight: number } }).limits.streams_in_flight;

describe('read() over a ReadSession', () => {
  const d = new TestDaemon({ flags: { 'block-size': '256KiB', 'max-read-size': '1MiB', 'drain-timeout': '60s' } });
  let session: TiercacheClient;
  let unary: TiercacheClient;
  const files = new Map<string, Buffer>();
  before(async () => {
    mkdirSync(join(d.backendDir, 'rs'));
    [0, 1, 5_000, 100_000, 300_000, MiB].forEach((n, i) => files.set(`rs/f${i}.bin`, pseudoRandomBytes(n, 40 + i)));
    files.set('rs/big.bin', pseudoRandomBytes(MiB + 1, 99));
    for (const [p, b] of files) writeFileSync(join(d.backendDir, p), b);
    symlinkSync('/etc/passwd', join(d.backendDir, 'rs', 'out'));
    await d.start();
    session = new TiercacheClient({ socket: d.socket, job: 'read-session-test', readSession: true });
    unary = d.client('read-session-test');
  });
  after(async () => {
    session?.close();
    unary?.close();
    await d.cleanup();
  });

  it('reads whole files and ranges byte for byte, many at once on one stream', async () => {
    const reads: Array<{ path: string; offset: number; length: number }> = [];
    for (let round = 0; round < 3; round++) {
      for (const [path, b] of files) {
        if (b.length > MiB) continue;
        reads.push({ path, offset: 0, length: 0 });
        if (b.length > 10) reads.push({ path, offset: 7 + round, length: Math.min(b.length - 7 - round, 70_000) });
      }
    }
    const got = await Promise.all(reads.map((r) => session.read(r.path, r.offset, r.length)));
    reads.forEach((r, i) => {
      const want = files.get(r.path)!;
      const end = r.length === 0 ? want.length : r.offset + r.length;
      assert.ok(got[i]!.equals(want.subarray(r.offset, end)), `${r.path} [${r.offset}, ${end}): ${got[i]!.length} bytes`);
    });
    assert.equal(await streamsInFlight(unary), 1, 'all of them over one stream');
  });

  it('fails a read with the error a unary Read names, and goes on', async () => {
    for (const [path, offset, length] of [
      ['rs/missing.bin', 0, 0],
      ['../../etc/passwd', 0, 0],
      ['rs/out', 0, 0],
      ['rs', 0, 0],
      ['', 0, 0],
      ['rs/f2.bin', 6_000, 1],
      ['rs/big.bin', 0, 0],
      ['rs/f5.bin', 0, 2 * MiB],
    ] as const) {
      const want = await failureOf(unary.read(path, offset, length));
      const got = await failureOf(session.read(path, offset, length));
      assert.equal(got.codeName, want.codeName, `${path}: ${got.message}`);
      assert.equal(got.reason, want.reason, path);
      assert.equal(got.details, want.details, path);
    }
    const tooLarge = await failureOf(session.read('rs/big.bin'));
    assert.match(tooLarge.message, /max-read-size/, 'max-read-size still bounds a read');
    assert.equal((await session.read('rs/f1.bin')).length, 1, 'the session keeps serving');
  });

  it('closes the stream after a while without reads, and opens one again for the next read', async () => {
    assert.ok((await session.read('rs/f2.bin')).equals(files.get('rs/f2.bin')!));
    await eventually(async () => (await streamsInFlight(unary)) === 0, 10 * IDLE_CLOSE_MS, 'the idle stream closed');
    assert.ok((await session.read('rs/f3.bin')).equals(files.get('rs/f3.bin')!));
  });

  it('does not hold the drain: a session left open ends with the shutting-down status', async () => {
    // The raw stream, which (unlike read()) nothing closes when idle.
    const call = unary.rawClient('Cache').ReadSession(unary.metadata());
    const ended = new Promise<{ code?: number; details?: string }>((resolve) => {
      call.on('error', resolve);
      call.on('end', () => resolve({}));
    });
    const first = new Promise<{ id: number; data: Buffer }>((resolve) => call.once('data', resolve));
    call.write({ id: 7, path: 'rs/f3.bin', offset: 0, length: 0 });
    const r = await first;
    assert.equal(r.id, 7);
    assert.ok(r.data.equals(files.get('rs/f3.bin')!));
    assert.equal(await d.stop(), 0);
    assert.doesNotMatch(d.stderr, /drain timeout/, 'the session ended on the drain, not at drain-timeout');
    const st = await ended;
    assert.equal(st.code, 14, `UNAVAILABLE, got ${JSON.stringify(st)}`);
    assert.match(st.details ?? '', /shutting down/);
    const f = await failureOf(session.read('rs/f4.bin'));
    assert.equal(f.codeName, 'UNAVAILABLE', f.message);
  });
});

describe('read() over a ReadSession, against servers that do not answer it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-rs-'));
  const data = pseudoRandomBytes(100_000, 5);
  const servers: Server[] = [];
  let unaryReads = 0;
  /** A server of the Cache service with Read only (an older daemon), or one whose ReadSession never answers. */
  const serve = async (socket: string, withSession: boolean): Promise<void> => {
    const s = new Server({ ...CHANNEL_OPTIONS });
    s.addService(serviceDefinition('Cache'), {
      Read: (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
        unaryReads++;
        cb(null, { data });
      },
      ...(withSession ? { ReadSession: (call: ServerDuplexStream<unknown, unknown>) => call.on('data', () => {}) } : {}),
    });
    await new Promise<void>((resolve, reject) => s.bindAsync(`unix://${socket}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    servers.push(s);
  };
  before(async () => {
    await serve(join(dir, 'old.sock'), false);
    await serve(join(dir, 'mute.sock'), true);
  });
  after(() => {
    for (const s of servers) s.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a daemon without ReadSession with unary calls', async () => {
    const c = new TiercacheClient({ socket: join(dir, 'old.sock'), readSession: true });
    try {
      const got = await Promise.all([c.read('a'), c.read('b')]);
      assert.ok(got.every((b) => b.equals(data)));
      assert.ok((await c.read('c')).equals(data));
      assert.equal(unaryReads, 3);
    } finally {
      c.close();
    }
  });

  it('fails a read that gets no answer within the client timeout with DEADLINE_EXCEEDED', async () => {
    const c = new TiercacheClient({ socket: join(dir, 'mute.sock'), readSession: true, timeoutMs: 300 });
    try {
      const f = await failure(c.read('a'));
      assert.equal(f.code, 'DEADLINE_EXCEEDED');
      assert.match(f.message, /read of a got no answer within 300 ms/);
    } finally {
      c.close();
    }
  });
});

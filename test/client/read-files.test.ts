// ReadFiles against the real daemon: many files over one stream, in the
// order asked, each byte for byte and read from the backend once; a file
// that cannot be read is an error inside the stream and the rest follow;
// leaving the loop cancels the stream and the daemon stops reading.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { constants as h2 } from 'node:http2';
import { join } from 'node:path';
import { TestDaemon, eventually, failure, pseudoRandomBytes } from '../helpers/daemon';
import { openNeverRead, rawSession } from '../helpers/raw-grpc';
import type { ReadFileResult, TiercacheClient } from '../../src/client/client';

const KiB = 1024;
const MiB = 1024 * KiB;
const backendReads = async (c: TiercacheClient) => ((await c.stats('all')) as unknown as { backend_reads: number }).backend_reads;

async function collect(it: AsyncIterable<ReadFileResult>): Promise<ReadFileResult[]> {
  const out: ReadFileResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('ReadFiles', () => {
  // Small chunks, so a 300 KB file is several messages; one stream at a time, so a leaked one shows.
  const d = new TestDaemon({
    flags: { 'block-size': '256KiB', 'stream-chunk-size': '64KiB', 'max-streams': '1', 'max-plan-paths': '1000', 'prefetch-workers': '1', 'stream-stall-timeout': '2s' },
  });
  let c: TiercacheClient;
  const files = new Map<string, Buffer>();
  before(async () => {
    mkdirSync(join(d.backendDir, 'rf'));
    // One directory each, so the daemon's next-file prefetch has no neighbours to fetch and the backend reads are exactly these.
    const sizes = [0, 1, 5_000, 64 * KiB, 100_000, 300_000, 2 * MiB + 3];
    sizes.forEach((n, i) => {
      mkdirSync(join(d.backendDir, 'rf', `f${i}`));
      files.set(`rf/f${i}/x.bin`, pseudoRandomBytes(n, 70 + i));
    });
    for (let i = 0; i < 100; i++) files.set(`rf/many${i}.bin`, pseudoRandomBytes(10_000, 200 + i));
    for (const [p, b] of files) writeFileSync(join(d.backendDir, p), b);
    symlinkSync('/etc/passwd', join(d.backendDir, 'rf', 'out'));
    await d.start();
    c = d.client('read-files-test');
  });
  after(async () => {
    c?.close();
    await d.cleanup();
  });

  it('streams whole files in the order asked, byte for byte, each read from the backend once', async () => {
    const order = ['rf/f5/x.bin', 'rf/f0/x.bin', 'rf/f6/x.bin', 'rf/f2/x.bin', 'rf/f1/x.bin', 'rf/f4/x.bin', 'rf/f3/x.bin'];
    const r0 = await backendReads(c);
    const got = await collect(c.readFiles(order));
    assert.deepEqual(got.map((r) => [r.index, r.path]), order.map((p, i) => [i, p]));
    for (const r of got) {
      assert.equal(r.error, undefined, r.path);
      assert.ok(r.data.equals(files.get(r.path)!), `${r.path}: ${r.data.length} bytes`);
    }
    // Blocks of 256 KiB: 2 + 0 + 9 + 1 + 1 + 1 + 1 (the empty file has none).
    assert.equal((await backendReads(c)) - r0, 15);
    const again = await collect(c.readFiles(['rf/f6/x.bin', 'rf/f5/x.bin', 'rf/f6/x.bin']));
    assert.ok(again.every((r) => r.data !== undefined && r.data.equals(files.get(r.path)!)));
    assert.equal((await backendReads(c)) - r0, 15, 'a second pass is served from the cache');
  });

  it('answers a file that cannot be read with its status inside the stream, and goes on', async () => {
    const got = await collect(c.readFiles(['rf/f2/x.bin', 'rf/missing.bin', '../../etc/passwd', 'rf/out', 'rf', 'rf/f4/x.bin']));
    assert.equal(got.length, 6);
    assert.ok(got[0]!.data!.equals(files.get('rf/f2/x.bin')!));
    assert.equal(got[1]!.error?.codeName, 'NOT_FOUND');
    assert.equal(got[1]!.error?.reason, 'TC_NOT_FOUND');
    assert.match(got[1]!.error!.details, /rf\/missing\.bin/);
    assert.ok(['PERMISSION_DENIED', 'INVALID_ARGUMENT'].includes(got[2]!.error!.codeName), got[2]!.error!.message);
    assert.equal(got[3]!.error?.codeName, 'PERMISSION_DENIED', 'a symlink out of the backend is refused');
    assert.equal(got[4]!.error?.reason, 'TC_IS_DIRECTORY');
    assert.ok(got[5]!.data!.equals(files.get('rf/f4/x.bin')!));
    assert.equal((await c.read('rf/f1/x.bin')).length, 1, 'the daemon keeps serving');
  });

  it('refuses more paths than max-plan-paths with INVALID_ARGUMENT naming the limit', async () => {
    const f = await failure(collect(c.readFiles(Array.from({ length: 1001 }, () => 'rf/f1/x.bin'))));
    assert.equal(f.code, 'INVALID_ARGUMENT');
    assert.match(f.message, /1001 paths is over the limit of 1000 \(max-plan-paths\)/);
  });

  it('resets a stream whose client takes nothing (stream-stall-timeout), and serves the next', async () => {
    // 40 MiB asked for: more than the HTTP/2 window lets the daemon send unread.
    const s = await rawSession(d.socket);
    try {
      const never = openNeverRead(s, 'rf/f6/x.bin', { method: 'ReadFiles', repeat: 20 });
      assert.equal((await never.answered).accepted, true);
      assert.equal((await never.closed).rstCode, h2.NGHTTP2_ENHANCE_YOUR_CALM);
    } finally {
      s.destroy();
    }
    await eventually(async () => {
      try {
        return (await collect(c.readFiles(['rf/f2/x.bin'])))[0]!.data!.equals(files.get('rf/f2/x.bin')!);
      } catch {
        return false;
      }
    }, 10_000, 'a new stream after the reset');
  });

  it('stops reading when the client leaves the loop: the stream is cancelled and its slot freed', async () => {
    const many = Array.from({ length: 100 }, (_, i) => `rf/many${i}.bin`);
    const r0 = await backendReads(c);
    for await (const r of c.readFiles(many)) {
      assert.ok(r.data!.equals(files.get(many[0]!)!));
      break;
    }
    // max-streams is 1: a new stream is served once the cancelled one gave its slot back.
    await eventually(
      async () => {
        try {
          return (await collect(c.readFiles(['rf/f1/x.bin'])))[0]!.data!.length === 1;
        } catch {
          return false;
        }
      },
      10_000,
      'a new stream after the cancel',
    );
    const read = (await backendReads(c)) - r0;
    assert.ok(read < 50, `the cancelled stream read ${read} of 100 files: at most its read-ahead after the cancel`);
  });
});

// The real daemon with --backend s3://BUCKET/PREFIX against a real S3 API
// (s3rver in a child process, behind a proxy that counts what reached it).
// The same promises as on a POSIX backend: exact bytes, one backend read per
// block however many readers, never a stale or mixed file past metadata-ttl,
// clear errors at start-up.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { TestDaemon, eventually, pseudoRandomBytes, runCli } from '../helpers/daemon';
import type { DiagnoseReport } from '../../src/diagnose/types';
import { TestS3Server, isGet, s3Env } from '../helpers/s3-server';
import type { TiercacheClient } from '../../src/client/client';

const MiB = 2 ** 20;
const BUCKET = 'train';

describe('daemon on an S3 backend', () => {
  const server = new TestS3Server();
  let direct: S3Client;
  let d: TestDaemon;
  let c: TiercacheClient;
  const file = pseudoRandomBytes(5 * MiB + 4321, 3);
  const put = (key: string, body: Buffer) => direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: `ds/${key}`, Body: body }));
  const s3Flags = () => ({ backend: `s3://${BUCKET}/ds`, 's3-endpoint': server.endpoint, 's3-force-path-style': 'true' });
  const getsOf = (key: string) => server.count((r) => isGet(r) && r.url.startsWith(`/${BUCKET}/ds/${key}`));

  before(async () => {
    await server.start([BUCKET]);
    direct = server.directClient();
    await put('data.bin', file);
    await put('dir/a.txt', Buffer.from('a\n'));
    await put('dir/b.txt', Buffer.from('b\n'));
    d = new TestDaemon({ flags: { ...s3Flags(), 'metadata-ttl': '300ms', 'block-size': '1MiB' }, env: s3Env() });
    await d.start();
    c = d.client();
  });
  after(async () => {
    c?.close();
    if (d) {
      assert.equal(await d.stop(), 0, 'SIGTERM exits 0');
      await d.cleanup();
    }
    direct?.destroy();
    await server.stop();
  });

  it('serves byte-exact random ranges, and re-reads are hits (no new GET)', async () => {
    assert.equal((await c.stat('data.bin')).size, file.length);
    assert.equal((await c.stat('dir')).is_dir, true);
    const ranges: Array<[number, number]> = [[0, 1], [MiB - 1, 2], [file.length - 5, 5]];
    for (let i = 0; i < 25; i++) {
      const off = Math.floor(Math.random() * file.length);
      ranges.push([off, 1 + Math.floor(Math.random() * Math.min(2 * MiB, file.length - off))]);
    }
    for (const [off, len] of ranges) assert.ok((await c.read('data.bin', off, len)).equals(file.subarray(off, off + len)), `${off}+${len}`);
    const gets = getsOf('data.bin');
    assert.ok(gets <= 6, `each of the 6 blocks fetched at most once, got ${gets} GETs`);
    assert.ok((await c.read('data.bin')).equals(file));
    assert.equal(getsOf('data.bin'), gets, 're-reads are served from the cache');
    const s = await c.stats('all');
    assert.equal(s['backend_kind'], 's3');
  });

  it('32 concurrent readers of one block make one GET', async () => {
    const body = pseudoRandomBytes(MiB, 9);
    await put('hot.bin', body);
    await c.stat('hot.bin');
    const before = getsOf('hot.bin');
    const got = await Promise.all(Array.from({ length: 32 }, () => c.read('hot.bin', 0, MiB)));
    assert.ok(got.every((b) => b.equals(body)));
    assert.equal(getsOf('hot.bin') - before, 1);
  });

  it('a replaced object is never served stale past metadata-ttl, and never mixed', async () => {
    const v1 = pseudoRandomBytes(3 * MiB, 11);
    const v2 = pseudoRandomBytes(3 * MiB, 12);
    await put('model.bin', v1);
    assert.ok((await c.read('model.bin')).equals(v1));
    await put('model.bin', v2);
    const replacedAt = Date.now();
    let sawV2At = 0;
    await eventually(async () => {
      const b = await c.read('model.bin');
      assert.ok(b.equals(v1) || b.equals(v2), 'a read is one version, never a mix');
      if (b.equals(v2)) sawV2At = Date.now();
      return sawV2At > 0;
    }, 10_000, 'the new version');
    // The metadata TTL is 300 ms: staleness is bounded by it (plus one read), not by the cache.
    assert.ok(sawV2At - replacedAt < 5_000);
  });

  it('warms a prefix up through ListObjectsV2, then reads are hits', async () => {
    for await (const _ of c.warmup('dir')) {
      // progress
    }
    const before = server.count(isGet);
    assert.equal((await c.read('dir/a.txt')).toString(), 'a\n');
    assert.equal((await c.read('dir/b.txt')).toString(), 'b\n');
    assert.equal(server.count(isGet), before);
  });

  it('throttled GETs are retried and counted in stats and metrics', async () => {
    await put('slow.bin', Buffer.from('slow down'));
    server.inject((r) => isGet(r) && r.url.includes('/slow.bin'), 503, 'SlowDown', 2);
    assert.equal((await c.read('slow.bin')).toString(), 'slow down');
    const s = await c.stats('all');
    assert.ok(Number(s['backend_throttled']) >= 2);
  });

  it('diagnose knows the backend is a bucket: it measures through it and removes its object', async () => {
    const r = await runCli(['diagnose', '--json', '--socket', d.socket, '--size', '4MiB', '--random-time', '200ms', '--concurrency', '2'], { env: s3Env() });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as DiagnoseReport;
    assert.equal((report.config['s3'] as { bucket: string }).bucket, BUCKET);
    assert.equal(report.tests.sequential_read.cold.backend_bytes, 4 * MiB, 'the cold pass read the bucket');
    assert.equal(report.tests.sequential_read.warm.backend_bytes, 0);
    assert.match(report.tests.fio.note!, /the backend is an S3 bucket \(s3:\/\/train\/ds\/\.tiercache-diagnose-/);
    assert.equal(report.cleanup.removed, true);
    const left = server.seen.filter((x) => x.method === 'DELETE' && x.url.includes('.tiercache-diagnose-'));
    assert.equal(left.length, 1, 'the test object was deleted');
  });

  it('a missing bucket or bad credentials stop start-up with a clear error, never printing the secret', async () => {
    const noBucket = new TestDaemon({ flags: { ...s3Flags(), backend: 's3://no-such-bucket/x' }, env: s3Env() });
    await assert.rejects(noBucket.start(), /not found: bucket of s3:\/\/no-such-bucket\/x\/ .*NoSuchBucket/);
    await noBucket.cleanup();

    const secret = 'very-secret-key-material-0123456789';
    const badKey = new TestDaemon({
      flags: s3Flags(),
      env: { ...s3Env(), AWS_ACCESS_KEY_ID: 'AKIANOTAREALKEY00000', AWS_SECRET_ACCESS_KEY: secret },
    });
    const err = await badKey.start().then(() => undefined, (e: unknown) => e as Error);
    await badKey.cleanup();
    assert.ok(err, 'the daemon must not start');
    assert.match(err.message, /access to s3:\/\/train\/ds\/ .* denied \(InvalidAccessKeyId\)/);
    assert.ok(!badKey.stderr.includes(secret), 'the secret is never printed');
  });
});

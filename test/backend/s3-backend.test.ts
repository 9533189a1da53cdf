// The S3 backend against a real S3 API (s3rver, through a counting proxy).
//
// What s3rver does and does not do, checked here or in the daemon suite:
//   - HeadObject ETag, ranged GET, ListObjectsV2 with delimiter and
//     continuation tokens (with --openssl-legacy-provider, see s3rver-main.ts),
//     multipart create / upload part / complete, CopyObject: implemented, used
//     as they are.
//   - Credentials: an unknown access key is refused (403 InvalidAccessKeyId);
//     SigV4 signatures are not verified, so a wrong secret is not noticed.
//   - If-Match on GET: ignored (it answers 200 with the new bytes). The backend
//     also checks the answer's ETag, which is what catches a replaced object
//     here; the 412 path is exercised by the proxy answering 412.
//   - Part checksums (x-amz-checksum-crc32): accepted, not verified.
//   - ListMultipartUploads and AbortMultipartUpload: not implemented (501 /
//     405). The backend's degrade path (501 -> warn, nothing aborted) runs
//     against s3rver; the abort path runs against answers scripted by the proxy.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CreateMultipartUploadCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Backend } from '../../src/backend/s3-backend';
import { createLogger, type Logger } from '../../src/log';
import { getErrorCode, getErrorMessage } from '../../src/util/errors-message';
import { TestS3Server, S3_ACCESS_KEY, S3_SECRET_KEY, isGet, type SeenRequest } from '../helpers/s3-server';

const BUCKET = 'data';
const MiB = 2 ** 20;

describe('S3 backend against s3rver', () => {
  const server = new TestS3Server();
  let direct: S3Client;
  let backend: S3Backend;
  const logLines: string[] = [];
  const log: Logger = createLogger('debug', {}, (l) => void logLines.push(l));
  const put = (key: string, body: Buffer) => direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const make = (o: Partial<ConstructorParameters<typeof S3Backend>[0]> = {}) =>
    new S3Backend({
      bucket: BUCKET,
      prefix: 'ds/',
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      maxSockets: 16,
      partSize: 5 * MiB,
      log,
      listPageSize: 3,
      ...o,
    });

  before(async () => {
    process.env['AWS_ACCESS_KEY_ID'] = S3_ACCESS_KEY;
    process.env['AWS_SECRET_ACCESS_KEY'] = S3_SECRET_KEY;
    await server.start([BUCKET]);
    direct = new S3Client({ endpoint: server.directEndpoint, region: 'us-east-1', forcePathStyle: true });
    backend = make();
    await backend.open();
  });
  after(async () => {
    direct?.destroy();
    await backend?.close();
    await server.stop();
  });

  it('stats objects by HeadObject (ETag in the version) and directories by common prefix', async () => {
    await put('ds/a/one.bin', randomBytes(1000));
    const st = await backend.stat('a/one.bin');
    assert.equal(st.size, 1000);
    assert.equal(st.isDir, false);
    assert.match(st.version, /^1000-\d+-"[0-9a-f]{32}"$/);
    assert.equal((await backend.stat('a')).isDir, true);
    assert.equal((await backend.stat('')).isDir, true);
    const err = await failure(backend.stat('a/missing.bin'));
    assert.equal(getErrorCode(err), 'TC_NOT_FOUND');
    assert.match(getErrorMessage(err), /a\/missing\.bin/);
  });

  it('reads byte-exact random ranges, each one GET with If-Match', async () => {
    const data = randomBytes(3 * MiB + 17);
    await put('ds/r/file.bin', data);
    const st = await backend.stat('r/file.bin');
    const before = server.count(isGet);
    for (let i = 0; i < 40; i++) {
      const off = Math.floor(Math.random() * data.length);
      const len = 1 + Math.floor(Math.random() * 300_000);
      const got = await backend.read('r/file.bin', off, len, st.version);
      assert.ok(got.equals(data.subarray(off, off + len)), `range ${off}+${len}`);
    }
    const gets = server.seen.filter(isGet).slice(before);
    assert.equal(gets.length, 40);
    assert.ok(gets.every((g) => g.ifMatch === st.version.slice(st.version.indexOf('"'))));
  });

  it('fetches a large block as parallel ranges', async () => {
    const data = randomBytes(20 * MiB);
    await put('ds/big.bin', data);
    const st = await backend.stat('big.bin');
    const before = server.count(isGet);
    const got = await backend.read('big.bin', 0, data.length, st.version);
    assert.ok(got.equals(data));
    assert.equal(server.count(isGet) - before, 3); // 8 + 8 + 4 MiB
  });

  it('a replaced object is FILE_CHANGED, never bytes of the new version under the old one', async () => {
    await put('ds/v.bin', Buffer.alloc(4096, 1));
    const v1 = await backend.stat('v.bin');
    await put('ds/v.bin', Buffer.alloc(4096, 2));
    // s3rver ignores If-Match and answers 200: the answer's ETag gives it away.
    assert.equal(getErrorCode(await failure(backend.read('v.bin', 0, 4096, v1.version))), 'TC_FILE_CHANGED');
    // A store that honours If-Match answers 412.
    server.inject((r) => isGet(r) && r.url.includes('/v.bin'), 412, 'PreconditionFailed');
    const v2 = await backend.stat('v.bin');
    assert.equal(getErrorCode(await failure(backend.read('v.bin', 0, 4096, v2.version))), 'TC_FILE_CHANGED');
    assert.ok((await backend.read('v.bin', 0, 4096, v2.version)).equals(Buffer.alloc(4096, 2)));
  });

  it('readCurrent: one GET without If-Match, its headers the version stat() gives', async () => {
    const data = randomBytes(300_000);
    await put('ds/cur/one.bin', data);
    const before = server.count(isGet);
    const head = await backend.readCurrent('cur/one.bin', 0, 256 * 1024);
    const gets = server.seen.filter(isGet).slice(before);
    assert.equal(gets.length, 1, 'one request: no HEAD before it');
    assert.equal(gets[0]!.ifMatch, undefined);
    assert.ok(head.data.equals(data.subarray(0, 256 * 1024)));
    assert.deepEqual(head.stat, await backend.stat('cur/one.bin'), 'the size is the object\'s, not the range\'s');
    const whole = await backend.readCurrent('cur/one.bin', 0, MiB);
    assert.ok(whole.data.equals(data), 'a block longer than the object: all of it');
    // Not asked of s3rver: an empty object (its ranged GET answers 206 with Content-Length 1 and no byte, and hangs).
    assert.equal(getErrorCode(await failure(backend.readCurrent('cur/missing.bin', 0, MiB))), 'TC_NOT_FOUND');
    assert.equal(getErrorCode(await failure(backend.readCurrent('cur', 0, MiB))), 'TC_IS_DIRECTORY');
  });

  it('lists and readdirs through ListObjectsV2 pages (continuation tokens)', async () => {
    for (const k of ['l/a', 'l/b', 'l/c', 'l/d/x', 'l/d/y', 'l/e', 'l/f/g/h']) await put(`ds/${k}`, Buffer.from(k));
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) await put(`ds/flat/${k}`, Buffer.from(k));
    const tokens = server.count((r) => r.url.includes('continuation-token'));
    // Pages of 3 keys: a flat directory, a recursive listing, a delimited one.
    assert.deepEqual(await backend.readdir('flat'), ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => `flat/${k}`));
    const deep = [];
    for await (const st of backend.list('l', true)) deep.push(st);
    assert.deepEqual(deep.map((s) => s.path), ['l/a', 'l/b', 'l/c', 'l/d/x', 'l/d/y', 'l/e', 'l/f/g/h']);
    const flat = [];
    for await (const st of backend.list('l', false)) flat.push(st.path);
    assert.deepEqual(flat, ['l/a', 'l/b', 'l/c', 'l/e']);
    assert.ok(server.count((r) => r.url.includes('continuation-token')) - tokens >= 5, 'the continuation tokens were followed');
    // Common prefixes are directories. (One page here: after a continuation
    // token s3rver drops later common prefixes and repeats earlier ones, and it
    // reports a prefix only when a key sits directly under it, not l/f/ for
    // l/f/g/h; S3 does none of this. Repeats are merged anyway.)
    const onePage = make({ listPageSize: 1000 });
    await put('ds/l/f/i', Buffer.from('i'));
    assert.deepEqual(await onePage.readdir('l'), ['l/a', 'l/b', 'l/c', 'l/d', 'l/e', 'l/f']);
    await onePage.close();
    // Versions from a listing equal HeadObject's, so a listed file is not re-read as changed.
    assert.equal(deep[0]!.version, (await backend.stat('l/a')).version);
    assert.equal(getErrorCode(await failure(backend.readdir('nope'))), 'TC_NOT_FOUND');
  });

  it('writes a small object with one PUT and a large one as a checksummed multipart upload', async () => {
    const small = randomBytes(1000);
    const puts = server.count((r) => r.method === 'PUT');
    const st = await backend.write('w/small.bin', chunks(small, 100));
    assert.equal(st.size, 1000);
    assert.equal(server.count((r) => r.method === 'PUT') - puts, 1);
    assert.ok((await backend.read('w/small.bin', 0, 1000, st.version)).equals(small));

    const large = randomBytes(12 * MiB + 5);
    const before = server.seen.length;
    const big = await backend.write('w/large.bin', chunks(large, 64 * 1024));
    const sent = server.seen.slice(before);
    assert.equal(sent.filter((r) => r.method === 'POST' && r.url.includes('uploads')).length, 1);
    assert.equal(sent.filter((r) => r.method === 'PUT' && r.url.includes('uploadId')).length, 3); // 5 + 5 + 2 MiB
    assert.equal(sent.filter((r) => r.method === 'POST' && r.url.includes('uploadId')).length, 1);
    assert.equal(big.size, large.length);
    assert.ok((await backend.read('w/large.bin', 0, large.length, big.version)).equals(large));
  });

  it('an upload that fails part-way leaves no object', async () => {
    server.inject((r) => r.method === 'PUT' && r.url.includes('partNumber=2'), 400, 'InvalidPart', 99);
    const err = await failure(backend.write('w/torn.bin', chunks(randomBytes(11 * MiB), MiB)));
    assert.equal(getErrorCode(err), 'TC_BACKEND_UNAVAILABLE');
    assert.match(getErrorMessage(err), /s3:\/\/data\/ds\/w\/torn\.bin/);
    assert.equal(getErrorCode(await failure(backend.stat('w/torn.bin'))), 'TC_NOT_FOUND');
    server.seen.length = 0;
  });

  it('deletes (idempotently) and renames (copy, then delete)', async () => {
    await backend.write('m/from.bin', chunks(Buffer.from('moving'), 3));
    await backend.rename('m/from.bin', 'm/to.bin');
    assert.equal(getErrorCode(await failure(backend.stat('m/from.bin'))), 'TC_NOT_FOUND');
    const st = await backend.stat('m/to.bin');
    assert.equal((await backend.read('m/to.bin', 0, 6, st.version)).toString(), 'moving');
    await backend.delete('m/to.bin');
    await backend.delete('m/to.bin');
    assert.equal(getErrorCode(await failure(backend.stat('m/to.bin'))), 'TC_NOT_FOUND');
  });

  it('maps 403 to PERMISSION_DENIED and 404 to NOT_FOUND, naming bucket and key', async () => {
    server.inject((r) => r.method === 'HEAD' && r.url.includes('/secret.bin'), 403, 'AccessDenied');
    const denied = await failure(backend.stat('secret.bin'));
    assert.equal(getErrorCode(denied), 'TC_PERMISSION_DENIED');
    assert.match(getErrorMessage(denied), /s3:\/\/data\/ds\/secret\.bin/);
  });

  it('retries throttling (503 SlowDown, 429) with back-off and counts it', async () => {
    await put('ds/t.bin', Buffer.from('throttled but served'));
    const st = await backend.stat('t.bin');
    const before = backend.counters.throttled;
    server.inject((r) => isGet(r) && r.url.includes('/t.bin'), 503, 'SlowDown', 2);
    server.inject((r) => isGet(r) && r.url.includes('/t.bin'), 429, 'TooManyRequests', 1);
    assert.equal((await backend.read('t.bin', 0, 20, st.version)).toString(), 'throttled but served');
    assert.equal(backend.counters.throttled - before, 3);
    // Still throttled after every attempt: UNAVAILABLE, saying so.
    server.inject((r) => isGet(r) && r.url.includes('/t.bin'), 503, 'SlowDown', 99);
    const err = await failure(backend.read('t.bin', 0, 20, st.version));
    assert.equal(getErrorCode(err), 'TC_BACKEND_UNAVAILABLE');
    assert.match(getErrorMessage(err), /throttled/);
  });

  it('a network failure is UNAVAILABLE with its cause', async () => {
    const dead = make({ endpoint: 'http://127.0.0.1:9' });
    const err = await failure(dead.stat('x/y.bin'));
    await dead.close();
    assert.equal(getErrorCode(err), 'TC_BACKEND_UNAVAILABLE');
    assert.match(getErrorMessage(err), /s3:\/\/data\/ds\/x\/y\.bin at http:\/\/127\.0\.0\.1:9.*ECONNREFUSED/);
  });

  it('bad credentials and a missing bucket fail open() clearly, and no secret is ever printed', async () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIAIOSFODNN7EXAMPLE';
    process.env['AWS_SECRET_ACCESS_KEY'] = secret;
    const bad = make();
    const err = await failure(bad.open());
    await bad.close();
    process.env['AWS_ACCESS_KEY_ID'] = S3_ACCESS_KEY;
    process.env['AWS_SECRET_ACCESS_KEY'] = S3_SECRET_KEY;
    assert.equal(getErrorCode(err), 'TC_PERMISSION_DENIED');
    assert.match(getErrorMessage(err), /s3:\/\/data\/ds\/.*InvalidAccessKeyId.*check the credentials/);
    const everything = `${getErrorMessage(err)} ${String((err as Error).cause ?? '')} ${JSON.stringify(err)} ${logLines.join('')}`;
    assert.ok(!everything.includes(secret));

    const missing = make({ bucket: 'no-such-bucket' });
    const gone = await failure(missing.open());
    await missing.close();
    assert.equal(getErrorCode(gone), 'TC_NOT_FOUND');
    assert.match(getErrorMessage(gone), /s3:\/\/no-such-bucket\//);
  });

  it('cleanupIncomplete: s3rver cannot list uploads (warns, aborts nothing)', async () => {
    assert.equal(await backend.cleanupIncomplete('ckpt'), 0);
    assert.ok(logLines.some((l) => l.includes('cannot list multipart uploads')));
  });

  it('cleanupIncomplete aborts every upload listed under the prefix, page by page (scripted ListMultipartUploads)', async () => {
    // Real uploads on s3rver, never completed (a crashed writer).
    const ids: string[] = [];
    for (const k of ['ds/ckpt/j/1/data', 'ds/ckpt/j/2/data', 'ds/ckpt/j/3/data']) {
      ids.push((await direct.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: k }))).UploadId!);
    }
    const listing = (from: number, to: number, truncated: boolean) =>
      `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${BUCKET}</Bucket>` +
      `<IsTruncated>${truncated}</IsTruncated><NextKeyMarker>ds/ckpt/j/${to}/data</NextKeyMarker><NextUploadIdMarker>${ids[to - 1]}</NextUploadIdMarker>` +
      ids.slice(from - 1, to).map((id, i) => `<Upload><Key>ds/ckpt/j/${from + i}/data</Key><UploadId>${id}</UploadId></Upload>`).join('') +
      `</ListMultipartUploadsResult>`;
    const lists: string[] = [];
    const q = (r: SeenRequest) => new URL(r.url, 'http://x').searchParams;
    server.respond((r) => r.method === 'GET' && q(r).has('uploads') && !q(r).has('key-marker'), 200, (r) => (lists.push(r.url), listing(1, 2, true)));
    server.respond((r) => r.method === 'GET' && q(r).has('uploads') && q(r).has('key-marker'), 200, (r) => (lists.push(r.url), listing(3, 3, false)));
    server.respond((r) => r.method === 'DELETE' && r.url.includes('uploadId='), 204, () => '', 3);
    const before = server.seen.length;
    const n = await backend.cleanupIncomplete('ckpt');
    assert.equal(n, 3);
    assert.ok(lists.every((u) => u.includes('prefix=ds%2Fckpt%2F')), lists.join(' '));
    const aborts = server.seen.slice(before).filter((r) => r.method === 'DELETE');
    assert.deepEqual(aborts.map((r) => new URL(r.url, 'http://x').searchParams.get('uploadId')), ids);
  });

  it('cleanupIncomplete on a shared bucket aborts only uploads older than backend-incomplete-min-age (scripted ListMultipartUploads)', async () => {
    // Two uploads a crashed node left hours ago, and one another node started a minute ago and is still sending.
    const keys = ['ds/ckpt/a/1/data', 'ds/ckpt/b/2/data', 'ds/ckpt/c/3/data'];
    const ids: string[] = [];
    for (const k of keys) ids.push((await direct.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: k }))).UploadId!);
    const initiated = [Date.now() - 3 * 3600_000, Date.now() - 60_000, Date.now() - 2 * 3600_000].map((t) => new Date(t).toISOString());
    const listing =
      `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${BUCKET}</Bucket><IsTruncated>false</IsTruncated>` +
      keys.map((k, i) => `<Upload><Key>${k}</Key><UploadId>${ids[i]}</UploadId><Initiated>${initiated[i]}</Initiated></Upload>`).join('') +
      `</ListMultipartUploadsResult>`;
    const q = (r: SeenRequest) => new URL(r.url, 'http://x').searchParams;
    server.respond((r) => r.method === 'GET' && q(r).has('uploads'), 200, () => listing);
    server.respond((r) => r.method === 'DELETE' && r.url.includes('uploadId='), 204, () => '', 2);
    const shared = make({ incomplete: { writerTag: 'node_b', minAgeMs: 3600_000 } });
    try {
      const before = server.seen.length;
      assert.equal(await shared.cleanupIncomplete('ckpt'), 2);
      const aborted = server.seen.slice(before).filter((r) => r.method === 'DELETE').map((r) => q(r).get('uploadId'));
      assert.deepEqual(aborted, [ids[0], ids[2]], 'the upload in flight on another node is left alone');
    } finally {
      await shared.close();
    }
  });
});

/** The error a promise rejects with; fails the test if it resolves. */
async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return assert.fail('expected a failure');
}

async function* chunks(data: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

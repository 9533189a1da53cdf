// Checkpoints on an S3 backend (s3rver behind the counting proxy), through
// the same Backend contract as on a POSIX mount: persisted to the bucket
// (multipart above the part size), loaded by a second daemon on the same
// bucket, trimmed by retention, and at start-up the multipart uploads a
// crashed daemon left under the checkpoint prefix are aborted.
//
// s3rver implements neither ListMultipartUploads (501) nor
// AbortMultipartUpload (405); the start-up abort runs against answers
// scripted by the proxy (as in test/backend/s3-backend.test.ts), and the
// real uploads behind them stay on s3rver.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMultipartUploadCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDaemon, eventually, pseudoRandomBytes } from '../helpers/daemon';
import { TestS3Server, s3Env, type SeenRequest } from '../helpers/s3-server';
import type { TiercacheClient } from '../../src/client/client';
import { readCheckpoint } from '../../src/client/checkpoints';
import { checkpointStats, ids, sha256 } from './fixtures';

const MiB = 2 ** 20;
const BUCKET = 'models';
/** Keys of checkpoints: <prefix>/<checkpoint-root>/<job>/<id>/{data,manifest.json}. */
const ROOT = 'ds/checkpoints';

describe('checkpoints on an S3 backend', () => {
  const server = new TestS3Server();
  let direct: S3Client;
  const daemons: TestDaemon[] = [];
  const clients: TiercacheClient[] = [];
  const newDaemon = (dir?: string): TestDaemon => {
    const d = new TestDaemon({
      dir,
      flags: { backend: `s3://${BUCKET}/ds`, 's3-endpoint': server.endpoint, 's3-force-path-style': 'true', 's3-part-size': '5MiB', 'max-checkpoints': '2' },
      env: s3Env(),
    });
    daemons.push(d);
    return d;
  };
  const daemon = async (): Promise<TiercacheClient> => {
    const d = await newDaemon().start();
    const c = d.client();
    clients.push(c);
    return c;
  };
  const scratch = mkdtempSync(join(tmpdir(), 'tc-s3-ckpt-'));
  const object = async (key: string): Promise<Buffer> => {
    const r = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
  };
  /** Checkpoint ids on the bucket for a job, with the objects each has. */
  const onBucket = async (job: string): Promise<Map<string, string[]>> => {
    const r = await direct.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${ROOT}/${job}/` }));
    const out = new Map<string, string[]>();
    for (const o of r.Contents ?? []) {
      const [id, name] = o.Key!.slice(`${ROOT}/${job}/`.length).split('/');
      out.set(id!, [...(out.get(id!) ?? []), name!].sort());
    }
    return out;
  };

  before(async () => {
    await server.start([BUCKET]);
    direct = server.directClient();
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const d of daemons) await d.cleanup();
    direct?.destroy();
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('persists a checkpoint to the bucket as a multipart upload, and a second daemon on the bucket loads it', async () => {
    const a = await daemon();
    const data = pseudoRandomBytes(11 * MiB + 3, 21);
    const saved = await a.checkpoints.save('llm', data, { step: 1, sync: true });
    assert.equal(saved.state, 'PERSISTED');
    assert.equal(saved.path, `checkpoints/llm/${saved.id}`);
    assert.deepEqual([...(await onBucket('llm'))], [[saved.id, ['data', 'manifest.json']]]);
    assert.ok((await object(`${ROOT}/llm/${saved.id}/data`)).equals(data), 'the bytes on the bucket');
    const manifest = JSON.parse((await object(`${ROOT}/llm/${saved.id}/manifest.json`)).toString()) as { sha256: string; size: number };
    assert.equal(manifest.sha256, sha256(data));
    assert.equal(manifest.size, data.length);
    const uploads = server.count((r) => r.method === 'POST' && r.url.startsWith(`/${BUCKET}/${ROOT}/llm/${saved.id}/data?uploads`));
    assert.equal(uploads, 1, 'above s3-part-size the data went as one multipart upload');

    const b = await daemon();
    assert.deepEqual(ids(await b.checkpoints.list('llm')), [saved.id]);
    const loaded = await readCheckpoint(b.checkpoints.loadLatest('llm'));
    assert.equal(loaded.info.id, saved.id);
    assert.equal(loaded.info.state, 'PERSISTED');
    assert.ok(loaded.data.equals(data), 'loaded from the bucket by another daemon, byte for byte');
  });

  it('retention deletes old checkpoints from the bucket, keeping max-checkpoints', async () => {
    const [a, b] = clients as [TiercacheClient, TiercacheClient];
    const later = [];
    for (let step = 2; step <= 4; step++) later.push(await a.checkpoints.save('llm', pseudoRandomBytes(MiB + step, step), { step, sync: true }));
    const newest = later.slice(-2).map((s) => s.id).reverse();
    await eventually(async () => (await onBucket('llm')).size === 2, 10_000, 'retention on the bucket');
    const left = await onBucket('llm');
    assert.deepEqual([...left.keys()].sort().reverse(), newest);
    for (const id of newest) assert.deepEqual(left.get(id), ['data', 'manifest.json']);
    assert.deepEqual(ids(await a.checkpoints.list('llm')), newest);
    // (The other daemon still lists the copy of step 1 it staged when it loaded it: a local copy, kept until its own retention runs.)
    const latest = await readCheckpoint(b.checkpoints.loadLatest('llm'));
    assert.equal(latest.info.id, newest[0]);
    assert.ok(latest.data.equals(pseudoRandomBytes(MiB + 4, 4)), 'the other daemon loads the newest from the bucket');
  });

  it('at start-up, aborts the multipart uploads left under the checkpoint prefix long ago, and only those', async () => {
    // Real uploads on s3rver, never completed: a daemon killed mid-persist two hours ago, and another node's
    // started a minute ago and still under way (and someone else's outside the prefix, never listed).
    const deadKey = `${ROOT}/llm/1764590000000-00000009-dead/data`;
    const liveKey = `${ROOT}/llm/1764590000000-00000010-live/data`;
    const left = (await direct.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: deadKey }))).UploadId!;
    const live = (await direct.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: liveKey }))).UploadId!;
    const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
    const q = (r: SeenRequest) => new URL(r.url, 'http://x').searchParams;
    const listings: string[] = [];
    server.respond(
      (r) => r.method === 'GET' && q(r).has('uploads') && q(r).get('prefix') === `${ROOT}/`,
      200,
      (r) => {
        listings.push(r.url);
        return (
          `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${BUCKET}</Bucket><IsTruncated>false</IsTruncated>` +
          `<Upload><Key>${deadKey}</Key><UploadId>${left}</UploadId><Initiated>${at(2 * 3600_000)}</Initiated></Upload>` +
          `<Upload><Key>${liveKey}</Key><UploadId>${live}</UploadId><Initiated>${at(60_000)}</Initiated></Upload></ListMultipartUploadsResult>`
        );
      },
    );
    const abort = server.respond((r) => r.method === 'DELETE' && q(r).get('uploadId') === left, 204, () => '');
    const before = server.seen.length;
    const c = await daemon();
    assert.equal(listings.length, 1, 'the uploads under the checkpoint prefix were listed once at start-up');
    assert.equal(abort.times, 0, 'the upload left under the prefix was aborted');
    const aborts = server.seen.slice(before).filter((r) => r.method === 'DELETE' && q(r).has('uploadId'));
    assert.deepEqual(aborts.map((r) => r.url.split('?')[0]), [`/${BUCKET}/${deadKey}`], 'nothing else aborted: not the upload in flight');
    assert.equal((await c.checkpoints.list('llm')).length, 2, 'the complete checkpoints are untouched');
  });

  it('a daemon killed -9 in the middle of a multipart persist finishes it after restart; the bucket never shows it torn', async () => {
    const dir = join(scratch, 'node');
    let d = newDaemon(dir);
    await d.start(['--emulate-backend-bandwidth', '8MiB']);
    let c = d.client();
    const data = pseudoRandomBytes(24 * MiB + 5, 31);
    const saved = await c.checkpoints.save('crash', data, { step: 1 });
    assert.equal(saved.state, 'LOCAL');
    const parts = () => server.count((r) => r.method === 'PUT' && r.url.startsWith(`/${BUCKET}/${ROOT}/crash/${saved.id}/data?`) && r.url.includes('partNumber='));
    await eventually(() => parts() >= 1, 10_000, 'the multipart upload under way');
    await d.kill();
    c.close();
    assert.equal((await onBucket('crash')).size, 0, 'an upload cut short is not an object: nothing of the checkpoint shows');

    d = newDaemon(dir);
    await d.start();
    c = d.client();
    clients.push(c);
    await eventually(async () => (await checkpointStats(c))['pending_persist'] === 0, 20_000, 'the persist resumed');
    assert.deepEqual([...(await onBucket('crash'))], [[saved.id, ['data', 'manifest.json']]]);
    assert.ok((await object(`${ROOT}/crash/${saved.id}/data`)).equals(data), 'complete on the bucket, byte for byte');
    assert.equal((await c.checkpoints.list('crash'))[0]!.state, 'PERSISTED');
  });
});

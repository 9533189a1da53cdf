// The checkpoint mount (--checkpoint-mount) persisting to an S3 backend
// (s3rver behind the counting proxy): a file a real program writes through
// the mount appears on the bucket complete, under its name only.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { TestDaemon, runCli } from '../helpers/daemon';
import { fuseMissing, mountDir, requireFuse, run } from '../helpers/fuse';
import { TestS3Server, s3Env } from '../helpers/s3-server';

const skip = fuseMissing() !== undefined && process.env['CI'] !== 'true';
const BUCKET = 'ckpts';
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('checkpoint mount on an S3 backend', { skip }, () => {
  const server = new TestS3Server();
  const mnt = mountDir('tc-ckmnt-s3-');
  let direct: S3Client | undefined;
  let d: TestDaemon | undefined;

  before(async () => {
    await server.start([BUCKET]);
    direct = server.directClient();
  });
  after(async () => {
    await d?.stop().catch(() => {});
    await d?.cleanup();
    mnt.remove();
    direct?.destroy();
    await server.stop();
  });

  it('a file written through the mount appears complete on the bucket (multipart), under its name only', async (t) => {
    if (!requireFuse(t)) return;
    d = await new TestDaemon({
      flags: {
        backend: `s3://${BUCKET}/ds`,
        's3-endpoint': server.endpoint,
        's3-force-path-style': 'true',
        's3-part-size': '5MiB',
        'checkpoint-mount': mnt.dir,
        'checkpoint-mount-root': 'ckpt',
      },
      env: s3Env(),
    }).start();
    // Out of this process (as a training job would): a synchronous call here would block the test's event loop.
    const mk = await run('mkdir', [join(mnt.dir, 'run1')]);
    assert.equal(mk.code, 0, mk.stderr);
    const r = await run('dd', ['if=/dev/urandom', `of=${mnt.dir}/run1/step-100.pt`, 'bs=1M', 'count=12', 'conv=fsync', 'status=none']);
    assert.equal(r.code, 0, r.stderr);
    const written = (await run('cat', [join(mnt.dir, 'run1/step-100.pt')])).stdout;
    assert.equal(written.length, 12 * 2 ** 20);
    const w = await runCli(['checkpoint', 'wait', '--socket', d.socket, '--timeout', '60s']);
    assert.equal(w.code, 0, w.stderr);
    const listed = await direct!.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'ds/ckpt/' }));
    assert.deepEqual((listed.Contents ?? []).map((o) => [o.Key, o.Size]), [['ds/ckpt/run1/step-100.pt', 12 * 2 ** 20]]);
    const got = await direct!.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ds/ckpt/run1/step-100.pt' }));
    assert.equal(sha256(await got.Body!.transformToByteArray()), sha256(written), 'the bytes on the bucket are the bytes written');
    assert.equal(server.count((x) => x.method === 'POST' && x.url.startsWith(`/${BUCKET}/ds/ckpt/run1/step-100.pt?uploads`)), 1, 'one multipart upload');
  });
});

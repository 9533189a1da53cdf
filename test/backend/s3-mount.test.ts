// The read-only POSIX mount over an S3 backend: unmodified programs (ls,
// cat, dd) read a bucket's objects through the cache, bytes equal, and a
// re-read reaches neither the daemon's backend nor the bucket; an epoch
// plan fetches ahead from the bucket so the epoch itself sends no GET.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { TestDaemon, eventually, pseudoRandomBytes } from '../helpers/daemon';
import { fuseMissing, mountDir, requireFuse, run } from '../helpers/fuse';
import { TestS3Server, isGet, s3Env } from '../helpers/s3-server';

const MiB = 2 ** 20;
const BUCKET = 'mounted';
const skip = fuseMissing() !== undefined && process.env['CI'] !== 'true';

describe('daemon --mount over an S3 backend', { skip }, () => {
  const server = new TestS3Server();
  const mp = mountDir('tc-s3mnt-');
  let direct: S3Client;
  let d: TestDaemon | undefined;
  const big = pseudoRandomBytes(3 * MiB + 77, 9);
  const getsOf = (key: string) => server.count((r) => isGet(r) && r.url.startsWith(`/${BUCKET}/ds/${key}`));

  before(async () => {
    if (fuseMissing()) return;
    await server.start([BUCKET]);
    direct = server.directClient();
    await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ds/train/big.bin', Body: big }));
    await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ds/train/label.txt', Body: 'cat\n' }));
    for (let i = 0; i < 4; i++) await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: `ds/epoch/${i}.bin`, Body: pseudoRandomBytes(200_000, 20 + i) }));
    d = new TestDaemon({
      flags: { backend: `s3://${BUCKET}/ds`, 's3-endpoint': server.endpoint, 's3-force-path-style': 'true', mount: mp.dir, 'block-size': '1MiB' },
      env: s3Env(),
    });
    await d.start();
  });
  after(async () => {
    if (d) {
      await d.stop();
      await d.cleanup();
    }
    mp.remove();
    direct?.destroy();
    await server.stop();
  });

  it('lists common prefixes as directories and serves objects byte for byte to cat and dd', async (t) => {
    if (!requireFuse(t)) return;
    assert.deepEqual((await run('ls', [join(mp.dir, 'train')])).stdout.toString().split('\n').filter(Boolean), ['big.bin', 'label.txt']);
    assert.equal((await run('cat', [join(mp.dir, 'train/label.txt')])).stdout.toString(), 'cat\n');
    assert.ok((await run('cat', [join(mp.dir, 'train/big.bin')])).stdout.equals(big), 'cat big.bin');
    const dd = await run('dd', [`if=${join(mp.dir, 'train/big.bin')}`, 'bs=64K', 'skip=20', 'count=4', 'status=none']);
    assert.ok(dd.stdout.equals(big.subarray(20 * 65536, 24 * 65536)), 'dd skip');
  });

  it('a re-read sends no GET to the bucket', async (t) => {
    if (!requireFuse(t)) return;
    const before = getsOf('train/big.bin');
    assert.ok(before >= 1, 'the first read fetched from the bucket');
    assert.ok((await run('cat', [join(mp.dir, 'train/big.bin')])).stdout.equals(big));
    assert.equal(getsOf('train/big.bin'), before);
  });

  it('an epoch plan prefetches from the bucket, so the epoch read through the mount sends no GET', async (t) => {
    if (!requireFuse(t)) return;
    const paths = [3, 1, 0, 2].map((i) => `epoch/${i}.bin`);
    const c = d!.client();
    try {
      const plan = await c.submitPlan('s3-epoch', 1, paths);
      assert.equal(plan.files_accepted, 4);
      await eventually(() => paths.every((p) => getsOf(p) >= 1), 10_000, 'the plan fetched every file');
      const before = paths.map(getsOf);
      for (const [k, p] of paths.entries()) {
        const i = Number(/(\d)\.bin$/.exec(p)![1]);
        assert.ok((await run('cat', [join(mp.dir, p)])).stdout.equals(pseudoRandomBytes(200_000, 20 + i)), p);
        assert.equal(getsOf(p), before[k], `${p} was read from the cache`);
      }
    } finally {
      c.close();
    }
  });
});

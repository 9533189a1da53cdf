// --backend s3://BUCKET/PREFIX and the s3-* options: parsed once, bad values
// named at start-up.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load';
import { parseS3Url, keyOf, dirKeyOf, relOf } from '../../src/backend/s3-location';

describe('s3 backend options', () => {
  it('a POSIX backend by default', () => {
    assert.equal(loadConfig({ cwd: '/srv' }).s3, undefined);
  });

  it('parses bucket, prefix, endpoint, region, path style and part size', () => {
    const c = loadConfig({
      flags: { backend: 's3://datasets/imagenet/train/', 's3-endpoint': 'http://minio.storage:9000', 's3-region': 'eu-west-1', 's3-force-path-style': 'true', 's3-part-size': '16MiB' },
    });
    assert.deepEqual(c.s3, {
      bucket: 'datasets',
      prefix: 'imagenet/train/',
      endpoint: 'http://minio.storage:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      partSize: 16 * 2 ** 20,
    });
    assert.ok(Object.isFrozen(c.s3));
    const bare = loadConfig({ flags: { backend: 's3://datasets' } }).s3!;
    assert.equal(bare.prefix, '');
    assert.equal(bare.region, undefined); // left to the SDK's chain
    assert.equal(bare.forcePathStyle, false);
  });

  it('names the key, the value and what is allowed', () => {
    assert.throws(() => loadConfig({ flags: { backend: '/mnt/data' } }), /invalid backend: \/mnt\/data; expected s3:\/\/BUCKET\/PREFIX \(use backend-dir/);
    assert.throws(() => loadConfig({ flags: { backend: 's3://Bad_Bucket/x' } }), /invalid backend: bucket name "Bad_Bucket"/);
    assert.throws(() => loadConfig({ flags: { backend: 's3://b1b/a/../x' } }), /may not contain \. or \.\./);
    assert.throws(() => loadConfig({ flags: { backend: 's3://bkt', 's3-endpoint': 'minio:9000' } }), /invalid s3-endpoint: "minio:9000"; .*http:\/\/ or https:\/\//);
    assert.throws(() => loadConfig({ flags: { backend: 's3://bkt', 's3-part-size': '1MiB' } }), /invalid s3-part-size/);
    assert.throws(() => loadConfig({ flags: { 's3-endpoint': 'http://x:9000' } }), /invalid s3-endpoint: it applies to an s3:\/\/ backend only/);
  });

  it('maps relative paths to keys under the prefix and back', () => {
    const loc = parseS3Url('s3://b-1/p/q', 'backend');
    assert.equal(keyOf(loc, 'a/b.bin'), 'p/q/a/b.bin');
    assert.equal(dirKeyOf(loc, ''), 'p/q/');
    assert.equal(dirKeyOf(loc, 'a'), 'p/q/a/');
    assert.equal(relOf(loc, 'p/q/a/b.bin'), 'a/b.bin');
    assert.equal(dirKeyOf(parseS3Url('s3://b-1', 'backend'), ''), '');
  });
});

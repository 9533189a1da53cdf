// Peers over an S3 backend: three real daemons on loopback caching the same
// bucket (s3rver behind the counting proxy). A block read through every one
// of them reaches the store once: its owner fetched it, the others asked the
// owner.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PeerCluster } from '../helpers/peer-cluster';
import { pseudoRandomBytes } from '../helpers/daemon';
import { TestS3Server, isGet, s3Env } from '../helpers/s3-server';
import type { TiercacheClient } from '../../src/client/client';

const MiB = 2 ** 20;
const BUCKET = 'shared';

describe('distributed tier on an S3 backend: 3 daemons, one bucket', () => {
  const server = new TestS3Server();
  let direct: S3Client | undefined;
  let cluster: PeerCluster | undefined;
  let clients: TiercacheClient[] = [];
  const files = Array.from({ length: 4 }, (_, i) => ({ name: `ds/part-${i}.bin`, data: pseudoRandomBytes(2 * MiB + 777 * i + 1, 40 + i) }));

  before(async () => {
    await server.start([BUCKET]);
    direct = server.directClient();
    for (const f of files) await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: `data/${f.name}`, Body: f.data }));
    cluster = await PeerCluster.start({
      flags: { backend: `s3://${BUCKET}/data`, 's3-endpoint': server.endpoint, 's3-force-path-style': 'true', 'metadata-ttl': '1h', 'ssd-cache-size': '64MiB' },
      env: s3Env(),
    });
    clients = cluster.nodes.map((n) => n.client());
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.cleanup();
    direct?.destroy();
    await server.stop();
  });

  it('reads every block from the bucket once when the files are read through A, then B, then C', async () => {
    for (const c of clients) {
      for (const f of files) assert.ok((await c.read(f.name)).equals(f.data), `${f.name} through ${c.target}`);
    }
    for (const f of files) {
      const blocks = Math.ceil(f.data.length / MiB);
      const gets = server.seen.filter((r) => isGet(r) && r.url.startsWith(`/${BUCKET}/data/${f.name}`));
      assert.equal(gets.length, blocks, `${f.name}: one ranged GET per block in the whole cluster (${gets.map((g) => g.range).join(', ')})`);
      assert.equal(new Set(gets.map((g) => g.range)).size, blocks, 'each block once');
    }
    let fetchedFromPeers = 0;
    for (const c of clients) fetchedFromPeers += ((await c.stats('all'))['distributed'] as { blocks_fetched_from_peers: number }).blocks_fetched_from_peers;
    assert.ok(fetchedFromPeers > 0, 'non-owners got blocks from their owners');
  });
});

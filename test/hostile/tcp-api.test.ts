// Hostile clients on the TCP port (--listen): any pod of the cluster can
// reach it. What must hold: without credentials nothing but Peer (token
// checked) and Health answers, so no file is read, no checkpoint forged or
// deleted; services enabled on purpose demand the TCP token.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { TestDaemon, failure } from '../helpers/daemon';
import { TiercacheClient } from '../../src/client/client';
import { services, CHANNEL_OPTIONS } from '../../src/protocol/load';

const TOKEN = 'tcp-token-0123456789abcdef';

function healthOver(port: number, service = ''): Promise<string> {
  const h = new services.Health(`127.0.0.1:${port}`, credentials.createInsecure(), { ...CHANNEL_OPTIONS });
  return new Promise((resolve, reject) => {
    (h as unknown as { Check: (r: unknown, cb: (e: Error | null, r?: { status: string }) => void) => void }).Check(
      { service },
      (err, res) => {
        h.close();
        if (err) reject(err);
        else resolve(res!.status);
      },
    );
  });
}

describe('TCP serves only Peer and Health by default', () => {
  const d = new TestDaemon({ flags: { listen: '127.0.0.1:0' } });
  let attacker: TiercacheClient;
  let owner: TiercacheClient;

  before(async () => {
    writeFileSync(join(d.backendDir, 'private.txt'), 'secret');
    await d.start();
    attacker = new TiercacheClient({ address: `127.0.0.1:${d.tcpPort}`, job: 'attacker' });
    owner = d.client('victim-job');
    await owner.checkpoints.save('victim-job', Buffer.from('victim weights'), { step: 1, sync: true, transport: 'stream' });
  });
  after(async () => {
    attacker?.close();
    owner?.close();
    await d.cleanup();
  });

  it('refuses Cache calls: no file is read over TCP', async () => {
    const f = await failure(attacker.read('private.txt'));
    assert.equal(f.code, 'PERMISSION_DENIED');
    assert.match(f.message, /Cache is not served over TCP \(tcp-services: .*\); call it on the Unix socket/);
    assert.equal((await failure(attacker.stat('private.txt'))).code, 'PERMISSION_DENIED');
  });

  it('refuses a ReadSession too, and stays up', async () => {
    const viaSession = new TiercacheClient({ address: `127.0.0.1:${d.tcpPort}`, job: 'attacker', readSession: true });
    try {
      const f = await failure(viaSession.read('private.txt'));
      assert.equal(f.code, 'PERMISSION_DENIED');
      assert.match(f.message, /Cache is not served over TCP/);
    } finally {
      viaSession.close();
    }
    assert.equal((await owner.read('private.txt')).toString(), 'secret');
  });

  it('refuses Checkpoints calls: no forged save, no delete of the victim', async () => {
    const save = await failure(attacker.checkpoints.save('victim-job', Buffer.from('evil'), { step: 2, sync: true, transport: 'stream' }));
    assert.equal(save.code, 'PERMISSION_DENIED');
    const list = await owner.checkpoints.list('victim-job');
    assert.equal((await failure(attacker.checkpoints.delete('victim-job', list[0]!.id))).code, 'PERMISSION_DENIED');
    const latest = await owner.checkpoints.loadLatest('victim-job');
    const chunks: Buffer[] = [];
    for await (const b of latest.stream) chunks.push(b as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'victim weights');
    assert.ok(readdirSync(join(d.backendDir, 'checkpoints', 'victim-job')).length > 0);
  });

  it('refuses Admin calls', async () => {
    assert.equal((await failure(attacker.stats())).code, 'PERMISSION_DENIED');
  });

  it('answers Health for the kubelet probes, and the Unix socket still serves everything', async () => {
    assert.equal(await healthOver(d.tcpPort), 'SERVING');
    assert.equal((await owner.read('private.txt')).toString(), 'secret');
  });
});

describe('TCP services enabled on purpose need the token', () => {
  const d = new TestDaemon({ flags: { listen: '127.0.0.1:0', 'tcp-services': 'Peer,Health,Cache,Checkpoints' } });

  before(async () => {
    writeFileSync(join(d.dir, 'token'), TOKEN + '\n');
    d.flags['tcp-token-file'] = join(d.dir, 'token');
    writeFileSync(join(d.backendDir, 'private.txt'), 'secret');
    await d.start();
  });
  after(() => d.cleanup());

  it('refuses calls without the token or with a wrong one', async () => {
    for (const token of [undefined, 'wrong-token-0123456789']) {
      const c = new TiercacheClient({ address: `127.0.0.1:${d.tcpPort}`, token });
      try {
        const f = await failure(c.read('private.txt'));
        assert.equal(f.code, 'UNAUTHENTICATED');
        assert.match(f.message, /must carry a valid x-tiercache-token/);
        assert.equal((await failure(c.checkpoints.save('victim-job', Buffer.from('evil'), { transport: 'stream' }))).code, 'UNAUTHENTICATED');
      } finally {
        c.close();
      }
    }
    assert.equal(existsSync(join(d.backendDir, 'checkpoints', 'victim-job')), false);
  });

  it('serves a caller with the token; Admin, not listed, stays refused', async () => {
    const c = new TiercacheClient({ address: `127.0.0.1:${d.tcpPort}`, token: TOKEN });
    try {
      assert.equal((await c.read('private.txt')).toString(), 'secret');
      assert.equal((await failure(c.stats())).code, 'PERMISSION_DENIED');
    } finally {
      c.close();
    }
  });

  it('refuses to start with services beyond Peer and Health but no token file', async () => {
    const bad = new TestDaemon({ flags: { listen: '127.0.0.1:0', 'tcp-services': 'Cache' } });
    try {
      await assert.rejects(bad.start(), /invalid tcp-services: Cache over TCP need tcp-token-file/);
    } finally {
      await bad.cleanup();
    }
  });
});

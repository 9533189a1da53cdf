// Membership and discovery, pure: check results and DNS answers are fed in.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Membership } from '../../src/peer/membership';
import { parsePeerSpec, resolvePeers, type Resolver } from '../../src/peer/discovery';

const everyKeyTo = (winner: string) => (s: string) => (s.startsWith(winner + '|') ? 2 : 1);

describe('membership', () => {
  it('takes a peer out of the ring after the threshold of failed checks and back on the first pass', () => {
    const m = new Membership({ self: 'a:1', failureThreshold: 3, hash: everyKeyTo('b:1') });
    m.setAddresses(['a:1', 'b:1', 'c:1']);
    assert.deepEqual(m.ring.nodes, ['a:1', 'b:1', 'c:1']);
    assert.equal(m.remoteOwner('k'), 'b:1');

    assert.equal(m.recordCheck('b:1', false), undefined);
    assert.equal(m.recordCheck('b:1', false), undefined);
    assert.equal(m.views().find((p) => p.address === 'b:1')!.state, 'suspect');
    assert.equal(m.remoteOwner('k'), 'b:1', 'a suspect peer still owns its blocks');
    assert.equal(m.recordCheck('b:1', false), 'left');
    assert.deepEqual(m.ring.nodes, ['a:1', 'c:1']);
    assert.notEqual(m.remoteOwner('k'), 'b:1');
    assert.deepEqual(
      m.views().find((p) => p.address === 'b:1'),
      { address: 'b:1', state: 'down', ringShare: 0, self: false, consecutiveFailures: 3 },
    );

    assert.equal(m.recordCheck('b:1', true), 'joined');
    assert.equal(m.remoteOwner('k'), 'b:1');
    assert.equal(m.views().find((p) => p.address === 'b:1')!.consecutiveFailures, 0);
  });

  it('always keeps itself in the ring and owns what it wins', () => {
    const m = new Membership({ self: 'a:1', failureThreshold: 1, hash: everyKeyTo('a:1') });
    assert.deepEqual(m.ring.nodes, ['a:1']);
    assert.equal(m.remoteOwner('k'), undefined);
    m.setAddresses(['b:1']);
    assert.deepEqual(m.ring.nodes, ['a:1', 'b:1']);
    assert.equal(m.remoteOwner('k'), undefined);
    const self = m.views()[0]!;
    assert.deepEqual(self, { address: 'a:1', state: 'alive', ringShare: 0.5, self: true, consecutiveFailures: 0 });
  });

  it('applies a new peer list: added peers join, removed ones leave', () => {
    const m = new Membership({ self: 'a:1', failureThreshold: 3 });
    assert.deepEqual(m.setAddresses(['a:1', 'b:1', 'c:1']), { added: ['b:1', 'c:1'], removed: [] });
    assert.deepEqual(m.setAddresses(['a:1', 'c:1', 'd:1']), { added: ['d:1'], removed: ['b:1'] });
    assert.deepEqual(m.ring.nodes, ['a:1', 'c:1', 'd:1']);
    assert.equal(m.recordCheck('b:1', false), undefined, 'a check of a removed peer is ignored');
  });
});

describe('peer discovery', () => {
  it('parses static lists and dns:/// specs, and names the key on errors', () => {
    assert.deepEqual(parsePeerSpec('10.0.0.2:7070, 10.0.0.1:7070,[::1]:7070'), {
      kind: 'static',
      addresses: ['10.0.0.1:7070', '10.0.0.2:7070', '[::1]:7070'],
    });
    assert.deepEqual(parsePeerSpec('dns:///tiercache-peers.ml.svc.cluster.local:7070'), {
      kind: 'dns',
      name: 'tiercache-peers.ml.svc.cluster.local',
      port: 7070,
    });
    assert.throws(() => parsePeerSpec('10.0.0.1'), /invalid peers: "10.0.0.1".*not host:port/);
    assert.throws(() => parsePeerSpec('dns://svc:7070'), /invalid peers.*dns:\/\/\/NAME:PORT/);
    assert.throws(() => parsePeerSpec('a:0'), /port 0/);
  });

  it('resolves every A and AAAA record of a name, with the port', async () => {
    const resolver: Resolver = {
      resolve4: async () => ['10.0.0.2', '10.0.0.1'],
      resolve6: async () => ['fd00::1'],
      lookup: async () => assert.fail('not needed when DNS answers'),
    };
    assert.deepEqual(await resolvePeers({ kind: 'dns', name: 'svc', port: 7070 }, resolver), [
      '10.0.0.1:7070',
      '10.0.0.2:7070',
      '[fd00::1]:7070',
    ]);
  });

  it('falls back to the system resolver, and fails when nothing answers', async () => {
    const nxdomain = async (): Promise<string[]> => {
      throw Object.assign(new Error('queryA ENOTFOUND svc'), { code: 'ENOTFOUND' });
    };
    const hosts: Resolver = { resolve4: nxdomain, resolve6: nxdomain, lookup: async () => ['127.0.0.1'] };
    assert.deepEqual(await resolvePeers({ kind: 'dns', name: 'localhost', port: 9 }, hosts), ['127.0.0.1:9']);
    const none: Resolver = { resolve4: nxdomain, resolve6: nxdomain, lookup: nxdomain };
    await assert.rejects(resolvePeers({ kind: 'dns', name: 'svc', port: 9 }, none), /cannot resolve peers dns:\/\/\/svc:9: queryA ENOTFOUND/);
  });
});

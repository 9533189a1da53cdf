// The ring: owners worked out by hand with a table hash, then the default
// hash's balance and movement over 10,000 blocks.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RendezvousRing, fnv1a32, SEP } from '../../src/peer/rendezvous-ring';
import { blockKey } from '../../src/cache/types';

/** A hash you can read: scores from a table, 0 for anything else. */
function tableHash(scores: Record<string, number>) {
  return (s: string) => scores[s] ?? 0;
}

function keys(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(blockKey({ path: `train/shard-${String(i % 97).padStart(5, '0')}.tar`, version: `268435456-1700000000000-${4242 + (i % 97)}`, index: Math.floor(i / 97) }));
  }
  return out;
}

function owners(ring: RendezvousRing, ks: string[]): Map<string, string> {
  return new Map(ks.map((k) => [k, ring.owner(k)!]));
}

describe('rendezvous ring', () => {
  it('gives each key to the node with the highest hash(node|key)', () => {
    const hash = tableHash({
      [`a${SEP}k1`]: 5, [`b${SEP}k1`]: 9, [`c${SEP}k1`]: 7,
      [`a${SEP}k2`]: 8, [`b${SEP}k2`]: 1, [`c${SEP}k2`]: 3,
    });
    const ring = new RendezvousRing(['c', 'a', 'b'], hash);
    assert.equal(ring.owner('k1'), 'b');
    assert.equal(ring.owner('k2'), 'a');
    // b leaves: k1 goes to its runner-up c, k2 does not move.
    const without = new RendezvousRing(['a', 'c'], hash);
    assert.equal(without.owner('k1'), 'c');
    assert.equal(without.owner('k2'), 'a');
  });

  it('breaks ties by the smaller node name, whatever the order given', () => {
    const ring = new RendezvousRing(['z', 'm', 'b'], () => 42);
    assert.equal(ring.owner('anything'), 'b');
    assert.equal(new RendezvousRing([]).owner('k'), undefined);
  });

  it('uses FNV-1a for its default hash', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  });

  it('balances 10,000 blocks over 3 peers within ±15%', () => {
    const ring = new RendezvousRing(['10.0.0.1:7070', '10.0.0.2:7070', '10.0.0.3:7070']);
    const counts = new Map<string, number>();
    for (const o of owners(ring, keys(10_000)).values()) counts.set(o, (counts.get(o) ?? 0) + 1);
    assert.equal(counts.size, 3);
    for (const [node, n] of counts) {
      assert.ok(Math.abs(n - 10_000 / 3) <= 0.15 * (10_000 / 3), `${node} owns ${n} of 10000`);
    }
    assert.equal(ring.share('10.0.0.2:7070'), 1 / 3);
    assert.equal(ring.share('10.0.0.9:7070'), 0);
  });

  it('moves about 1/N of the blocks when one of N peers leaves or joins, and only those', () => {
    const nodes = ['n1:1', 'n2:1', 'n3:1', 'n4:1', 'n5:1'];
    const ks = keys(10_000);
    const before = owners(new RendezvousRing(nodes), ks);

    const after = owners(new RendezvousRing(nodes.filter((n) => n !== 'n3:1')), ks);
    let moved = 0;
    for (const k of ks) {
      if (before.get(k) === after.get(k)) continue;
      moved++;
      assert.equal(before.get(k), 'n3:1', 'only the leaving peer\'s blocks move');
    }
    assert.ok(Math.abs(moved / ks.length - 1 / 5) < 0.03, `moved ${moved} of 10000 on leave`);

    const joined = owners(new RendezvousRing([...nodes, 'n6:1']), ks);
    moved = 0;
    for (const k of ks) {
      if (before.get(k) === joined.get(k)) continue;
      moved++;
      assert.equal(joined.get(k), 'n6:1', 'blocks move only to the joining peer');
    }
    assert.ok(Math.abs(moved / ks.length - 1 / 6) < 0.03, `moved ${moved} of 10000 on join`);
  });
});

// The mount's inode table, by hand: lookups count, forgets give them back,
// renames move whole subtrees, and a replaced or removed name leaves its
// inode detached (the kernel may still hold it) without reusing its number.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InodeTable, ROOT_INO } from '../../src/fuse/inode-table';

describe('InodeTable', () => {
  it('numbers paths from 2, counts lookups, and drops an inode at its last forget', () => {
    const t = new InodeTable();
    const a = t.lookup('a', 'dir');
    assert.equal(a.ino, 2);
    assert.equal(t.lookup('a', 'dir'), a);
    assert.equal(a.nlookup, 2);
    assert.equal(t.forget(a.ino, 1), undefined);
    assert.equal(t.forget(a.ino, 1), a);
    assert.equal(t.get(a.ino), undefined);
    assert.equal(t.byName('a'), undefined);
    assert.equal(t.lookup('a', 'dir').ino, 3, 'numbers are never reused');
    assert.equal(t.forget(ROOT_INO, 5), undefined, 'the root is never forgotten');
    assert.equal(t.get(ROOT_INO)?.path, '');
  });

  it('moves a directory and everything under it on rename, and detaches what the target named', () => {
    const t = new InodeTable();
    const dir = t.lookup('d', 'dir');
    const f = t.lookup('d/f', 'file');
    const deep = t.lookup('d/sub/g', 'file');
    const old = t.lookup('e', 'dir');
    const sibling = t.lookup('dd', 'file');
    t.rename('d', 'e');
    assert.deepEqual([dir.path, f.path, deep.path], ['e', 'e/f', 'e/sub/g']);
    assert.equal(t.byName('e/f'), f);
    assert.equal(t.byName('d/f'), undefined);
    assert.ok(old.detached && !dir.detached);
    assert.equal(sibling.path, 'dd', 'a name that only shares the prefix stays');
  });

  it('gives a path a new inode when its kind changed, and detaches removed names', () => {
    const t = new InodeTable();
    const x = t.lookup('x', 'file');
    const y = t.lookup('x', 'dir');
    assert.notEqual(x.ino, y.ino);
    assert.ok(x.detached);
    t.remove('x');
    assert.ok(y.detached);
    assert.equal(t.byName('x'), undefined);
    assert.equal(t.forget(x.ino, 1), x, 'a detached inode is still forgotten normally');
  });
});

// KeysByPath: the per-file index of a tier's keys that version changes and
// Evict use instead of scanning every key.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeysByPath } from '../../src/cache/keys-by-path';
import { blockKey } from '../../src/cache/types';

describe('KeysByPath', () => {
  const k = (path: string, version: string, index: number) => blockKey({ path, version, index });

  it('groups keys by file, every version', () => {
    const ix = new KeysByPath();
    ix.add(k('a/x', 'v1', 0));
    ix.add(k('a/x', 'v1', 1));
    ix.add(k('a/x', 'v2', 0));
    ix.add(k('a/y', 'v1', 0));
    assert.deepEqual([...ix.keysOf('a/x')].sort(), [k('a/x', 'v1', 0), k('a/x', 'v1', 1), k('a/x', 'v2', 0)].sort());
    assert.deepEqual(ix.keysOf('a/y'), [k('a/y', 'v1', 0)]);
    assert.deepEqual(ix.keysOf('a'), [], 'a directory prefix is not a file');
    assert.equal(ix.paths, 2);
  });

  it('forgets a path with its last key, and tolerates removing what it never had', () => {
    const ix = new KeysByPath();
    ix.add(k('f', 'v', 0));
    ix.add(k('f', 'v', 0));
    ix.remove(k('f', 'v', 0));
    ix.remove(k('g', 'v', 0));
    assert.deepEqual(ix.keysOf('f'), []);
    assert.equal(ix.paths, 0);
  });

  it('hands out a copy, so the tier can delete while iterating', () => {
    const ix = new KeysByPath();
    for (let i = 0; i < 3; i++) ix.add(k('f', 'v', i));
    const keys = ix.keysOf('f');
    for (const key of keys) ix.remove(key);
    assert.equal(keys.length, 3);
    assert.equal(ix.paths, 0);
  });

  it('keeps every key through a path growing past one key and shrinking back', () => {
    const ix = new KeysByPath();
    ix.add(k('f', 'v', 0));
    ix.add(k('f', 'v', 1));
    ix.remove(k('f', 'v', 0));
    assert.deepEqual(ix.keysOf('f'), [k('f', 'v', 1)]);
    ix.add(k('f', 'v', 1));
    ix.add(k('f', 'v', 2));
    assert.deepEqual([...ix.keysOf('f')].sort(), [k('f', 'v', 1), k('f', 'v', 2)].sort());
    ix.remove(k('f', 'v', 2));
    ix.remove(k('f', 'v', 0));
    assert.deepEqual(ix.keysOf('f'), [k('f', 'v', 1)]);
    ix.remove(k('f', 'v', 1));
    assert.equal(ix.paths, 0);
  });

  it('keeps a path with a NUL-free name apart from one that shares its prefix', () => {
    const ix = new KeysByPath();
    ix.add(k('data/file', 'v', 0));
    ix.add(k('data/file2', 'v', 0));
    assert.deepEqual(ix.keysOf('data/file'), [k('data/file', 'v', 0)]);
  });
});

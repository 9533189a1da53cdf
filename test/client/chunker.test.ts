// How checkpoint bytes are cut into Save messages: fixed-size pieces, a
// Buffer without copies, a stream's uneven pieces regrouped.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chunksOf } from '../../src/client/chunker';

async function all(src: Parameters<typeof chunksOf>[0], size: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of chunksOf(src, size)) out.push(Buffer.from(c));
  return out;
}

describe('chunksOf', () => {
  it('cuts a Buffer into views of the given size', async () => {
    const buf = Buffer.from('abcdefghij');
    const views: Buffer[] = [];
    for await (const c of chunksOf(buf, 4)) views.push(c);
    assert.deepEqual(views.map(String), ['abcd', 'efgh', 'ij']);
    assert.equal(views[1]!.buffer, buf.buffer, 'a view, not a copy');
  });

  it('regroups uneven stream pieces into full chunks and a short tail', async () => {
    async function* pieces() {
      yield Buffer.from('ab');
      yield 'cde';
      yield new Uint8Array([102, 103, 104, 105, 106, 107]); // fghijk
      yield Buffer.alloc(0);
      yield Buffer.from('l');
    }
    assert.deepEqual((await all(pieces(), 4)).map(String), ['abcd', 'efgh', 'ijkl']);
  });

  it('passes whole aligned pieces through and keeps the rest', async () => {
    async function* pieces() {
      yield Buffer.from('abcdefghij');
    }
    assert.deepEqual((await all(pieces(), 4)).map(String), ['abcd', 'efgh', 'ij']);
  });

  it('yields nothing for empty input', async () => {
    assert.deepEqual(await all(Buffer.alloc(0), 4), []);
    assert.deepEqual(await all((async function* () {})(), 4), []);
  });
});

// The Cache responses that carry file bytes are serialized through one
// reusable buffer: what they encode must decode to the message given, for
// every size and field, and only messages up to MAX_SCRATCH_BYTES share it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serviceDefinition } from '../../src/protocol/load';
import { MAX_SCRATCH_BYTES } from '../../src/protocol/scratch-serializer';
import { pseudoRandomBytes } from '../helpers/daemon';

const cache = serviceDefinition('Cache') as unknown as Record<
  string,
  { responseSerialize: (v: unknown) => Buffer; responseDeserialize: (b: Buffer) => Record<string, unknown> }
>;

/** Encodes and decodes a copy (the scratch is reused by the next message). */
function roundTrip(method: string, value: Record<string, unknown>): Record<string, unknown> {
  return cache[method]!.responseDeserialize(Buffer.from(cache[method]!.responseSerialize(value)));
}

describe('bytes responses through the scratch buffer', () => {
  it('decode to the message given, whatever the size of the bytes and the other fields', () => {
    for (const n of [0, 1, 5_000, 8 * 1024, 100_000, 2 * 1024 * 1024, MAX_SCRATCH_BYTES + 1]) {
      const data = pseudoRandomBytes(n, n + 1);
      assert.ok((roundTrip('Read', { data }).data as Buffer).equals(data), `Read of ${n} bytes`);
      const reply = roundTrip('ReadSession', { id: 2 ** 40 + n, data, error: null });
      assert.equal(reply.id, 2 ** 40 + n);
      assert.ok((reply.data as Buffer).equals(data), `ReadSession of ${n} bytes`);
      assert.equal(reply.error, null);
      const chunk = roundTrip('ReadFiles', { index: 7, offset: 3 * n, data, eof: true, size: 4 * n, error: null });
      assert.deepEqual({ ...chunk, data: (chunk.data as Buffer).equals(data) }, { index: 7, offset: 3 * n, data: true, eof: true, size: 4 * n, error: null });
    }
    const failed = roundTrip('ReadSession', { id: 9, data: Buffer.alloc(0), error: { code: 5, reason: 'TC_NOT_FOUND', message: 'no such file: a' } });
    assert.deepEqual({ ...failed, data: (failed.data as Buffer).length }, { id: 9, data: 0, error: { code: 5, reason: 'TC_NOT_FOUND', message: 'no such file: a' } });
  });

  it('shares one buffer between messages up to MAX_SCRATCH_BYTES, and none past it', () => {
    const a = cache['ReadSession']!.responseSerialize({ id: 1, data: pseudoRandomBytes(100_000, 1), error: null });
    const b = cache['ReadSession']!.responseSerialize({ id: 2, data: pseudoRandomBytes(50_000, 2), error: null });
    assert.equal(a.buffer, b.buffer, 'the second message reuses the first one\'s buffer');
    const big = cache['ReadSession']!.responseSerialize({ id: 3, data: pseudoRandomBytes(MAX_SCRATCH_BYTES, 3), error: null });
    assert.notEqual(big.buffer, b.buffer);
  });
});

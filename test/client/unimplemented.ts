// Prefetch and checkpoints are landing in other branches: until the daemon
// implements a method it must answer a typed UNIMPLEMENTED naming the method,
// and only then may the round-trip test skip.

import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { status } from '@grpc/grpc-js';
import { TiercacheClientError } from '../../src/client/errors';

export const NOT_IN_BUILD = Symbol('not in this build');

/** The call's result, or NOT_IN_BUILD (test skipped) when the daemon answers UNIMPLEMENTED for `method`. */
export async function unlessUnimplemented<T>(
  t: TestContext,
  method: string,
  call: () => Promise<T>,
): Promise<T | typeof NOT_IN_BUILD> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof TiercacheClientError) || err.code !== status.UNIMPLEMENTED) throw err;
    assert.equal(err.codeName, 'UNIMPLEMENTED');
    assert.match(err.details, new RegExp(method.replace('.', '\\.')), 'the message names the method');
    assert.match(err.message, /^UNIMPLEMENTED: /);
    t.skip(`${method} not in this build`);
    return NOT_IN_BUILD;
  }
}

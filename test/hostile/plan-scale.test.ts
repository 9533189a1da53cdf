// Plans at ImageNet scale: SubmitPlan with well over 125,000 paths (where
// push(...paths) used to overflow the stack and answer INTERNAL) is
// accepted; one over --max-plan-paths is refused with INVALID_ARGUMENT
// naming the limit, and the daemon keeps serving.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, failure } from '../helpers/daemon';
import type { TiercacheClient } from '../../src/client/client';

const PATHS = 150_000;

describe('plans at real scale', () => {
  const d = new TestDaemon({ flags: { 'max-plan-paths': String(PATHS) } });
  let c: TiercacheClient;
  before(async () => {
    writeFileSync(join(d.backendDir, 'f'), 'x'.repeat(1000));
    await d.start();
    c = d.client('planner');
  });
  after(async () => {
    c?.close();
    await d.cleanup();
  });

  it(`accepts a plan of ${PATHS} paths`, async () => {
    // Distinct spellings of one file: each is stat'ed and planned, cheaply.
    const paths = Array.from({ length: PATHS }, (_, i) => `d${i}/../f`);
    const res = await c.submitPlan('planner', 1, paths);
    assert.equal(res.files_accepted, PATHS);
  });

  it('refuses a plan over max-plan-paths with INVALID_ARGUMENT naming the limit', async () => {
    const paths = Array.from({ length: PATHS + 1 }, (_, i) => `d${i}/../f`);
    const f = await failure(c.submitPlan('planner', 2, paths));
    assert.equal(f.code, 'INVALID_ARGUMENT');
    assert.match(f.message, /150001 paths is over the limit of 150000 \(max-plan-paths\)/);
    assert.equal((await c.read('f')).length, 1000);
  });
});

// Access history: batched writes, bounded by age and by row count.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessHistory } from '../../src/prefetch/access-history';
import { silentLogger } from '../../src/log';

describe('AccessHistory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-hist-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps at most max-rows rows and none older than max-age', () => {
    let now = 1_000_000;
    const h = new AccessHistory(join(dir, 'h.sqlite'), { maxRows: 100, maxAgeMs: 10_000, logger: silentLogger, now: () => now });
    const row = (time: number, i: number) => ({ time, job: 'j', path: `f${i}`, offset: 0, length: 1, size: 1 });
    for (let i = 0; i < 50; i++) h.record(row(now - 60_000, i)); // a minute old: past max-age
    for (let i = 0; i < 250; i++) h.record(row(now, i));
    assert.equal(h.rowCount(), 0, 'nothing is written until a flush');
    assert.equal(h.flush(), 300, 'one flush writes everything buffered, in batches');
    h.prune();
    assert.equal(h.rowCount(), 100);
    now += 20_000;
    h.prune();
    assert.equal(h.rowCount(), 0, 'rows age out');
    h.close();
  });
});

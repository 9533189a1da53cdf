// Every node persists checkpoints under one backend root. A daemon that
// restarts cleans up what its own interrupted persists left (at once), and
// what a crashed node left long ago (backend-incomplete-min-age), but never
// the temporary file of an upload another node has in flight.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint } from '../../src/client/checkpoints';
import { TestDaemon, eventually, pseudoRandomBytes } from '../helpers/daemon';

const MiB = 1024 * 1024;
const ROOT = 'checkpoints';

/** Temporary files of backend writes under the checkpoint root, as paths relative to the backend. */
function tmpFiles(backend: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(backend, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.name.startsWith('.tmp-')) out.push(p);
    }
  };
  walk(ROOT);
  return out;
}

describe('two daemons persisting checkpoints to one backend directory', () => {
  const shared = mkdtempSync(join(tmpdir(), 'tc-shared-'));
  const backend = join(shared, 'data');
  const a = new TestDaemon({ backendDir: backend, flags: { 'node-name': 'node-a' } });
  const b = new TestDaemon({ backendDir: backend, flags: { 'node-name': 'node-b' } });
  after(async () => {
    await a.cleanup();
    await b.cleanup();
    rmSync(shared, { recursive: true, force: true });
  });

  it('a restarting daemon removes its own leftovers and a crashed node\'s old ones, never another node\'s upload in flight', async () => {
    // B is killed while it persists a checkpoint over a slow link: its temporary file stays.
    const bBytes = pseudoRandomBytes(4 * MiB, 41);
    await b.start(['--emulate-backend-bandwidth=1MiB']);
    let cb = b.client('job-b');
    await cb.checkpoints.save('job-b', bBytes, { step: 1 });
    cb.close();
    await eventually(() => tmpFiles(backend).some((p) => p.includes('/.tmp-node_b.')), 10_000, 'B persisting');
    await b.kill();
    const bLeftover = tmpFiles(backend).find((p) => p.includes('/.tmp-node_b.'))!;
    // What a third node left: one upload dead for two hours, one it is still writing.
    mkdirSync(join(backend, ROOT, 'job-c/1'), { recursive: true });
    const deadOther = `${ROOT}/job-c/1/.tmp-node_c.0badc0de-data-00000001`;
    const liveOther = `${ROOT}/job-c/1/.tmp-node_c.0badc0de-data-00000002`;
    writeFileSync(join(backend, deadOther), 'half');
    writeFileSync(join(backend, liveOther), 'half');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(backend, deadOther), twoHoursAgo, twoHoursAgo);


    // A persists over a slower link, and is mid-upload while B restarts.
    const aBytes = pseudoRandomBytes(4 * MiB, 42);
    await a.start(['--emulate-backend-bandwidth=512KiB']);
    // A's start-up removed only the two-hour-old leftover: B's is fresh, and not A's.
    assert.deepEqual(tmpFiles(backend).sort(), [bLeftover, liveOther].sort());
    assert.match(a.stderr, /removed incomplete checkpoint writes from the backend","component":"checkpoints","count":1}/);
    const ca = a.client('job-a');
    try {
      await ca.checkpoints.save('job-a', aBytes, { step: 1 });
      await eventually(() => tmpFiles(backend).some((p) => p.includes('/.tmp-node_a.')), 10_000, 'A persisting');
      const aInFlight = tmpFiles(backend).find((p) => p.includes('/.tmp-node_a.'))!;

      await b.start();
      const left = tmpFiles(backend);
      assert.ok(!left.includes(bLeftover), 'B removed its own leftover at once');
      assert.ok(left.includes(liveOther), 'another node\'s fresh temporary file is kept');
      assert.ok(left.includes(aInFlight), 'A\'s upload in flight is untouched');
      assert.match(b.stderr, /removed incomplete checkpoint writes from the backend","component":"checkpoints","count":1}/);

      // Both checkpoints reach the backend whole, and each node loads the other's from there.
      cb = b.client('job-b');
      await eventually(async () => Number((await ca.stats()).checkpoints!.pending_persist) === 0, 30_000, 'A\'s persist to finish');
      await eventually(async () => Number((await cb.stats()).checkpoints!.pending_persist) === 0, 30_000, 'B\'s persist to finish');
      assert.ok((await readCheckpoint(cb.checkpoints.loadLatest('job-a'))).data.equals(aBytes));
      assert.ok((await readCheckpoint(ca.checkpoints.loadLatest('job-b'))).data.equals(bBytes));
      assert.deepEqual(tmpFiles(backend), [liveOther]);
      cb.close();
    } finally {
      ca.close();
    }
  });
});

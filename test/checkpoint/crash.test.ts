// kill -9 at random moments of saves and persists, many times over: a
// restarted daemon never lists or loads a torn checkpoint, loads at least
// the newest acknowledged one, cleans partials and finishes persisting.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon, pseudoRandomBytes, eventually } from '../helpers/daemon';
import type { TiercacheClient } from '../../src/client/client';
import { TiercacheClientError } from '../../src/client/errors';
import { readCheckpoint } from '../../src/client/checkpoints';
import { checkpointDirs, checkpointStats, sha256 } from './fixtures';

const ROUNDS = 20;
const JOB = 'crash';
/** Every step's bytes are a function of the step, so any loaded checkpoint can be checked. */
const payload = (step: number): Buffer => pseudoRandomBytes(1 + ((step * 7919) % (768 * 1024)), step);

/** Loads the latest and every listed checkpoint; each must be whole and verify. Returns the latest step (0 if none). */
async function verifyNothingTorn(c: TiercacheClient): Promise<number> {
  let latestStep = 0;
  try {
    const { info, data } = await readCheckpoint(c.checkpoints.loadLatest(JOB));
    assert.equal(sha256(data), info.sha256, 'latest matches its sha256');
    assert.ok(data.equals(payload(info.step)), `latest (step ${info.step}) is the whole checkpoint that was sent`);
    latestStep = info.step;
  } catch (err) {
    if (!(err instanceof TiercacheClientError && err.codeName === 'NOT_FOUND')) throw err;
  }
  for (const info of await c.checkpoints.list(JOB)) {
    try {
      const got = await readCheckpoint(c.checkpoints.load(JOB, info.id));
      assert.ok(got.data.equals(payload(info.step)), `listed step ${info.step} is whole`);
    } catch (err) {
      // Retention, resumed after the restart, may delete an old one between List and Load.
      if (!(err instanceof TiercacheClientError && err.codeName === 'NOT_FOUND')) throw err;
    }
  }
  return latestStep;
}

describe('checkpoints under kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-crash-'));
  const flags = { 'max-checkpoints': '3', 'log-level': 'info' };
  // Slow backend writes widen the persist window the kills land in.
  const slowBackend = ['--emulate-backend-bandwidth', '16MiB'];
  let current: TestDaemon | undefined;

  after(async () => {
    await current?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`never yields a torn latest across ${ROUNDS} kills during saves and persists`, async () => {
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    let step = 0;
    let newestAcked = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      const d = (current = new TestDaemon({ dir, flags }));
      await d.start(slowBackend);
      const c = d.client();
      const latest = await verifyNothingTorn(c);
      assert.ok(latest >= newestAcked, `round ${round}: latest step ${latest} >= newest acknowledged ${newestAcked}`);
      // (A directory may lose its manifest an instant before it goes, when retention deletes it.)
      await eventually(
        () => checkpointDirs(join(d.stateDir, 'checkpoints'), JOB).every((x) => x.complete),
        5_000,
        'partial local checkpoints cleaned',
      );
      if (round === ROUNDS) {
        await eventually(async () => (await checkpointStats(c))['pending_persist'] === 0, 20_000, 'persisting resumed');
        const backend = checkpointDirs(join(d.backendDir, 'checkpoints'), JOB);
        for (const x of checkpointDirs(join(d.stateDir, 'checkpoints'), JOB)) {
          assert.ok(backend.some((b) => b.id === x.id && b.complete), `local ${x.id} is persisted`);
        }
        c.close();
        assert.equal(await d.stop(), 0);
        break;
      }
      const saving = (async () => {
        for (;;) {
          const s = ++step;
          try {
            await c.checkpoints.save(JOB, payload(s), { step: s, sync: s % 3 === 0 });
          } catch {
            return; // the daemon is gone
          }
          newestAcked = s;
        }
      })();
      await sleep(rand(250)); // the moment of the crash is the point of the test
      await d.kill();
      await saving;
      c.close();
    }
    assert.ok(newestAcked > 0, 'some saves completed between kills');
  });
});

// Hostile clients on the hand-off directory: while Save(handoff_file=NAME)
// runs, an attacker swaps NAME with a symlink (to a secret file the daemon
// can read, or to a FIFO) in a tight renameat2(RENAME_EXCHANGE) loop. What
// must hold: no save ever holds the secret, no FIFO stalls the daemon, and
// it stays healthy and stops on SIGTERM. Run for a few seconds over hundreds
// of names, once with the hand-off directory on the same filesystem as the
// staging directory (rename) and once on a tmpfs (copy).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon } from '../helpers/daemon';
import type { TiercacheClient } from '../../src/client/client';
import { readCheckpoint } from '../../src/client/checkpoints';

const PYTHON = '/usr/bin/python3';
const SWAPPER = join(__dirname, '../../../test/hostile/swapper.py');
const NAMES = 160;
const SWAP_SECONDS = 4;
const SAVES_IN_FLIGHT = 4;
const SECRET = 'root:$6$secret-hash:19000:0:99999:7:::';

async function raceHandoff(d: TestDaemon, c: TiercacheClient, handoff: string): Promise<{ saved: number; refused: number }> {
  const secret = join(d.dir, 'shadow');
  writeFileSync(secret, SECRET, { mode: 0o600 });
  const fifo = join(d.dir, 'fifo');
  if (!existsSync(fifo)) execFileSync('mkfifo', [fifo]);
  const names: string[] = [];
  const argv: string[] = [String(SWAP_SECONDS)];
  for (let k = 0; k < NAMES; k++) {
    const name = `race${k}-${k.toString(16).padStart(32, '0')}.ckpt`;
    writeFileSync(join(handoff, name), `benign-${k}`, { mode: 0o600 });
    const decoy = join(handoff, `decoy${k}`);
    symlinkSync(k % 2 === 0 ? secret : fifo, decoy);
    names.push(name);
    argv.push(join(handoff, name), decoy);
  }
  const swapper = spawn(PYTHON, [SWAPPER, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(swapper, 'exit');
  let swaps = '';
  swapper.stdout.on('data', (b: Buffer) => (swaps += b.toString()));
  let saved = 0;
  let refused = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const k = next++;
      const job = `race-${k}`;
      try {
        await c.unaryStream('Checkpoints', 'Save', [{ header: { job_id: job, step: 1, metrics: {}, sync: false, handoff_file: names[k], sha256: '' } }]);
      } catch {
        refused++;
        continue;
      }
      saved++;
      const got = await readCheckpoint(c.checkpoints.loadLatest(job));
      assert.equal(got.data.toString(), `benign-${k}`, `save ${k} holds what the attacker swapped in`);
    }
  };
  await Promise.all(Array.from({ length: SAVES_IN_FLIGHT }, worker));
  await exited;
  assert.ok(Number(swaps) > 0, 'the attacker swapped names');
  return { saved, refused };
}

async function assertHealthy(d: TestDaemon, c: TiercacheClient): Promise<void> {
  writeFileSync(join(d.backendDir, 'after.txt'), 'still serving');
  assert.equal((await c.read('after.txt')).toString(), 'still serving');
  assert.ok(d.alive);
}

describe('hand-off race: symlink and FIFO swaps', () => {
  const d = new TestDaemon();
  let c: TiercacheClient;
  before(async () => {
    await d.start();
    c = d.client();
  });
  after(async () => {
    c?.close();
    await d.cleanup();
  });

  it('never adopts the swapped-in secret or FIFO (same filesystem: rename)', async () => {
    const { saved, refused } = await raceHandoff(d, c, join(d.stateDir, 'handoff'));
    assert.equal(saved + refused, NAMES);
    assert.ok(saved > 0, 'some saves took the regular file');
    await assertHealthy(d, c);
  });

  it('still stops on SIGTERM', async () => {
    assert.equal(await d.stop(), 0);
  });
});

describe('hand-off race on a tmpfs hand-off directory (copy)', () => {
  const shm = mkdtempSync(join('/dev/shm', 'tc-handoff-'));
  const d = new TestDaemon({ flags: { 'checkpoint-handoff-dir': join(shm, 'handoff') } });
  let c: TiercacheClient;
  before(async () => {
    await d.start();
    c = d.client();
  });
  after(async () => {
    c?.close();
    await d.cleanup();
    rmSync(shm, { recursive: true, force: true });
  });

  it('never copies the swapped-in secret or blocks on the FIFO', async () => {
    const { saved } = await raceHandoff(d, c, join(shm, 'handoff'));
    assert.ok(saved > 0, 'some saves took the regular file');
    await assertHealthy(d, c);
    assert.equal(await d.stop(), 0);
  });
});

// The hostile-writer race used by the path-guard tests: swapper.py exchanges
// pairs of names (renameat2 RENAME_EXCHANGE, e.g. a directory and a symlink
// out of the root) in a tight loop while `readers` concurrent loops run
// `attempt`. An attempt that returns was served; one that throws was refused
// (the guard caught the swap), except for an assertion failure, which is the
// leak the test is about and fails it at once.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export const SWAPPER_PYTHON = '/usr/bin/python3';
const SWAPPER = join(__dirname, '../../../test/hostile/swapper.py');

export async function whileSwapping(
  seconds: number,
  names: readonly [string, string],
  attempt: () => Promise<void>,
  readers = 3,
): Promise<{ served: number; refused: number }> {
  const swapper = spawn(SWAPPER_PYTHON, [SWAPPER, String(seconds), ...names], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(swapper, 'exit');
  let running = true;
  void exited.then(() => (running = false));
  let served = 0;
  let refused = 0;
  const loop = async (): Promise<void> => {
    while (running) {
      try {
        await attempt();
        served++;
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        refused++;
      }
    }
  };
  await Promise.all(Array.from({ length: readers }, loop));
  await exited;
  return { served, refused };
}

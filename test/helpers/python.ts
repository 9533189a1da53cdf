// Running Debian's /usr/bin/python3 (not a pyenv python3 on PATH) for the
// Python client's suites, and the rule for a missing Debian package: skip on
// a developer machine, fail under CI=true, where .ci/run installs it.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { REPO_ROOT } from './daemon';

export const PYTHON = '/usr/bin/python3';
export const PY_ROOT = join(REPO_ROOT, 'clients/python');
const RUN_LIMIT_MS = 180_000;

export interface Run {
  code: number | null;
  output: string;
}

/**
 * Runs to completion (killed after limitMs); stdout and stderr interleaved.
 * The command gets its own process group, killed when it exits: a
 * DataLoader's forkserver or worker left behind would otherwise hold the
 * output pipes open and the run would never end.
 */
export async function run(cmd: string, args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT, limitMs = RUN_LIMIT_MS): Promise<Run> {
  const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killGroup = (): void => {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  };
  let output = '';
  proc.stdout.on('data', (b: Buffer) => (output += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (output += b.toString()));
  proc.once('exit', killGroup);
  const limit = setTimeout(() => {
    output += `\n[killed after ${limitMs / 1000} s]`;
    killGroup();
  }, limitMs);
  try {
    const [code] = (await once(proc, 'close')) as [number | null];
    return { code, output };
  } catch (err) {
    return { code: null, output: `${output}\n${String(err)}` };
  } finally {
    clearTimeout(limit);
  }
}

/** Skips locally, fails in CI: the missing piece is part of what CI must install. */
export function missing(t: TestContext, what: string, aptLine: string): void {
  const msg = `${what} (install with: ${aptLine})`;
  if (process.env['CI'] === 'true') assert.fail(msg);
  t.skip(msg);
}

/** Environment for the Python suites: the daemon to talk to and where its backend files go. */
export function suiteEnv(socket: string, backendDir: string): Record<string, string> {
  return { TIERCACHE_SOCKET: socket, TIERCACHE_TEST_BACKEND: backendDir, PYTHONPATH: PY_ROOT, PYTHONDONTWRITEBYTECODE: '1' };
}

// FUSE test helpers: real programs run against real mounts, always as child
// processes started asynchronously (a synchronous call into a mount served by
// this very process would deadlock), and every mount is detached in after().

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fuseAvailable } from '../../src/fuse/native-binding';
import { lazyUnmount, mountsAt } from '../../src/fuse/mount-point';

export const PYTHON = '/usr/bin/python3';
const APT_LINE = 'apt-get install -y fuse3 libfuse3-dev, then npm rebuild';
const RUN_LIMIT_MS = 60_000;

/** Why FUSE tests cannot run here, or undefined when they can. */
export function fuseMissing(): string | undefined {
  if (!existsSync('/dev/fuse')) return '/dev/fuse does not exist';
  if (!fuseAvailable()) return 'the FUSE addon was not built (libfuse3-dev missing at npm install)';
  if (process.getuid?.() !== 0) return 'the FUSE tests mount with allow_other and need root';
  return undefined;
}

/** Skips locally, fails under CI=true (.ci/run installs what FUSE needs). */
export function requireFuse(t: TestContext): boolean {
  const why = fuseMissing();
  if (!why) return true;
  if (process.env['CI'] === 'true') assert.fail(`${why} (install with: ${APT_LINE})`);
  t.skip(why);
  return false;
}

export interface Run {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a program to completion without blocking the event loop. */
export function run(cmd: string, args: string[], opts: { env?: Record<string, string>; input?: Buffer | string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    proc.stdout!.on('data', (b: Buffer) => out.push(b));
    proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const limit = setTimeout(() => proc.kill('SIGKILL'), RUN_LIMIT_MS);
    proc.on('close', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
    proc.on('error', (err) => {
      clearTimeout(limit);
      resolve({ code: null, stdout: Buffer.concat(out), stderr: String(err) });
    });
    if (proc.stdin) {
      proc.stdin.on('error', () => {}); // a program that stops reading: its exit code says what happened
      proc.stdin.end(opts.input);
    }
  });
}

/** Runs a Python snippet under /usr/bin/python3; returns stdout (asserts exit 0). */
export async function python(code: string, args: string[] = []): Promise<string> {
  const r = await run(PYTHON, ['-c', code, ...args]);
  assert.equal(r.code, 0, `python failed: ${r.stderr}`);
  return r.stdout.toString();
}

export function isMounted(dir: string): boolean {
  return mountsAt(dir).length > 0;
}

/** A temp directory for a mount point; remove() detaches anything left on it first. */
export function mountDir(prefix = 'tc-mnt-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    remove() {
      for (let i = 0; i < 3 && isMounted(dir); i++) lazyUnmount(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function mountinfo(): string {
  return readFileSync('/proc/self/mountinfo', 'utf8');
}

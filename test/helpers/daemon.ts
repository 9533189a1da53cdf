// Starts the real daemon process (dist/src/cli/main.js daemon) on a real
// socket in a temp dir, for integration tests. Every test daemon gets its own
// backend dir, state dir and socket; stop() sends SIGTERM, kill() sends SIGKILL.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { TiercacheClient } from '../../src/client/client';
import { TiercacheClientError } from '../../src/client/errors';

export const REPO_ROOT = join(__dirname, '../../..');
export const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');

export interface TestDaemonOptions {
  /** Extra flags, e.g. { 'memory-cache-size': '8MiB' }. */
  readonly flags?: Record<string, string>;
  /** Reuse directories (restart tests); default: a fresh temp dir. */
  readonly dir?: string;
  readonly backendDir?: string;
  readonly env?: Record<string, string>;
}

export class TestDaemon {
  readonly dir: string;
  readonly backendDir: string;
  readonly stateDir: string;
  readonly socket: string;
  readonly flags: Record<string, string>;
  proc: ChildProcess | undefined;
  stderr = '';
  private readonly ownsDir: boolean;
  private readonly env: Record<string, string>;

  constructor(opts: TestDaemonOptions = {}) {
    this.ownsDir = opts.dir === undefined;
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tc-'));
    this.backendDir = opts.backendDir ?? join(this.dir, 'data');
    this.stateDir = join(this.dir, 'state');
    this.socket = join(this.stateDir, 'tc.sock');
    mkdirSync(this.backendDir, { recursive: true });
    this.flags = {
      'backend-dir': this.backendDir,
      'state-dir': this.stateDir,
      socket: this.socket,
      'memory-cache-size': '64MiB',
      'ssd-cache-size': '256MiB',
      'block-size': '1MiB',
      'metrics-listen': '',
      'log-level': 'info',
      ...opts.flags,
    };
    this.env = opts.env ?? {};
  }

  args(): string[] {
    // The same V8 flag as the bin's shebang and npm start (see src/cli/main.ts).
    const out = ['--initial-old-space-size=64', CLI, 'daemon'];
    for (const [k, v] of Object.entries(this.flags)) out.push(`--${k}=${v}`);
    return out;
  }

  /** Starts the process and resolves once it logs that it is serving. */
  async start(extraArgs: string[] = []): Promise<this> {
    const proc = spawn(process.execPath, [...this.args(), ...extraArgs], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...this.env },
    });
    this.proc = proc;
    this.stderr = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (b: Buffer) => {
        this.stderr += b.toString();
        if (this.stderr.includes('tiercache daemon serving')) {
          resolve();
        }
      };
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => reject(new Error(`daemon exited with ${code} before serving:\n${this.stderr}`)));
    });
    return this;
  }

  /** The TCP port the daemon bound for --listen (from its start-up log line). */
  get tcpPort(): number {
    const m = /"tcpPort":(\d+)/.exec(this.stderr);
    assert.ok(m, 'the daemon logged no tcpPort (no --listen?)');
    return Number(m[1]);
  }

  client(job?: string): TiercacheClient {
    return new TiercacheClient({ socket: this.socket, job });
  }

  /** SIGTERM and wait; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return p?.exitCode ?? null;
    p.kill('SIGTERM');
    const [code] = (await once(p, 'exit')) as [number | null];
    return code;
  }

  /** SIGKILL (crash) and wait. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGKILL');
    await once(p, 'exit');
  }

  get alive(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async cleanup(): Promise<void> {
    await this.kill();
    if (this.ownsDir && existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs the CLI to completion; returns exit code, stdout and stderr. */
export async function runCli(
  args: string[],
  opts: { env?: Record<string, string>; input?: Buffer | string } = {},
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const proc = spawn(process.execPath, [CLI, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  const out: Buffer[] = [];
  let err = '';
  proc.stdout.on('data', (b: Buffer) => out.push(b));
  proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
  if (opts.input !== undefined) proc.stdin.end(opts.input);
  else proc.stdin.end();
  const [code] = (await once(proc, 'exit')) as [number | null];
  return { code, stdout: Buffer.concat(out), stderr: err };
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function pseudoRandomBytes(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Polls `fn` until it returns true (for effects with no event to wait on), up to `ms`. */
export async function eventually(fn: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The gRPC status name and message of a call that must fail with a TiercacheClientError. */
export async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TiercacheClientError, `expected a TiercacheClientError, got ${String(err)}`);
    return { code: err.codeName, message: err.details };
  }
  assert.fail('expected the call to fail');
}

// A throwaway MooseFS for tests and benchmarks, driven through moosefs.sh
// (beside this file): master, chunkserver and mfsmount on 127.0.0.1 under a
// temp dir, plus extra mfsmounts of the same master (other "nodes") and
// stopping/restarting the master (the backend going away).
//
// Each instance gets its own dir and a random MFS_PORT_BASE, so test files
// running at once (node --test --test-concurrency=2) and other people's
// instances on the machine do not collide; a failed start (a port of the
// base taken, most likely) is retried on another base.
//
// Nothing here may hang on a dead master: mounts are detached lazily
// (umount -l -c never waits on the filesystem), every script run has a
// timeout after which its process group is killed, and this process never
// touches a mount itself while the master is down.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const MOOSEFS_SH = join(__dirname, '../../../test/helpers/moosefs.sh');

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 45_000;
const UMOUNT_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 3;
/** Ports a base takes: master BASE..BASE+2, chunkserver i at BASE+2+i. */
const PORTS_PER_BASE = 8;
const PORT_RANGE = { low: 20_000, high: 40_000 } as const;

export interface MooseFsOptions {
  /** Extra mfsmount -o options, e.g. 'mfscachemode=DIRECT'. */
  readonly mountOpts?: string;
  readonly chunkservers?: number;
}

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs a command in its own process group; after `timeoutMs` the whole group is SIGKILLed. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: opts.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => {
      err += `\n(${cmd} ${args.join(' ')}: killed after ${opts.timeoutMs} ms)`;
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, opts.timeoutMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, out, err: err + String(e) });
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

function isMounted(mnt: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === mnt);
}

/** Running, not a zombie (processes orphaned here may not be reaped at once). */
function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, ms: number, fn: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`MooseFS: timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

export class MooseFs {
  readonly dir: string;
  readonly portBase: number;
  /** The first mount (what a daemon's backend-dir points at). */
  readonly mnt: string;
  private readonly opts: MooseFsOptions;
  /** Set by stopMaster, cleared by startMaster: a second master on the same data would be orphaned. */
  masterStopped = false;
  /** Extra mfsmounts: mount point -> pid. */
  private readonly extraMounts = new Map<string, number>();

  private constructor(dir: string, portBase: number, opts: MooseFsOptions) {
    this.dir = dir;
    this.portBase = portBase;
    this.mnt = join(dir, 'mnt');
    this.opts = opts;
  }

  /** Starts a fresh instance; throws with the script's message when MooseFS cannot start here. */
  static async start(opts: MooseFsOptions = {}): Promise<MooseFs> {
    if (process.getuid?.() !== 0) throw new Error('MooseFS needs root (FUSE mounts, daemons)');
    let last = '';
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      const slots = Math.floor((PORT_RANGE.high - PORT_RANGE.low) / PORTS_PER_BASE);
      const base = PORT_RANGE.low + PORTS_PER_BASE * Math.floor(Math.random() * slots);
      const fs = new MooseFs(mkdtempSync(join(tmpdir(), 'tc-mfs-')), base, opts);
      const r = await fs.script('start', START_TIMEOUT_MS);
      if (r.code === 0 && r.out.trim() === fs.mnt) return fs;
      // A port of this base may be taken by someone else's process: try another base.
      last = `moosefs.sh start exited ${r.code}: ${r.err.trim()}${fs.logTail()}`;
      await fs.stop();
    }
    throw new Error(`MooseFS could not start: ${last}`);
  }

  /** The end of the master's log, for an error message (the dir is deleted after a failed start). */
  private logTail(): string {
    try {
      const lines = readFileSync(join(this.dir, 'log', 'master.log'), 'utf8').trim().split('\n');
      return `\nmaster.log: ${lines.slice(-5).join('\n  ')}`;
    } catch {
      return '';
    }
  }

  private script(cmd: 'start' | 'stop' | 'clean' | 'status', timeoutMs: number): Promise<Run> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MFS_PORT_BASE: String(this.portBase),
      MFS_CHUNKSERVERS: String(this.opts.chunkservers ?? 1),
      MFS_MOUNT_OPTS: this.opts.mountOpts ?? '',
    };
    return run(MOOSEFS_SH, [cmd, this.dir], { env, timeoutMs });
  }

  private get clientPort(): number {
    return this.portBase + 2;
  }

  private get masterPidFile(): string {
    return join(this.dir, 'run', 'master.pid');
  }

  /** Another mfsmount of the same master (another node's view); returns its mount point. */
  async mountAnother(name: string, mountOpts = this.opts.mountOpts ?? ''): Promise<string> {
    const mnt = join(this.dir, name);
    mkdirSync(mnt, { recursive: true });
    const log = openSync(join(this.dir, 'log', `${name}.log`), 'a');
    const o = ['mfsnice=0', 'mfsallowoomkiller', ...(mountOpts ? [mountOpts] : [])].join(',');
    const p = spawn('mfsmount', ['-f', '-H', '127.0.0.1', '-P', String(this.clientPort), '-o', o, mnt], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    p.unref();
    this.extraMounts.set(mnt, p.pid!);
    await waitFor(`the second mount at ${mnt}`, START_TIMEOUT_MS, () => {
      if (!pidAlive(p.pid!)) throw new Error(`mfsmount for ${mnt} exited (see ${this.dir}/log/${name}.log)`);
      return isMounted(mnt);
    });
    return mnt;
  }

  /** SIGTERM the master (it saves its metadata) and wait until it is gone. */
  async stopMaster(): Promise<void> {
    const pid = Number(readFileSync(this.masterPidFile, 'utf8'));
    this.masterStopped = true;
    process.kill(pid, 'SIGTERM');
    await waitFor('the master to exit', STOP_TIMEOUT_MS, () => !pidAlive(pid)).catch(() => process.kill(pid, 'SIGKILL'));
  }

  /** Starts the master again with its old config and data; the mounts and chunkserver reconnect by themselves. */
  async startMaster(): Promise<void> {
    if (!this.masterStopped) throw new Error('MooseFS: the master is already running');
    this.masterStopped = false;
    const cfg = join(this.dir, 'master', 'mfsmaster.cfg');
    const log = openSync(join(this.dir, 'log', 'master.log'), 'a');
    const p = spawn('mfsmaster', ['-f', '-a', '-c', cfg], { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    p.unref();
    writeFileSync(this.masterPidFile, `${p.pid}\n`); // so moosefs.sh stop finds it
    await waitFor('the master to listen again', START_TIMEOUT_MS, () => portOpen(this.clientPort));
  }

  /**
   * Unmounts everything and stops every process, even with the master dead;
   * deletes the dir. Never throws (it runs in after()).
   */
  async stop(): Promise<void> {
    const mounts = [this.mnt, ...this.extraMounts.keys()];
    for (const m of mounts) {
      if (isMounted(m)) await run('umount', ['-l', '-c', m], { timeoutMs: UMOUNT_TIMEOUT_MS });
    }
    for (const pid of this.extraMounts.values()) {
      if (!pidAlive(pid)) continue;
      process.kill(pid, 'SIGKILL');
    }
    this.extraMounts.clear();
    const r = await this.script('clean', STOP_TIMEOUT_MS);
    if (r.code !== 0) process.stderr.write(`moosefs.sh clean ${this.dir}: exit ${r.code} ${r.err}\n`);
    // Never recurse into a mount that is somehow still there (a dead master would hang rm).
    if (existsSync(this.dir) && !mounts.some(isMounted)) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Under CI=true a suite that needs MooseFS must fail, not skip, when it cannot start. */
export function mustRunRealFs(): boolean {
  return process.env['CI'] === 'true';
}

/**
 * MooseFS for a suite's before(): the instance, or (outside CI) why it
 * cannot start here, for the suite's tests to skip with; under CI=true a
 * failure to start fails the suite. `missing`: a reason found beforehand
 * that the suite cannot run (FUSE for the daemon's own mounts).
 */
export async function startForSuite(opts: MooseFsOptions = {}, missing?: string): Promise<MooseFs | string> {
  try {
    if (missing) throw new Error(missing);
    return await MooseFs.start(opts);
  } catch (err) {
    if (mustRunRealFs()) throw err;
    return String(err);
  }
}

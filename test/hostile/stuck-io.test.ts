// A hung mount in the backend (a FUSE file system whose server is stopped,
// like a MooseFS mount whose mfsmount went away: every call into it waits in
// the kernel) takes every file I/O thread of the daemon. What must hold: Health stops saying SERVING, so the liveness probe
// restarts the daemon, and SIGTERM still ends the process, within the drain
// timeout and its stated grace.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { TestDaemon, REPO_ROOT, eventually } from '../helpers/daemon';
import { fuseMissing } from '../helpers/fuse';
import type { TiercacheClient } from '../../src/client/client';
import { services, CHANNEL_OPTIONS } from '../../src/protocol/load';

const HANG_FS_SOURCE = join(REPO_ROOT, 'test/helpers/native/hang-fs.c');
/** The daemon's I/O threads, set small here as an operator may: fewer than the hung reads. */
const THREADS = 4;

function buildHangFs(out: string): void {
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'fuse3']).toString().trim().split(/\s+/);
  execFileSync('cc', ['-O1', '-o', out, HANG_FS_SOURCE, ...flags]);
}

function isMounted(dir: string): boolean {
  return readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === dir);
}

function healthOf(socket: string): Promise<string> {
  const h = new services.Health(`unix://${socket}`, credentials.createInsecure(), { ...CHANNEL_OPTIONS });
  return new Promise((resolve) => {
    (h as unknown as { Check: (r: unknown, o: { deadline: number }, cb: (e: Error | null, r?: { status: string }) => void) => void }).Check(
      { service: '' },
      { deadline: Date.now() + 2_000 },
      (err, res) => {
        h.close();
        resolve(err ? `error: ${err.message}` : res!.status);
      },
    );
  });
}

describe('a hung mount behind the backend', () => {
  const d = new TestDaemon({
    flags: { 'io-stuck-timeout': '1s', 'drain-timeout': '1s', watch: 'false' },
    env: { UV_THREADPOOL_SIZE: String(THREADS) },
  });
  const mnt = join(d.backendDir, 'hung');
  let fs: ChildProcess | undefined;
  let c: TiercacheClient | undefined;

  before(async () => {
    const why = fuseMissing();
    if (why) {
      if (process.env['CI'] === 'true') assert.fail(`${why} (the hung-mount test needs FUSE)`);
      return;
    }
    const bin = join(d.dir, 'hang-fs');
    buildHangFs(bin);
    mkdirSync(mnt);
    fs = spawn(bin, ['-f', mnt], { stdio: 'ignore' });
    await eventually(() => isMounted(mnt), 10_000, 'the FUSE mount');
    await d.start();
    c = d.client();
    // From here on, nothing in the mount answers.
    fs.kill('SIGSTOP');
  });
  after(async () => {
    c?.close();
    // The file system first: its death aborts what waits in it; then the daemon, then the mount point.
    if (fs && fs.exitCode === null && fs.signalCode === null) {
      fs.kill('SIGKILL');
      await once(fs, 'exit');
    }
    await d.kill();
    try {
      execFileSync('fusermount3', ['-u', '-z', mnt], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    await d.cleanup();
  });

  it('turns Health NOT_SERVING once every I/O thread hangs, and SIGTERM still ends the process', async (t) => {
    if (!fs) return t.skip(fuseMissing());
    assert.equal(await healthOf(d.socket), 'SERVING');
    // More hung reads than the daemon has I/O threads; they never answer (backend-timeout fails them, the threads stay).
    for (let i = 0; i < THREADS + 2; i++) c!.read(`hung/f${i}`).catch(() => undefined);
    await eventually(async () => (await healthOf(d.socket)) === 'NOT_SERVING', 20_000, 'Health NOT_SERVING');
    assert.match(d.stderr, /file I\/O is stuck/);
    const exited = once(d.proc!, 'exit');
    d.proc!.kill('SIGTERM');
    const [code, signal] = (await exited) as [number | null, string | null];
    // A normal exit would wait forever on the hung threads: the daemon ends itself by SIGKILL.
    assert.equal(signal, 'SIGKILL', `exit code ${code}`);
    assert.match(d.stderr, /exiting by SIGKILL: a normal exit would wait forever on I\/O threads|shutdown did not finish in time/);
  });
});

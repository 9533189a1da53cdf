// Hostile writers on the dataset filesystem: anyone who can write there can
// try to make the daemon (root in the DaemonSet) read what it should not, or
// serve stale bytes, or fire backend alerts. What must hold: a directory
// swapped for a symlink out of the root in a tight loop never yields the
// outside file; an over-long name is the client's mistake, not a backend
// error; a rewrite hidden with `touch -r` is still seen; a FIFO never stalls.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { TestDaemon, eventually, failure } from '../helpers/daemon';
import { whileSwapping } from '../helpers/swap-race';
import { PosixBackend } from '../../src/backend/posix-backend';
import type { TiercacheClient } from '../../src/client/client';

const SWAP_SECONDS = 3;

describe('backend swaps and tricks', () => {
  // No cache tiers and no metadata TTL: every read goes to the backend, where the race is.
  const d = new TestDaemon({ flags: { 'memory-cache-size': '0', 'ssd-cache-size': '0', 'metadata-ttl': '0', watch: 'false' } });
  let c: TiercacheClient;
  before(async () => {
    const outside = join(d.dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 't'), 'OUTSIDE SECRET');
    mkdirSync(join(d.backendDir, 'sw'));
    writeFileSync(join(d.backendDir, 'sw', 't'), 'inside bytes!!');
    symlinkSync(outside, join(d.backendDir, 'swlink'));
    await d.start();
    c = d.client();
  });
  after(async () => {
    c?.close();
    await d.cleanup();
  });

  it('never serves the outside file while a directory and a symlink out of the root swap', async () => {
    const { served, refused } = await whileSwapping(SWAP_SECONDS, [join(d.backendDir, 'sw'), join(d.backendDir, 'swlink')], async () => {
      const got = (await c.read('sw/t')).toString();
      assert.equal(got, 'inside bytes!!', 'a read returned the file outside the root');
    });
    assert.ok(served > 0 && refused > 0, `both sides of the race were hit (${served} served, ${refused} refused)`);
    assert.equal((await c.read('sw/t').catch(() => c.read('swlink/t'))).toString(), 'inside bytes!!');
  });

  it('answers INVALID_ARGUMENT for a path component over 255 bytes, and counts no backend error', async () => {
    const before = (await c.stats())['backend_errors'];
    const f = await failure(c.read(`${'a'.repeat(300)}/x`));
    assert.equal(f.code, 'INVALID_ARGUMENT');
    assert.match(f.message, /longer than the file system allows/);
    assert.equal((await c.stats())['backend_errors'], before);
  });

  it('refuses a FIFO at once and stays healthy', async () => {
    execFileSync('mkfifo', [join(d.backendDir, 'pipe')]);
    const f = await failure(c.read('pipe'));
    assert.equal(f.code, 'INVALID_ARGUMENT');
    writeFileSync(join(d.backendDir, 'ok.txt'), 'ok');
    assert.equal((await c.read('ok.txt')).toString(), 'ok');
  });
});

describe('listings while a directory and a symlink out of the root swap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-list-'));
  const root = join(dir, 'root');
  before(() => {
    mkdirSync(join(dir, 'outside'));
    writeFileSync(join(dir, 'outside', 'outside-only'), 'secret');
    mkdirSync(join(root, 'sw'), { recursive: true });
    writeFileSync(join(root, 'sw', 't'), 'inside');
    symlinkSync(join(dir, 'outside'), join(root, 'swlink'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('never lists what is outside the root (the directory is opened, checked, then read by descriptor)', async () => {
    const backend = new PosixBackend(root);
    const { served: listed, refused } = await whileSwapping(SWAP_SECONDS, [join(root, 'sw'), join(root, 'swlink')], async () => {
      const names = await backend.readdir('sw');
      assert.deepEqual(names, ['sw/t'], 'a listing named what is outside the root');
      const all: string[] = [];
      for await (const st of backend.list('sw', true)) all.push(st.path);
      assert.ok(!all.some((p) => p.includes('outside-only')), 'a walk named what is outside the root');
    });
    assert.ok(listed > 0 && refused > 0, `both sides of the race were hit (${listed} listed, ${refused} refused)`);
  });
});

describe('a rewrite hidden with touch -r', () => {
  // Cached this time, and no watcher: only the version can tell the file changed.
  const d = new TestDaemon({ flags: { 'metadata-ttl': '50ms', watch: 'false' } });
  let c: TiercacheClient;
  before(async () => {
    await d.start();
    c = d.client();
  });
  after(async () => {
    c?.close();
    await d.cleanup();
  });

  it('serves a file rewritten in place with its mtime put back (touch -r)', async () => {
    const p = join(d.backendDir, 'rewritten.bin');
    writeFileSync(p, 'old old old');
    assert.equal((await c.read('rewritten.bin')).toString(), 'old old old');
    const ref = join(d.dir, 'times-ref');
    writeFileSync(ref, '');
    execFileSync('touch', ['-r', p, ref]);
    writeFileSync(p, 'new new new');
    execFileSync('touch', ['-r', ref, p]);
    assert.equal(statSync(p).mtimeMs, statSync(ref).mtimeMs, 'the mtime was put back exactly');
    await eventually(async () => (await c.read('rewritten.bin')).toString() === 'new new new', 5_000, 'the rewrite to be served');
  });
});

// The daemon process: socket handling, config errors, shutdown, CLI errors, memory bound.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, TestDaemon, runCli } from '../helpers/daemon';
import { TiercacheClient } from '../../src/client/client';

const MiB = 1024 * 1024;

describe('daemon start-up and shutdown', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('creates the socket with mode 0660 and exits 0 on SIGTERM', async () => {
    const d = new TestDaemon();
    try {
      await d.start();
      assert.equal(statSync(d.socket).mode & 0o777, 0o660);
      assert.equal(await d.stop(), 0);
      assert.match(d.stderr, /"msg":"daemon stopped"/);
    } finally {
      await d.cleanup();
    }
  });

  it('replaces a stale socket left by a dead daemon', async () => {
    const d = new TestDaemon();
    try {
      await d.start();
      await d.kill(); // kill -9 leaves the socket file behind
      assert.ok(statSync(d.socket).isSocket());
      await d.start();
      const c = d.client();
      assert.equal((await c.stats('memory') as { block_size: number }).block_size, MiB);
      c.close();
    } finally {
      await d.cleanup();
    }
  });

  it('refuses to start on a socket a live daemon serves, with a clear error', async () => {
    const a = new TestDaemon();
    try {
      await a.start();
      const b = new TestDaemon({ dir: a.dir, flags: { 'state-dir': join(a.dir, 'state-b'), socket: a.socket } });
      await assert.rejects(b.start(), /another tiercache daemon is already serving on .*tc\.sock/);
      assert.ok(a.alive);
    } finally {
      await a.cleanup();
    }
  });

  it('refuses a path that is not a socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'file.sock'), 'x');
    const r = await runCli(['daemon', `--backend-dir=${dir}/data`, `--state-dir=${dir}/st`, `--socket=${dir}/file.sock`, '--metrics-listen=']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exists and is not a socket/);
  });

  it('names the key, the value and what is allowed for a bad config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-'));
    dirs.push(dir);
    let r = await runCli(['daemon', `--state-dir=${dir}/st`, '--memory-cache-size=lots']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid memory-cache-size: "lots"; allowed: a size such as 512MiB/);
    writeFileSync(join(dir, 'c.yaml'), 'block-size: 4MiB\nmetadata-ttl: soon\n');
    r = await runCli(['daemon', `--state-dir=${dir}/st`, `--config=${dir}/c.yaml`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid metadata-ttl: "soon"; allowed: a duration/);
    writeFileSync(join(dir, 'c2.yaml'), 'memory-cache-sise: 1GiB\n');
    r = await runCli(['daemon', `--state-dir=${dir}/st`, `--config=${dir}/c2.yaml`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown key memory-cache-sise/);
  });

  it('reads its settings from a YAML file, flags winning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'c.yaml'), `backend-dir: ${dir}/data\nstate-dir: ${dir}/st\nblock-size: 2MiB\nmemory-cache-size: 16MiB\nmetrics-listen: ""\n`);
    const d = new TestDaemon({ dir, flags: {} });
    try {
      const proc = spawn(process.execPath, [CLI, 'daemon', `--config=${dir}/c.yaml`, '--memory-cache-size=8MiB'], { stdio: ['ignore', 'ignore', 'pipe'] });
      d.proc = proc;
      let err = '';
      proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
      while (!err.includes('serving')) await once(proc.stderr, 'data');
      const c = new TiercacheClient({ socket: join(dir, 'st', 'tiercache.sock') });
      const s = (await c.stats('memory')) as { block_size: number; memory: { capacity_bytes: number } };
      assert.equal(s.block_size, 2 * MiB);
      assert.equal(s.memory.capacity_bytes, 8 * MiB);
      c.close();
    } finally {
      await d.cleanup();
    }
  });
});

describe('CLI', () => {
  const d = new TestDaemon();
  after(() => d.cleanup());

  it('reads, stats and evicts through the daemon', async () => {
    writeFileSync(join(d.backendDir, 'f.txt'), 'through the cache\n');
    await d.start();
    let r = await runCli(['cat', 'f.txt', `--socket=${d.socket}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'through the cache\n');
    r = await runCli(['cat', 'f.txt', '--offset=8', '--length=5'], { env: { TIERCACHE_SOCKET: d.socket } });
    assert.equal(r.stdout.toString(), 'the c');
    r = await runCli(['stat', 'f.txt', '--json', `--socket=${d.socket}`]);
    assert.equal(JSON.parse(r.stdout.toString()).size, 18);
    r = await runCli(['cache', 'stats', '--type=memory', `--socket=${d.socket}`]);
    assert.equal(r.code, 0);
    assert.match(r.stdout.toString(), /TIER\s+STATE\s+CAPACITY/);
    assert.match(r.stdout.toString(), /memory\s+normal\s+64\.0 MiB/);
    r = await runCli(['cache', 'stats', `--socket=${d.socket}`]);
    assert.match(r.stdout.toString(), /prefetch: \d+ blocks prefetched/);
    assert.match(r.stdout.toString(), /checkpoints: \d+ saved/);
    r = await runCli(['cache', 'stats', '--type=all', '--json', `--socket=${d.socket}`]);
    const s = JSON.parse(r.stdout.toString());
    for (const k of ['memory', 'ssd', 'distributed', 'backend_bytes_read', 'backend_reads']) assert.ok(k in s, k);
    for (const k of ['capacity_bytes', 'used_bytes', 'blocks', 'hits', 'misses', 'hit_ratio', 'evictions']) assert.ok(k in s.memory, k);
    r = await runCli(['evict', 'f.txt', `--socket=${d.socket}`]);
    assert.match(r.stdout.toString(), /evicted [12] blocks?/);
    r = await runCli(['cat', '../x', `--socket=${d.socket}`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'tiercache: PERMISSION_DENIED: path escapes the backend root: ../x\n');
  });

  it('says which socket it could not reach, in one line, exit 1', async () => {
    const r = await runCli(['cache', 'stats', '--socket=/tmp/does-not-exist/tc.sock']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /cannot reach the tiercache daemon at \/tmp\/does-not-exist\/tc\.sock/);
    // A socket file nobody listens on.
    const dir = mkdtempSync(join(tmpdir(), 'tc-'));
    const srv = createServer().listen(join(dir, 'dead.sock'));
    await once(srv, 'listening');
    srv.close();
    const fake = join(dir, 'dead2.sock');
    const srv2 = createServer().listen(fake);
    await once(srv2, 'listening');
    srv2.close();
    const r2 = await runCli(['stat', 'x', `--socket=${fake}`]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /cannot reach the tiercache daemon/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects unknown commands and bad flags with usage errors', async () => {
    let r = await runCli(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "frobnicate"/);
    r = await runCli(['cache', 'stats', '--type=gpu', `--socket=${d.socket}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--type must be one of memory, ssd, distributed, all/);
  });
});

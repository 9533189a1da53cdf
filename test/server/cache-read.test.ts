// The Cache service against the real daemon over a real socket.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, symlinkSync, mkdirSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, pseudoRandomBytes, eventually, failure } from '../helpers/daemon';
import type { TiercacheClient } from '../../src/client/client';

const MiB = 1024 * 1024;

/** Admin.Stats 'all', whose tier sections are always present. */
async function stats(c: TiercacheClient) {
  const s = await c.stats('all');
  assert.ok(s.memory && s.ssd, 'stats all has both tiers');
  return { ...s, memory: s.memory, ssd: s.ssd };
}

async function streamAll(c: TiercacheClient, path: string, offset = 0, length = 0): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const ch of c.readChunks(path, offset, length)) parts.push(ch.data);
  return Buffer.concat(parts);
}

describe('Cache service', () => {
  const d = new TestDaemon({ flags: { 'metadata-ttl': '300ms', watch: 'false' } });
  let c: TiercacheClient;
  const file = pseudoRandomBytes(5 * MiB + 12345, 7);

  before(async () => {
    writeFileSync(join(d.backendDir, 'data.bin'), file);
    mkdirSync(join(d.backendDir, 'dir'));
    writeFileSync(join(d.backendDir, 'dir', 'small.txt'), 'hello\n');
    await d.start();
    c = d.client();
  });
  after(async () => {
    c.close();
    assert.equal(await d.stop(), 0, 'SIGTERM exits 0');
    await d.cleanup();
  });

  it('stat reports size, mtime and type', async () => {
    const info = await c.stat('data.bin');
    assert.equal(info.size, file.length);
    assert.equal(info.is_dir, false);
    assert.equal(info.mtime_ms, Math.trunc(statSync(join(d.backendDir, 'data.bin')).mtimeMs));
    assert.equal((await c.stat('dir')).is_dir, true);
  });

  it('returns the exact bytes for random ranges, block boundaries and EOF', async () => {
    const cases: Array<[number, number]> = [
      [0, 1],
      [MiB - 1, 2],
      [MiB, MiB],
      [MiB - 10, 3 * MiB + 20],
      [file.length - 5, 5],
      [file.length - 5, 100],
      [file.length, 0],
      [0, 0],
    ];
    let seed = 99;
    for (let i = 0; i < 20; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const off = seed % file.length;
      seed = (seed * 1103515245 + 12345) >>> 0;
      cases.push([off, 1 + (seed % (2 * MiB))]);
    }
    for (const [off, len] of cases) {
      const want = file.subarray(off, len === 0 ? file.length : Math.min(file.length, off + len));
      assert.ok((await c.read('data.bin', off, len)).equals(want), `Read(${off}, ${len})`);
      assert.ok((await streamAll(c, 'data.bin', off, len)).equals(want), `ReadStream(${off}, ${len})`);
    }
  });

  it('serves a re-read from memory without touching the backend', async () => {
    await c.read('dir/small.txt');
    const before = await stats(c);
    assert.equal((await c.read('dir/small.txt')).toString(), 'hello\n');
    const after = await stats(c);
    assert.equal(after.backend_reads, before.backend_reads);
    assert.equal(after.memory.hits, before.memory.hits + 1);
  });

  it('makes one backend read for 32 concurrent readers of one block', async () => {
    writeFileSync(join(d.backendDir, 'hot.bin'), pseudoRandomBytes(MiB, 3));
    const before = await stats(c);
    const results = await Promise.all(Array.from({ length: 32 }, () => c.read('hot.bin', 0, MiB)));
    for (const r of results) assert.ok(r.equals(results[0]!));
    const after = await stats(c);
    assert.equal(after.backend_reads - before.backend_reads, 1);
    // The other 31 either joined the load in flight (deduped) or found the block in memory after it.
    const deduped = after.loads_deduped - before.loads_deduped;
    assert.ok(deduped >= 1, `loads_deduped grew by ${deduped}`);
    assert.equal(deduped + (after.memory.hits - before.memory.hits), 31);
  });

  it('refuses paths that escape the backend root, and stays up', async () => {
    symlinkSync('/etc', join(d.backendDir, 'escape'));
    symlinkSync('/etc/hostname', join(d.backendDir, 'escape-file'));
    const attempts: Array<[string, string]> = [
      ['../outside', 'PERMISSION_DENIED'],
      ['dir/../../outside', 'PERMISSION_DENIED'],
      ['/etc/passwd', 'INVALID_ARGUMENT'],
      ['a\0b', 'INVALID_ARGUMENT'],
      ['escape/hostname', 'PERMISSION_DENIED'],
      ['escape-file', 'PERMISSION_DENIED'],
    ];
    for (const [p, code] of attempts) {
      // One call at a time: a call made before the previous is awaited may reject unobserved.
      for (const call of [() => c.read(p, 0, 1), () => c.stat(p), () => streamAll(c, p)]) {
        const r = await failure(call());
        assert.equal(r.code, code, `${JSON.stringify(p)}: ${r.message}`);
        assert.ok(r.message.includes(p.replace('\0', '\u0000')) || r.message.includes(JSON.stringify(p)), r.message);
      }
    }
    assert.equal((await c.read('dir/small.txt')).toString(), 'hello\n');
    assert.ok(d.alive);
  });

  it('gives clear errors for impossible ranges, oversized reads and missing files', async () => {
    let r = await failure(c.read('data.bin', file.length + 1, 1));
    assert.equal(r.code, 'OUT_OF_RANGE');
    assert.match(r.message, /past the end of data\.bin/);
    r = await failure(c.read('data.bin', 0, 2 ** 40));
    assert.equal(r.code, 'RESOURCE_EXHAUSTED');
    assert.match(r.message, /max-read-size.*ReadStream/);
    r = await failure(c.read('nope/missing.bin', 0, 1));
    assert.equal(r.code, 'NOT_FOUND');
    assert.match(r.message, /nope\/missing\.bin/);
    r = await failure(c.read('dir', 0, 1));
    assert.equal(r.code, 'FAILED_PRECONDITION');
    r = await failure(c.read('', 0, 1));
    assert.equal(r.code, 'INVALID_ARGUMENT');
    r = await failure(c.stats('bogus' as 'all'));
    assert.equal(r.code, 'INVALID_ARGUMENT');
    assert.ok(d.alive);
  });

  it('does not serve a changed file stale past metadata-ttl', async () => {
    const p = join(d.backendDir, 'changing.txt');
    writeFileSync(p, 'version-1');
    assert.equal((await c.read('changing.txt')).toString(), 'version-1');
    writeFileSync(p, 'version-2');
    // Same size, new content; give it a distinct mtime in case the clock is coarse.
    const t = new Date(Date.now() + 5000);
    utimesSync(p, t, t);
    await new Promise((r) => setTimeout(r, 400)); // past the 300ms metadata-ttl
    assert.equal((await c.read('changing.txt')).toString(), 'version-2');
  });

  it('evicts a file from every tier', async () => {
    await c.read('dir/small.txt');
    assert.ok((await c.evict('dir/small.txt')) >= 1);
    const before = await stats(c);
    await c.read('dir/small.txt');
    assert.equal((await stats(c)).backend_reads, before.backend_reads + 1);
  });

  it('answers UNIMPLEMENTED, saying what would serve it, for a service this daemon was started without', async () => {
    const r = await failure(c.unary('Peer', 'GetBlock', { path: 'x', version: '', index: 0 }));
    assert.equal(r.code, 'UNIMPLEMENTED');
    assert.match(r.message, /tiercache\.v1\.Peer is not served by this daemon: start it with --peers/);
  });
});

describe('backend watcher', () => {
  const d = new TestDaemon({ flags: { 'metadata-ttl': '1h', watch: 'true' } });
  let c: TiercacheClient;
  before(async () => {
    writeFileSync(join(d.backendDir, 'w.txt'), 'aaaa');
    await d.start();
    c = d.client();
  });
  after(async () => {
    c.close();
    await d.cleanup();
  });

  it('invalidates a locally changed file at once, long before metadata-ttl', async () => {
    assert.equal((await c.read('w.txt')).toString(), 'aaaa');
    await new Promise((r) => setTimeout(r, 300)); // let chokidar attach to the directory
    writeFileSync(join(d.backendDir, 'w.txt'), 'bbbbbb');
    await eventually(async () => (await c.read('w.txt')).toString() === 'bbbbbb', 10_000, 'the change to be seen');
  });
});

describe('SSD tier across restarts and corruption', () => {
  const d = new TestDaemon({ flags: { 'memory-cache-size': '0' } });
  const file = pseudoRandomBytes(3 * MiB + 77, 11);
  before(() => writeFileSync(join(d.backendDir, 'ssd.bin'), file));
  after(() => d.cleanup());

  it('keeps SSD hits across a restart', async () => {
    await d.start();
    let c = d.client();
    assert.ok((await c.read('ssd.bin', 0, file.length)).equals(file));
    await eventually(async () => ((await stats(c)).ssd.blocks === 4), 5000, 'SSD writes');
    c.close();
    assert.equal(await d.stop(), 0);
    await d.start();
    c = d.client();
    assert.ok((await c.read('ssd.bin', 0, file.length)).equals(file));
    const s = await stats(c);
    assert.equal(s.backend_reads, 0, 'a restarted daemon starts warm');
    assert.equal(s.ssd.hits, 4);
    c.close();
  });

  it('detects a corrupted SSD block, drops it and re-fetches it', async () => {
    const c = d.client();
    const blocksDir = join(d.stateDir, 'ssd', 'blocks');
    const files = readdirSync(blocksDir).flatMap((sub) => readdirSync(join(blocksDir, sub)).map((f) => join(blocksDir, sub, f)));
    assert.equal(files.length, 4);
    // Flip bytes in the middle of every block file, keeping the size.
    for (const f of files) {
      const size = statSync(f).size;
      writeFileSync(f, Buffer.alloc(size, 0x5a));
    }
    const before = await stats(c);
    assert.ok((await c.read('ssd.bin', 0, file.length)).equals(file), 'corrupt blocks are never served');
    const after = await stats(c);
    assert.equal(after.ssd.corrupt_blocks - before.ssd.corrupt_blocks, 4);
    assert.equal(after.backend_reads - before.backend_reads, 4);
    c.close();
  });
});

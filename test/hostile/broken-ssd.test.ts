// A broken SSD tier at start: the index database truncated or garbled
// between runs, the SSD directory replaced by a file, a read-only disk.
// What must hold: the daemon starts anyway, moves what is broken aside (kept
// for a person to look at), rebuilds the tier empty or runs without it, and
// says which in its log and in the cache stats; reads are served either way.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, eventually, pseudoRandomBytes } from '../helpers/daemon';

const MiB = 1024 * 1024;
const DATA = pseudoRandomBytes(4 * MiB, 5);

function quarantined(dir: string, prefix: string): string[] {
  // The index's -wal and -shm files go aside with it.
  return readdirSync(dir).filter((f) => f.startsWith(`${prefix}.quarantined-`) && !/-(wal|shm)$/.test(f));
}

describe('a corrupt SSD index between runs', () => {
  const d = new TestDaemon();
  const ssd = join(d.stateDir, 'ssd');
  const index = join(ssd, 'index.sqlite');
  before(() => writeFileSync(join(d.backendDir, 'f.bin'), DATA));
  after(() => d.cleanup());

  /** Starts, reads the file (its blocks go to the SSD), and stops, so the index holds them. */
  async function runOnce(): Promise<{ startup: string; blocks: number }> {
    await d.start();
    const c = d.client();
    try {
      assert.ok((await c.read('f.bin')).equals(DATA));
      await eventually(async () => Number((await c.stats('ssd')).ssd?.blocks) === 4, 10_000, 'blocks on the SSD');
      const s = (await c.stats('ssd')).ssd!;
      return { startup: String(s.startup), blocks: Number(s.blocks) };
    } finally {
      c.close();
      assert.equal(await d.stop(), 0);
    }
  }

  it('quarantines a garbled or truncated index, rebuilds the tier and says so', async () => {
    assert.equal((await runOnce()).startup, 'recovered');
    const corruptions: Array<[string, () => void]> = [
      ['garbled', () => writeFileSync(index, pseudoRandomBytes(statSync(index).size, 9))],
      ['truncated', () => truncateSync(index, 50)],
    ];
    for (const [how, corrupt] of corruptions) {
      corrupt();
      const before = quarantined(ssd, 'index.sqlite').length;
      const run = await runOnce();
      assert.match(run.startup, /^rebuilt: the index database is corrupt .*moved aside to .*index\.sqlite\.quarantined-.*the tier starts empty$/, how);
      assert.match(d.stderr, /SSD tier rebuilt at start/, how);
      // Kept for a person to look at, beside the new index; the new tier caches again.
      assert.equal(quarantined(ssd, 'index.sqlite').length, before + 1, how);
      assert.equal(run.blocks, 4, how);
    }
    // And the rebuilt index is trusted at the next start.
    assert.equal((await runOnce()).startup, 'recovered');
  });
});

describe('an unusable SSD directory at start', () => {
  const d = new TestDaemon();
  const roMount = join(d.dir, 'ro-ssd');
  let mounted = false;
  before(() => writeFileSync(join(d.backendDir, 'f.bin'), DATA));
  after(async () => {
    await d.cleanup().catch(() => {});
    if (mounted) execFileSync('umount', ['-l', roMount]);
  });

  async function startWith(ssdDir: string): Promise<{ state: string; startup: string }> {
    d.flags['ssd-cache-dir'] = ssdDir;
    await d.start();
    const c = d.client();
    try {
      assert.ok((await c.read('f.bin')).equals(DATA));
      const s = (await c.stats('ssd')).ssd!;
      return { state: String(s.state), startup: String(s.startup) };
    } finally {
      c.close();
      await d.stop();
    }
  }

  it('moves a file standing in for the directory aside and rebuilds the tier', async () => {
    const path = join(d.dir, 'ssd-file');
    writeFileSync(path, 'not a directory');
    const s = await startWith(path);
    assert.equal(s.state, 'normal');
    assert.match(s.startup, /^rebuilt: .*ssd-file is not a directory .*moved aside to .*ssd-file\.quarantined-/);
    const [aside] = quarantined(d.dir, 'ssd-file');
    assert.equal(readFileSync(join(d.dir, aside!), 'utf8'), 'not a directory');
    assert.ok(statSync(path).isDirectory());
  });

  it('runs without the tier on a read-only disk, and says why', async (t) => {
    mkdirSync(roMount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', roMount], { stdio: 'ignore' });
      mounted = true;
    } catch (err) {
      if (process.env['CI'] === 'true') assert.fail(`mounting a read-only tmpfs failed (the test runs as root): ${String(err)}`);
      return t.skip('mounting a read-only tmpfs needs root');
    }
    const s = await startWith(roMount);
    assert.equal(s.state, 'disabled');
    assert.match(s.startup, /^disabled: the directory .*ro-ssd cannot be used \(.*(EROFS|read-only).*\); quarantine and rebuild failed too/);
    assert.match(d.stderr, /SSD tier disabled: serving from memory and the backend/);
    assert.ok(!existsSync(join(roMount, 'blocks')));
  });
});

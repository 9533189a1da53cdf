// The SSD tier after a crash. Block files are written in place under a name
// used once, with no temporary name and rename (disk-cache.ts says why that
// is safe); what must hold: a daemon killed with SIGKILL while blocks are
// being written restarts from its index ('recovered'), keeps no file the
// index does not know (no half-written block survives), serves every byte
// correctly and reads from the backend only what the SSD lost. And the
// states a crash or a power loss can leave on disk (a file without its row,
// a row whose file is short, or of the right size with other bytes) are
// each cleaned up at start or caught on read, on both I/O paths.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { DiskCache } from '../../src/cache/disk-cache';
import { SsdBudget } from '../../src/cache/ssd-budget';
import { blockKey, type BlockId } from '../../src/cache/types';
import { silentLogger } from '../../src/log';
import { nativeIo, type NativeIo } from '../../src/native/native-io';
import { TestDaemon, pseudoRandomBytes } from '../helpers/daemon';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const io = nativeIo();

const modes: Array<{ name: string; io: NativeIo | null; env: Record<string, string>; skip: string | false }> = [
  { name: 'native', io: io ?? null, env: {}, skip: io ? false : 'the addon is not built' },
  { name: 'fs', io: null, env: { TIERCACHE_NATIVE_IO: '0' }, skip: false },
];

function blockFiles(ssd: string): string[] {
  return readdirSync(join(ssd, 'blocks'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('the SSD tier killed while writing blocks', () => {
  const BLOCK = 4 * MiB;
  const BLOCKS = 16;
  const daemons: TestDaemon[] = [];
  after(async () => {
    for (const d of daemons) await d.cleanup();
  });

  for (const m of modes) {
    it(`${m.name}: restarts from its index, keeps no file it does not know, serves every byte`, { skip: m.skip }, async (t) => {
      const d = new TestDaemon({ flags: { 'memory-cache-size': '0', 'block-size': '4MiB' }, env: m.env });
      daemons.push(d);
      const ssd = join(d.stateDir, 'ssd');
      // Killed while blocks are being written: early, with no row flushed yet, and after the first half's rows were flushed.
      for (const [cycle, [flushed, killAt]] of [[0, 2], [8, 11]].entries()) {
        const file = pseudoRandomBytes(BLOCKS * BLOCK - 1000, 50 + cycle);
        const name = `big-${cycle}.bin`;
        writeFileSync(join(d.backendDir, name), file);
        rmSync(ssd, { recursive: true, force: true });
        await d.start();
        let c = d.client();
        if (flushed > 0) {
          assert.ok((await c.read(name, 0, flushed * BLOCK)).equals(file.subarray(0, flushed * BLOCK)));
          await new Promise((r) => setTimeout(r, 700)); // the index is flushed every 500 ms
        }
        // A client reads the file (each block goes to the SSD as it is fetched); the daemon dies under it.
        const reading = c.read(name).then(
          () => 'done',
          () => 'cut',
        );
        while (Number((await c.stats('ssd')).ssd?.blocks) < killAt) await new Promise((r) => setTimeout(r, 5));
        await d.kill();
        t.diagnostic(`the read was ${await reading}`);
        c.close();
        const rows = new Database(join(ssd, 'index.sqlite'), { readonly: true });
        const indexed = (rows.prepare('SELECT count(*) AS n FROM blocks').get() as { n: number }).n;
        rows.close();
        const files = blockFiles(ssd);
        const torn = files.filter((f) => statSync(f).size % BLOCK !== 0 && statSync(f).size !== file.length % BLOCK).length;
        t.diagnostic(`killed with ${killAt}+ blocks written: ${files.length} block files (${torn} torn), ${indexed} rows`);
        assert.ok(indexed >= flushed, 'the rows flushed before the kill are in the index');

        await d.start();
        c = d.client();
        try {
          const s0 = (await c.stats('all'))!;
          assert.equal(s0.ssd?.startup, 'recovered');
          const kept = Number(s0.ssd?.blocks);
          assert.ok(kept >= flushed, `the blocks indexed before the kill are kept (${kept})`);
          assert.equal(blockFiles(ssd).length, kept, 'every block file left is one the index knows');
          assert.ok((await c.read(name)).equals(file), 'every byte served correctly');
          const s1 = (await c.stats('all'))!;
          assert.equal(Number(s1.backend_reads) - Number(s0.backend_reads), BLOCKS - kept, 'the backend is read only for what the SSD lost');
          assert.equal(Number(s1.ssd?.hits) - Number(s0.ssd?.hits), kept, 'what the SSD kept is served from it');
          assert.equal(Number(s1.ssd?.corrupt_blocks), 0);
        } finally {
          c.close();
        }
        assert.equal(await d.stop(), 0);
      }
    });
  }
});

describe('what a crash or a power loss leaves in the SSD tier', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const m of modes) {
    it(`${m.name}: a file without its row goes at start, a short one with its row goes at start, other bytes are caught on read`, { skip: m.skip }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tc-ssd-crash-'));
      dirs.push(dir);
      const open = () => {
        const budget = new SsdBudget({ dir, capacityBytes: GiB, freeRatio: 0, statfs: () => ({ free: 9 * GiB, total: 10 * GiB }) });
        return new DiskCache({ dir, budget, blockSize: 64 * 1024, logger: silentLogger, io: m.io });
      };
      const blocks = [0, 1, 2, 3].map((i) => ({ id: { path: `c${i}`, version: 'v1', index: 0 } as BlockId, data: pseudoRandomBytes(30_000, 60 + i) }));
      let cache = open();
      for (const b of blocks.slice(0, 3)) assert.equal(await cache.put(b.id, b.data, 'read'), true);
      cache.close();
      const fileOf = (data: Buffer) => blockFiles(dir).find((f) => readFileSync(f).equals(data))!;
      // Killed mid-write: the fourth block's file half written, its row never queued.
      const torn = join(dirname(fileOf(blocks[0]!.data)), 'ff-zz');
      copyFileSync(fileOf(blocks[0]!.data), torn);
      truncateSync(torn, 12_345);
      // Power loss after the rows reached SQLite, before the data reached the disk (nothing is fsynced).
      truncateSync(fileOf(blocks[1]!.data), 0);
      writeFileSync(fileOf(blocks[2]!.data), Buffer.alloc(30_000, 0));

      cache = open();
      try {
        assert.equal(cache.startup.kind, 'recovered');
        assert.equal(blockFiles(dir).length, 2, 'the torn file and the short one are gone');
        assert.equal(cache.snapshot().blocks, 2);
        assert.deepEqual(await cache.get(blockKey(blocks[0]!.id)), blocks[0]!.data);
        assert.equal(await cache.get(blockKey(blocks[1]!.id)), undefined);
        assert.equal(await cache.get(blockKey(blocks[2]!.id)), undefined, 'a file of the right size with other bytes is not served');
        assert.equal(cache.snapshot().corruptBlocks, 1);
        // The tier goes on: new blocks are written and served beside the survivor.
        for (const b of [blocks[1]!, blocks[3]!]) assert.equal(await cache.put(b.id, b.data, 'read'), true);
        assert.deepEqual(await cache.get(blockKey(blocks[1]!.id)), blocks[1]!.data);
        assert.deepEqual(await cache.get(blockKey(blocks[3]!.id)), blocks[3]!.data);
      } finally {
        cache.close();
      }
    });
  }
});

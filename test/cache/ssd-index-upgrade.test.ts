// An SSD tier written by an older daemon: its index has no crc_kind column,
// its block files are named by the SHA-1 of the key and checked with zlib's
// CRC-32. A daemon restarted on it must start warm (every block served from
// the SSD, byte-exact), still catch a corrupt old block, and keep new blocks
// (named by a counter, checked with CRC-32C on the native path) beside the
// old ones across another restart; on both I/O paths.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';
import { DiskCache } from '../../src/cache/disk-cache';
import { SsdBudget } from '../../src/cache/ssd-budget';
import { blockKey, type BlockId } from '../../src/cache/types';
import { silentLogger } from '../../src/log';
import { nativeIo, type NativeIo } from '../../src/native/native-io';
import { pseudoRandomBytes } from '../helpers/daemon';

const GiB = 1024 * 1024 * 1024;
const io = nativeIo();

/** Lays out a tier as the daemon before crc_kind wrote it: SHA-1 names, zlib CRC-32, the old table. */
function olderTier(dir: string, blocks: Array<{ id: BlockId; data: Buffer }>): string[] {
  const db = new Database(join(dir, 'index.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS blocks (
      file TEXT PRIMARY KEY,
      path TEXT NOT NULL,
      version TEXT NOT NULL,
      idx INTEGER NOT NULL,
      size INTEGER NOT NULL,
      crc INTEGER NOT NULL,
      last_access INTEGER NOT NULL
    )`);
  const insert = db.prepare('INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?, ?)');
  const paths: string[] = [];
  for (const [i, b] of blocks.entries()) {
    const file = createHash('sha1').update(blockKey(b.id)).digest('hex');
    mkdirSync(join(dir, 'blocks', file.slice(0, 2)), { recursive: true });
    const path = join(dir, 'blocks', file.slice(0, 2), file);
    writeFileSync(path, b.data);
    insert.run(file, b.id.path, b.id.version, b.id.index, b.data.length, crc32(b.data), 1000 + i);
    paths.push(path);
  }
  db.close();
  return paths;
}

const modes: Array<{ name: string; io: NativeIo | null; skip: string | false }> = [
  { name: 'native', io: io ?? null, skip: io ? false : 'the addon is not built' },
  { name: 'fs', io: null, skip: false },
];

describe('an SSD tier from an older daemon', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const m of modes) {
    it(`${m.name}: starts warm from it, catches a corrupt old block, and keeps old and new blocks across a restart`, { skip: m.skip }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tc-ssd-old-'));
      dirs.push(dir);
      const old = [0, 1, 2].map((i) => ({ id: { path: `old/${i}`, version: 'v1', index: i }, data: pseudoRandomBytes(40_000 + i, 30 + i) }));
      const oldFiles = olderTier(dir, old);
      writeFileSync(oldFiles[2]!, Buffer.alloc(old[2]!.data.length, 0x5a)); // the same size, other bytes
      const open = () => {
        const budget = new SsdBudget({ dir, capacityBytes: GiB, freeRatio: 0, statfs: () => ({ free: 9 * GiB, total: 10 * GiB }) });
        return new DiskCache({ dir, budget, blockSize: 64 * 1024, logger: silentLogger, io: m.io });
      };
      const fresh = { id: { path: 'new/0', version: 'v1', index: 0 }, data: pseudoRandomBytes(50_000, 40) };
      let cache = open();
      try {
        assert.equal(cache.startup.kind, 'recovered');
        assert.equal(cache.snapshot().blocks, 3);
        assert.deepEqual(await cache.get(blockKey(old[0]!.id)), old[0]!.data);
        assert.deepEqual(await cache.get(blockKey(old[1]!.id)), old[1]!.data);
        assert.equal(await cache.get(blockKey(old[2]!.id)), undefined, 'a corrupt old block is not served');
        assert.equal(cache.snapshot().corruptBlocks, 1);
        assert.equal(await cache.put(fresh.id, fresh.data, 'read'), true);
      } finally {
        cache.close();
      }
      cache = open();
      try {
        assert.equal(cache.startup.kind, 'recovered');
        assert.equal(cache.snapshot().blocks, 3, 'two old blocks and the new one');
        assert.deepEqual(await cache.get(blockKey(old[0]!.id)), old[0]!.data);
        assert.deepEqual(await cache.get(blockKey(old[1]!.id)), old[1]!.data);
        assert.deepEqual(await cache.get(blockKey(fresh.id)), fresh.data);
        assert.equal(cache.snapshot().corruptBlocks, 0);
        const files = readdirSync(join(dir, 'blocks'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
        assert.equal(files.length, 3, 'the corrupt block’s file is gone');
      } finally {
        cache.close();
      }
    });
  }
});

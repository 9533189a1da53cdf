// Writing blocks to the SSD tier is background work (disk-cache.ts): a block
// read from the backend is served from memory at once and written to the SSD
// later, by a writer thread of its own at a low priority. What must hold:
// the blocks do land on the SSD (a restart after a burst and a clean stop
// reads nothing of it from the backend); past the queue's bound in bytes
// blocks are skipped and counted, and reads are not affected; a clean stop
// waits for the queued writes, and a write it gives up on leaves no row and
// no file. Native writer thread and Node's fs path alike.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DiskCache } from '../../src/cache/disk-cache';
import { SsdBudget } from '../../src/cache/ssd-budget';
import type { BlockId } from '../../src/cache/types';
import { silentLogger } from '../../src/log';
import { nativeIo, type NativeIo, type NativeSsdWriter, type SsdWriterPriority } from '../../src/native/native-io';
import { TestDaemon, eventually, pseudoRandomBytes } from '../helpers/daemon';

const KiB = 1024;
const GiB = 1024 * KiB * KiB;
const io = nativeIo();

const modes: Array<{ name: string; env: Record<string, string>; skip: string | false }> = [
  { name: 'native writer thread', env: {}, skip: io ? false : 'the addon is not built' },
  { name: 'fs', env: { TIERCACHE_NATIVE_IO: '0' }, skip: false },
];

/** The SSD index's rows and block files, each file with its size. */
function onDisk(ssd: string): { rows: Map<string, number>; files: Map<string, number> } {
  const db = new Database(join(ssd, 'index.sqlite'), { readonly: true });
  const rows = new Map((db.prepare('SELECT file, size FROM blocks').all() as Array<{ file: string; size: number }>).map((r) => [r.file, r.size]));
  db.close();
  const files = new Map<string, number>();
  for (const e of readdirSync(join(ssd, 'blocks'), { recursive: true, withFileTypes: true })) {
    if (e.isFile()) files.set(e.name, statSync(join(e.parentPath, e.name)).size);
  }
  return { rows, files };
}

describe('SSD block writes off the read path, in the daemon', () => {
  const daemons: TestDaemon[] = [];
  after(async () => {
    for (const d of daemons) await d.cleanup();
  });

  for (const m of modes) {
    it(`${m.name}: a burst's blocks reach the SSD; after a clean stop a restart serves them from it, and a stop mid-burst keeps only whole, indexed blocks`, { skip: m.skip }, async () => {
      const FILES = 40;
      const d = new TestDaemon({ flags: { 'block-size': '1MiB', 'memory-cache-size': '256MiB' }, env: m.env });
      daemons.push(d);
      const file = (set: string, i: number) => `${set}/${i}.bin`;
      const data = new Map<string, Buffer>();
      for (const set of ['first', 'second']) {
        mkdirSync(join(d.backendDir, set));
        for (let i = 0; i < FILES; i++) {
          const b = pseudoRandomBytes(100 * KiB + i, data.size + 100);
          data.set(file(set, i), b);
          writeFileSync(join(d.backendDir, file(set, i)), b);
        }
      }
      const burst = async (c: ReturnType<TestDaemon['client']>, set: string) => {
        const names = Array.from({ length: FILES }, (_, i) => file(set, i));
        const read = await Promise.all(names.map((n) => c.read(n)));
        read.forEach((r, i) => assert.ok(r.equals(data.get(names[i]!)!), names[i]));
      };
      await d.start();
      let c = d.client();
      try {
        await burst(c, 'first');
        // Written in the background, after the reads were answered.
        await eventually(async () => Number((await c.stats('ssd')).ssd?.blocks) === FILES, 20_000, 'the burst on the SSD');
        assert.equal(Number((await c.stats('ssd')).ssd?.write_backlog_bytes), 0);
        // Stopped straight after the second burst: what is still queued is drained or abandoned, never half-kept.
        await burst(c, 'second');
      } finally {
        c.close();
      }
      assert.equal(await d.stop(), 0);
      const { rows, files } = onDisk(join(d.stateDir, 'ssd'));
      assert.ok(rows.size >= FILES, `the first burst is indexed (${rows.size} rows)`);
      assert.deepEqual(files, rows, 'every row has its whole file and every file its row');

      await d.start();
      c = d.client();
      try {
        const s0 = (await c.stats('all'))!;
        assert.equal(Number(s0.ssd?.blocks), rows.size);
        for (const [name, b] of data) assert.ok((await c.read(name)).equals(b), name);
        const s1 = (await c.stats('all'))!;
        assert.equal(Number(s1.ssd?.hits) - Number(s0.ssd?.hits), rows.size, 'every block kept is served from the SSD');
        assert.equal(Number(s1.backend_reads) - Number(s0.backend_reads), 2 * FILES - rows.size, 'the backend is read only for what the SSD does not hold');
      } finally {
        c.close();
      }
      assert.equal(await d.stop(), 0);
    });

    it(`${m.name}: past the queue's bound blocks are skipped and counted; reads are served as before`, { skip: m.skip }, async () => {
      // A bound smaller than a 100 KB block: none of those is ever queued, 20 KB ones are, two at a time.
      const d = new TestDaemon({ flags: { 'block-size': '1MiB', 'ssd-write-backlog': '48KiB' }, env: m.env });
      daemons.push(d);
      const big = Array.from({ length: 10 }, (_, i) => pseudoRandomBytes(100 * KiB, 200 + i));
      const small = Array.from({ length: 10 }, (_, i) => pseudoRandomBytes(20 * KiB, 300 + i));
      // Apart, so that reading one set does not prefetch the other.
      mkdirSync(join(d.backendDir, 'big'));
      mkdirSync(join(d.backendDir, 'small'));
      big.forEach((b, i) => writeFileSync(join(d.backendDir, `big/${i}.bin`), b));
      small.forEach((b, i) => writeFileSync(join(d.backendDir, `small/${i}.bin`), b));
      await d.start();
      const c = d.client();
      try {
        const read = await Promise.all(big.map((_, i) => c.read(`big/${i}.bin`)));
        read.forEach((r, i) => assert.ok(r.equals(big[i]!), `big${i}.bin`));
        let s = (await c.stats('all'))!;
        // Counted per offer: a block offered twice (a plan's probe, then the read) counts twice.
        assert.ok(Number(s.ssd?.writes_skipped) >= big.length, `each block over the bound is skipped, and counted (${s.ssd?.writes_skipped})`);
        assert.equal(Number(s.ssd?.blocks), 0);
        const fetched = Number(s.backend_reads);
        for (let i = 0; i < big.length; i++) assert.ok((await c.read(`big/${i}.bin`)).equals(big[i]!));
        s = (await c.stats('all'))!;
        assert.equal(Number(s.backend_reads), fetched, 'read again from memory, not the backend');

        for (let i = 0; i < small.length; i++) assert.ok((await c.read(`small/${i}.bin`)).equals(small[i]!));
        await d.stop();
        const { rows, files } = onDisk(join(d.stateDir, 'ssd'));
        assert.ok(rows.size >= 1, 'blocks within the bound are written');
        assert.deepEqual(files, rows, 'every row has its whole file and every file its row');
        for (const size of rows.values()) assert.equal(size, 20 * KiB, 'only the small blocks');
      } finally {
        c.close();
      }
    });
  }
});

describe('the SSD write queue, with writes held back', { skip: io ? false : 'the addon is not built' }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const BLOCK = 64 * KiB;

  /** A tier whose writer thread starts each write only when the test lets it (`release`). */
  function tier(opts: { backlog: number; closeDrainMs?: number; dir?: string }) {
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tc-ssd-queue-'));
    if (!opts.dir) dirs.push(dir);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // The addon's other functions as they are (its properties are not enumerable: no spread).
    const newSsdWriter = (priority: SsdWriterPriority): NativeSsdWriter => {
      const real = io!.newSsdWriter(priority);
      return { priority: real.priority, tid: real.tid, write: (p, b) => gate.then(() => real.write(p, b)), close: () => real.close() };
    };
    const held = Object.create(io!, { newSsdWriter: { value: newSsdWriter } }) as NativeIo;
    const budget = new SsdBudget({ dir, capacityBytes: GiB, freeRatio: 0, statfs: () => ({ free: 9 * GiB, total: 10 * GiB }) });
    const cache = new DiskCache({
      dir,
      budget,
      blockSize: BLOCK,
      logger: silentLogger,
      io: held,
      writeBacklogBytes: opts.backlog,
      ...(opts.closeDrainMs !== undefined ? { closeDrainMs: opts.closeDrainMs } : {}),
    });
    return { dir, cache, release };
  }
  const block = (i: number) => ({ id: { path: `f${i}`, version: 'v', index: 0 } as BlockId, data: pseudoRandomBytes(BLOCK, 400 + i) });

  it('a block that would take the queued bytes past the bound is skipped at once and counted; room comes back as writes finish', async () => {
    const t = tier({ backlog: 2 * BLOCK });
    try {
      const first = [0, 1].map((i) => t.cache.put(block(i).id, block(i).data));
      assert.equal(await t.cache.put(block(2).id, block(2).data), false, 'skipped without waiting');
      assert.equal(t.cache.snapshot().writesSkipped, 1);
      assert.equal(t.cache.snapshot().writeBacklogBytes, 2 * BLOCK);
      t.release();
      assert.deepEqual(await Promise.all(first), [true, true]);
      assert.equal(t.cache.snapshot().writeBacklogBytes, 0);
      assert.equal(await t.cache.put(block(2).id, block(2).data), true, 'admitted once there is room');
      assert.ok((await t.cache.get(`v\u00000\u0000f2`))?.equals(block(2).data));
    } finally {
      await t.cache.close();
    }
  });

  it('close() waits for the queued writes: each is indexed, and a restart serves it', async () => {
    const t = tier({ backlog: 8 * BLOCK });
    const puts = [0, 1, 2].map((i) => t.cache.put(block(i).id, block(i).data));
    const closed = t.cache.close();
    setTimeout(t.release, 50);
    await closed;
    assert.deepEqual(await Promise.all(puts), [true, true, true]);
    const { rows, files } = onDisk(t.dir);
    assert.equal(rows.size, 3);
    assert.deepEqual(files, rows);
    const again = tier({ backlog: 8 * BLOCK, dir: t.dir });
    try {
      for (const i of [0, 1, 2]) assert.ok((await again.cache.get(`v\u00000\u0000f${i}`))?.equals(block(i).data));
    } finally {
      await again.cache.close();
    }
  });

  it('writes close() gives up on leave no row and no file', async () => {
    const t = tier({ backlog: 8 * BLOCK, closeDrainMs: 20 });
    const indexed = t.cache.put(block(9).id, block(9).data);
    t.release();
    assert.equal(await indexed, true);
    await t.cache.close();
    const gate2 = tier({ backlog: 8 * BLOCK, closeDrainMs: 20, dir: t.dir });
    const puts = [0, 1, 2].map((i) => gate2.cache.put(block(i).id, block(i).data));
    await gate2.cache.close();
    gate2.release();
    assert.deepEqual(await Promise.all(puts), [false, false, false]);
    const { rows, files } = onDisk(t.dir);
    assert.equal(rows.size, 1, 'only the block written before');
    assert.deepEqual(files, rows, 'no file without its row');
  });
});

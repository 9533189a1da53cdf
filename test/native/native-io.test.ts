// The batched file I/O addon (src/native) and the two paths that use it, the
// POSIX backend and the SSD tier, each run natively and on Node's fs path:
// the same bytes, the same versions (a cache written by one is valid for the
// other), the same named errors; a FIFO never blocks; a directory swapped for
// a symlink out of the root never yields the outside file; a block file of
// the wrong size is dropped as corrupt; a failed write leaves nothing behind.
// Under CI=true the addon must have been built (it is the default path).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, appendFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosixBackend } from '../../src/backend/posix-backend';
import { DiskCache } from '../../src/cache/disk-cache';
import { SsdBudget } from '../../src/cache/ssd-budget';
import { crc32c } from '../../src/cache/ssd-checksum';
import { blockKey } from '../../src/cache/types';
import { ErrorCodes, hasCode } from '../../src/errors';
import { silentLogger } from '../../src/log';
import { nativeIo, type NativeIo } from '../../src/native/native-io';
import { pseudoRandomBytes } from '../helpers/daemon';
import { SWAPPER_PYTHON, whileSwapping } from '../helpers/swap-race';

const io = nativeIo();
const CI = process.env['CI'] === 'true';
const GiB = 1024 * 1024 * 1024;

if (!io && CI) {
  describe('native I/O addon', () => {
    it('is built (npm install runs hack/build-fuse-addon.js; it needs a C compiler)', () => {
      assert.fail('build/Release/tiercache_io.node is missing');
    });
  });
}

describe('native I/O addon', { skip: io ? false : 'the addon is not built (no C compiler at npm install)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-nio-'));
  const a = io as NativeIo;
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stats without opening: a FIFO answers at once, with where the name really points', async () => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    symlinkSync(join(dir, 'fifo'), join(dir, 'to-fifo'));
    const r = await a.stat(join(dir, 'to-fifo'));
    assert.equal(r.real, join(dir, 'fifo'));
    assert.equal(r.stat.mode & 0o170000, 0o010000);
  });

  it('reads a range and reports the file before and after; a FIFO is not read at all', async () => {
    const bytes = pseudoRandomBytes(10_000, 3);
    writeFileSync(join(dir, 'f'), bytes);
    const buf = Buffer.alloc(4000);
    const r = await a.read(join(dir, 'f'), 7000, buf, true);
    assert.equal(r.bytesRead, 3000, 'a short read at the end of the file');
    assert.deepEqual(buf.subarray(0, 3000), bytes.subarray(7000));
    assert.equal(r.stat.size, 10_000);
    assert.deepEqual(r.after, r.stat);
    assert.equal(r.real, join(dir, 'f'));
    const f = await a.read(join(dir, 'fifo'), 0, Buffer.alloc(10), false);
    assert.equal(f.bytesRead, 0);
    assert.equal(f.real, undefined, 'not asked for');
  });

  it('fails like Node: code, negative errno, syscall and path', async () => {
    await assert.rejects(a.read(join(dir, 'missing'), 0, Buffer.alloc(1), true), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'ENOENT');
      assert.equal(err.errno, -2);
      assert.equal(err.syscall, 'open');
      assert.equal(err.path, join(dir, 'missing'));
      assert.match(err.message, /^ENOENT: No such file or directory, open '.*missing'$/);
      return true;
    });
    await assert.rejects(a.stat(join(dir, 'f', 'below-a-file')), { code: 'ENOTDIR' });
  });

  it('refuses a path with a NUL byte instead of cutting it short', () => {
    assert.throws(() => a.stat(`${join(dir, 'f')}\0tail`), { name: 'TypeError', message: /NUL/ });
  });

  it('refuses an offset or a size it cannot honour exactly, before any I/O', () => {
    const f = join(dir, 'f');
    const offset = /offset must be a safe non-negative integer/;
    assert.throws(() => a.read(f, -1, Buffer.alloc(4), false), { name: 'TypeError', message: offset });
    assert.throws(() => a.read(f, 2 ** 53, Buffer.alloc(4), false), { name: 'TypeError', message: offset });
    assert.throws(() => a.readSized(f, -1, 4, false), { name: 'TypeError', message: /offset and max must be/ });
    assert.throws(() => a.readSized(f, 0, 2 ** 32 + 1, false), { name: 'TypeError', message: /max at most 4 GiB/ });
  });

  it('writes a block to a new file and returns its CRC-32C; the name must be new', async () => {
    const data = pseudoRandomBytes(100 * 1024 + 3, 4);
    assert.equal(await a.writeBlock(join(dir, 'w'), data), crc32c(data));
    assert.ok(readFileSync(join(dir, 'w')).equals(data));
    writeFileSync(join(dir, 'taken'), 'someone else');
    await assert.rejects(a.writeBlock(join(dir, 'taken'), Buffer.from('y')), { code: 'EEXIST', syscall: 'open' });
    assert.equal(readFileSync(join(dir, 'taken'), 'utf8'), 'someone else', 'an existing file is never overwritten');
    await assert.rejects(a.writeBlock(join(dir, 'no-such-dir', 'r'), Buffer.from('z')), { code: 'ENOENT', syscall: 'open' });
  });

  it('removes its file when the write fails (a full disk)', { skip: process.getuid?.() === 0 ? false : 'mounting a tmpfs needs root' }, async (t) => {
    const full = join(dir, 'full');
    mkdirSync(full);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]);
    t.after(() => execFileSync('umount', [full]));
    await assert.rejects(a.writeBlock(join(full, 'big'), pseudoRandomBytes(256 * 1024, 6)), { code: 'ENOSPC', syscall: 'write' });
    assert.deepEqual(readdirSync(full), [], 'no partial block file is left');
  });

  it('computes CRC-32C alike with the SSE4.2 instruction, portably and in TypeScript, at every alignment and around its stretch sizes', () => {
    assert.equal(a.crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(a.crc32c(Buffer.from('123456789'), true), 0xe3069283);
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(a.crc32c(Buffer.alloc(0)), 0);
    const big = pseudoRandomBytes(3 * 8192 * 2 + 64, 8);
    for (let off = 0; off < 9; off++) {
      for (const len of [1, 7, 8, 9, 255, 256, 767, 768, 769, 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 769, 6 * 8192 + 55]) {
        const b = big.subarray(off, off + len);
        const want = crc32c(b);
        assert.equal(a.crc32c(b), want, `hardware (${a.crc32cHardware()}), offset ${off}, length ${len}`);
        assert.equal(a.crc32c(b, true), want, `portable, offset ${off}, length ${len}`);
      }
    }
  });

  it('gives the CRC-32C of what it read when asked, and only then', async () => {
    const data = pseudoRandomBytes(70_000, 12);
    writeFileSync(join(dir, 'c'), data);
    const r = await a.read(join(dir, 'c'), 0, Buffer.alloc(100_000), false, true);
    assert.equal(r.bytesRead, 70_000);
    assert.equal(r.crc32c, crc32c(data), 'the bytes read, not the whole buffer');
    assert.equal((await a.read(join(dir, 'c'), 0, Buffer.alloc(10), false)).crc32c, undefined);
  });
});

const modes: Array<{ name: string; io: NativeIo | null; skip: string | false }> = [
  { name: 'native', io: io ?? null, skip: io ? false : 'the addon is not built' },
  { name: 'fs', io: null, skip: false },
];

describe('the POSIX backend, natively and on the fs path, agree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-nio-posix-'));
  const root = join(dir, 'root');
  let sock: Server;
  before(async () => {
    mkdirSync(join(root, 'd'), { recursive: true });
    writeFileSync(join(root, 'd', 'file'), pseudoRandomBytes(300_000, 9));
    mkdirSync(join(dir, 'outside'));
    writeFileSync(join(dir, 'outside', 'secret'), 'outside');
    symlinkSync(join(dir, 'outside'), join(root, 'out'));
    symlinkSync('d/file', join(root, 'inside-link'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
    sock = createServer();
    sock.listen(join(root, 'sock'));
    await once(sock, 'listening');
  });
  after(() => {
    sock?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same stat and version both ways', async () => {
    const n = new PosixBackend(root, { io: io ?? null });
    const f = new PosixBackend(root, { io: null });
    for (const p of ['d/file', 'd', '', 'inside-link']) assert.deepEqual(await n.stat(p), await f.stat(p), p);
  });

  for (const m of modes) {
    describe(m.name, { skip: m.skip }, () => {
      const b = () => new PosixBackend(root, { io: m.io });

      it('reads byte-exact ranges and stops short at the end of the file', async () => {
        const backend = b();
        const bytes = readFileSync(join(root, 'd', 'file'));
        const { version } = await backend.stat('d/file');
        for (const [off, len] of [[0, 300_000], [1, 4096], [299_990, 100], [123_457, 65_536]] as const) {
          assert.deepEqual(await backend.read('d/file', off, len, version), bytes.subarray(off, off + len), `${off}+${len}`);
        }
        assert.equal(backend.counters.reads, 4);
      });

      it('names what cannot be served', async () => {
        const backend = b();
        const code = async (p: Promise<unknown>) => {
          try {
            await p;
            return 'ok';
          } catch (err) {
            return (err as { code?: string }).code;
          }
        };
        assert.equal(await code(backend.stat('missing')), ErrorCodes.NOT_FOUND);
        assert.equal(await code(backend.stat('out/secret')), ErrorCodes.PATH_ESCAPES_ROOT);
        assert.equal(await code(backend.read('out/secret', 0, 7, 'any')), ErrorCodes.PATH_ESCAPES_ROOT);
        assert.equal(await code(backend.stat('fifo')), ErrorCodes.INVALID_PATH, 'a FIFO is refused, and never blocks');
        assert.equal(await code(backend.read('fifo', 0, 10, 'any')), ErrorCodes.INVALID_PATH);
        const dirStat = await backend.stat('d');
        assert.equal(await code(backend.read('d', 0, 10, dirStat.version)), ErrorCodes.IS_DIRECTORY);
        assert.equal(await code(backend.read('d/file', 0, 10, 'an-old-version')), ErrorCodes.FILE_CHANGED);
        assert.equal(backend.counters.errors, 0, 'none of these is the backend failing');
      });

      it('refuses a socket', async () => {
        const backend = b();
        await assert.rejects(backend.read('sock', 0, 1, 'any'), (err) => hasCode(err, ErrorCodes.INVALID_PATH) || hasCode(err, ErrorCodes.BACKEND_UNAVAILABLE));
      });

      it('never reads the outside file while a directory and a symlink out of the root swap', { skip: existsSync(SWAPPER_PYTHON) ? false : 'no /usr/bin/python3' }, async () => {
        const backend = b();
        // Names of this mode's own: the swapper leaves them either way round.
        const sw = `sw-${m.name}`;
        mkdirSync(join(root, sw), { recursive: true });
        writeFileSync(join(root, sw, 'secret'), 'inside');
        symlinkSync(join(dir, 'outside'), join(root, `out-${m.name}`));
        const { served, refused } = await whileSwapping(2, [join(root, sw), join(root, `out-${m.name}`)], async () => {
          const st = await backend.stat(`${sw}/secret`);
          const got = (await backend.read(`${sw}/secret`, 0, 16, st.version)).toString();
          assert.equal(got, 'inside', 'a read returned the file outside the root');
        });
        assert.ok(served > 0 && refused > 0, `both sides of the race were hit (${served} served, ${refused} refused)`);
      });

      it('never reads the outside file by readCurrent (the first read of a planned file) while they swap', { skip: existsSync(SWAPPER_PYTHON) ? false : 'no /usr/bin/python3' }, async () => {
        const backend = b();
        const sw = `swc-${m.name}`;
        mkdirSync(join(root, sw), { recursive: true });
        writeFileSync(join(root, sw, 'secret'), 'inside');
        symlinkSync(join(dir, 'outside'), join(root, `outc-${m.name}`));
        const { served, refused } = await whileSwapping(2, [join(root, sw), join(root, `outc-${m.name}`)], async () => {
          const got = await backend.readCurrent(`${sw}/secret`, 0, 16);
          assert.equal(got.data.toString(), 'inside', 'readCurrent returned the file outside the root');
          assert.equal(got.stat.size, 'inside'.length);
        });
        assert.ok(served > 0 && refused > 0, `both sides of the race were hit (${served} served, ${refused} refused)`);
      });
    });
  }
});

describe('the SSD tier, natively and on the fs path', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const m of modes) {
    it(`${m.name}: keeps a block, and drops one whose file grew or shrank`, { skip: m.skip }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tc-nio-ssd-'));
      dirs.push(dir);
      const budget = new SsdBudget({ dir, capacityBytes: GiB, freeRatio: 0, statfs: () => ({ free: 9 * GiB, total: 10 * GiB }) });
      const cache = new DiskCache({ dir, budget, blockSize: 64 * 1024, logger: silentLogger, io: m.io });
      try {
        const ids = [0, 1, 2].map((i) => ({ path: `p${i}`, version: 'v1', index: 0 }));
        const data = ids.map((_, i) => pseudoRandomBytes(50_000, i + 1));
        for (let i = 0; i < 3; i++) assert.equal(await cache.put(ids[i]!, data[i]!, 'read'), true);
        assert.deepEqual(readdirSync(join(dir, 'tmp')), [], 'no temporary file is left');
        assert.deepEqual(await cache.get(blockKey(ids[0]!)), data[0]);
        const files = readdirSync(join(dir, 'blocks'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
        assert.equal(files.length, 3);
        // Which file is which block does not matter: grow one, shrink another.
        const byLen = (f: string) => readFileSync(f);
        const f1 = files.find((f) => byLen(f).equals(data[1]!))!;
        const f2 = files.find((f) => byLen(f).equals(data[2]!))!;
        appendFileSync(f1, 'x');
        truncateSync(f2, 49_999);
        assert.equal(await cache.get(blockKey(ids[1]!)), undefined, 'a longer file is corrupt');
        assert.equal(await cache.get(blockKey(ids[2]!)), undefined, 'a shorter file is corrupt');
        assert.equal(cache.snapshot().corruptBlocks, 2);
        assert.deepEqual(await cache.get(blockKey(ids[0]!)), data[0], 'the intact block is still served');
      } finally {
        cache.close();
      }
    });
  }

  // The native path writes CRC-32C, the fs path zlib CRC-32: each reads, and checks, what the other wrote.
  for (const [writer, reader] of [[modes[0]!, modes[1]!], [modes[1]!, modes[0]!]]) {
    it(`a tier written on the ${writer.name} path is served and checked on the ${reader.name} path`, { skip: writer.skip || reader.skip }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tc-nio-ssd-'));
      dirs.push(dir);
      const open = (m: (typeof modes)[number]) => {
        const budget = new SsdBudget({ dir, capacityBytes: GiB, freeRatio: 0, statfs: () => ({ free: 9 * GiB, total: 10 * GiB }) });
        return new DiskCache({ dir, budget, blockSize: 64 * 1024, logger: silentLogger, io: m.io });
      };
      const ids = [0, 1].map((i) => ({ path: `x${i}`, version: 'v1', index: 0 }));
      const data = ids.map((_, i) => pseudoRandomBytes(60_000, i + 20));
      const first = open(writer);
      for (let i = 0; i < 2; i++) assert.equal(await first.put(ids[i]!, data[i]!, 'read'), true);
      first.close();
      const files = readdirSync(join(dir, 'blocks'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
      const f1 = files.find((f) => readFileSync(f).equals(data[1]!))!;
      const flipped = readFileSync(f1);
      flipped[30_000]! ^= 1;
      writeFileSync(f1, flipped);
      const second = open(reader);
      try {
        assert.equal(second.startup.kind, 'recovered');
        assert.deepEqual(await second.get(blockKey(ids[0]!)), data[0]);
        assert.equal(await second.get(blockKey(ids[1]!)), undefined, 'one flipped bit is caught');
        assert.equal(second.snapshot().corruptBlocks, 1);
      } finally {
        second.close();
      }
    });
  }
});

// PosixBackend.readCurrent: a read that is its own check. The bytes and the
// stat of the version they belong to come from one guarded open (no stat),
// on both I/O paths (the native job and fs.promises); the guards of read()
// hold: a directory, a FIFO, a missing file and a symlink out of the root are
// refused with their named errors.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosixBackend } from '../../src/backend/posix-backend';
import { ErrorCodes, hasCode } from '../../src/errors';
import { nativeIo } from '../../src/native/native-io';
import { pseudoRandomBytes } from '../helpers/daemon';

const BLOCK = 256 * 1024;

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('PosixBackend.readCurrent', () => {
  const top = mkdtempSync(join(tmpdir(), 'tc-readcurrent-'));
  const root = join(top, 'root');
  const small = pseudoRandomBytes(100_000, 5);
  const big = pseudoRandomBytes(BLOCK + 1000, 6);
  before(() => {
    mkdirSync(join(root, 'dir'), { recursive: true });
    writeFileSync(join(root, 'small.bin'), small);
    writeFileSync(join(root, 'big.bin'), big);
    writeFileSync(join(root, 'empty.bin'), '');
    writeFileSync(join(top, 'outside.bin'), 'secret');
    symlinkSync(join(top, 'outside.bin'), join(root, 'escape.bin'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
  });
  after(() => rmSync(top, { recursive: true, force: true }));

  const ioPaths: Array<[string, () => PosixBackend | undefined]> = [
    ['native', () => (nativeIo() ? new PosixBackend(root) : undefined)],
    ['fs', () => new PosixBackend(root, { io: null })],
  ];
  for (const [name, make] of ioPaths) {
    it(`${name} I/O: the bytes and the version of one open, no stat`, async (t) => {
      const backend = make();
      if (!backend) {
        if (process.env['CI'] === 'true') throw new Error('the native I/O addon is not built (node hack/build-fuse-addon.js)');
        return t.skip('native I/O addon not built');
      }
      const stats0 = backend.counters.stats;
      const r = await backend.readCurrent('./small.bin', 0, BLOCK);
      assert.ok(r.data.equals(small), 'a file shorter than the block: all of it');
      assert.equal(r.data.buffer.byteLength, small.length, 'held in a buffer of its size, not the block\'s');
      assert.deepEqual(r.stat, await backend.stat('small.bin'), 'the stat of the version read, as stat() says it');
      const head = await backend.readCurrent('big.bin', 0, BLOCK);
      assert.ok(head.data.equals(big.subarray(0, BLOCK)));
      assert.equal(head.stat.size, big.length, 'the whole file\'s size');
      // The version it found reads the rest with read()'s check.
      assert.ok((await backend.read('big.bin', BLOCK, 1000, head.stat.version)).equals(big.subarray(BLOCK)));
      const tail = await backend.readCurrent('big.bin', BLOCK, BLOCK);
      assert.ok(tail.data.equals(big.subarray(BLOCK)), 'at an offset: to the end of the file');
      assert.equal(tail.stat.version, head.stat.version);
      assert.equal((await backend.readCurrent('big.bin', big.length + 5, BLOCK)).data.length, 0, 'past the end: nothing');
      const empty = await backend.readCurrent('empty.bin', 0, BLOCK);
      assert.equal(empty.data.length, 0);
      assert.equal(empty.stat.size, 0);
      assert.equal(backend.counters.stats - stats0, 1, 'only the explicit stat() above');
    });

    it(`${name} I/O: refuses what read() refuses, with the same named errors`, async (t) => {
      const backend = make();
      if (!backend) return t.skip('native I/O addon not built');
      assert.ok(hasCode(await failure(backend.readCurrent('missing.bin', 0, BLOCK)), ErrorCodes.NOT_FOUND));
      assert.ok(hasCode(await failure(backend.readCurrent('dir', 0, BLOCK)), ErrorCodes.IS_DIRECTORY));
      assert.ok(hasCode(await failure(backend.readCurrent('escape.bin', 0, BLOCK)), ErrorCodes.PATH_ESCAPES_ROOT));
      assert.ok(hasCode(await failure(backend.readCurrent('fifo', 0, BLOCK)), ErrorCodes.INVALID_PATH));
      assert.ok(hasCode(await failure(backend.readCurrent('../outside.bin', 0, BLOCK)), ErrorCodes.PATH_ESCAPES_ROOT));
    });
  }
});

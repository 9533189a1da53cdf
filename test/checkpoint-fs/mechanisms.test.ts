// The checkpoint directory's small parts: journal replay, paths, reading a
// staged file back for its upload, and write-through (its SSD budget share is
// the SSD's space owner's, tested in test/cache/ssd-budget.test.ts).

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJournal, replay } from '../../src/checkpoint-fs/journal';
import { checkMountPath } from '../../src/checkpoint-fs/names';
import { Staging, UPLOAD_CHUNK_BYTES } from '../../src/checkpoint-fs/staging';
import { ThroughWriter, TAIL_BYTES } from '../../src/checkpoint-fs/write-through';
import type { PersistBackend } from '../../src/checkpoint-fs/types';
import { pseudoRandomBytes } from '../helpers/daemon';
import { waitPath } from '../../src/cli/checkpoint-wait-command';

describe('persist journal replay', () => {
  it('leaves the ops not marked done, in order; a torn last line is ignored', () => {
    const text =
      [
        { op: 'open', file: 1, path: 'a' },
        { seq: 1, op: 'put', path: 'a', file: 1, size: 3 },
        { op: 'open', file: 2, path: 'b' },
        { seq: 2, op: 'put', path: 'b', file: 2, size: 5 },
        { op: 'done', seq: 1 },
        { seq: 3, op: 'mv', path: 'b', to: 'c' },
        { op: 'open', file: 3, path: 'still-open' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n{"seq":4,"op":"del","pa';
    const r = replay(parseJournal(text));
    assert.deepEqual(
      r.pending.map((o) => `${o.seq} ${o.op} ${o.path}`),
      ['2 put b', '3 mv b'],
    );
    assert.deepEqual(r.openAtCrash, [{ file: 3, path: 'still-open' }]);
    assert.equal(r.maxSeq, 3);
    assert.equal(r.maxFile, 3);
  });
});

describe('checkpoint paths', () => {
  it('normalises and refuses what could leave the directory', () => {
    assert.equal(checkMountPath('/a//b/'), 'a/b');
    assert.equal(checkMountPath(''), '');
    assert.throws(() => checkMountPath('a/../../etc'), { errno: 'EINVAL' });
    assert.throws(() => checkMountPath('a\0b'), { errno: 'EINVAL' });
    assert.throws(() => checkMountPath('x'.repeat(256)), { errno: 'ENAMETOOLONG' });
  });

  it('checkpoint wait maps a pod path onto the job directory of the node mount', () => {
    const env = { TIERCACHE_CHECKPOINT_DIR: '/checkpoints', TIERCACHE_CHECKPOINT_PREFIX: 'default-resnet' };
    assert.equal(waitPath(undefined, env), 'default-resnet');
    assert.equal(waitPath('/checkpoints/run-1', env), 'default-resnet/run-1');
    assert.equal(waitPath('run-1', env), 'default-resnet/run-1');
    assert.equal(waitPath(undefined, {}), '');
    assert.equal(waitPath('/var/lib/tiercache/checkpoints/x', {}), '/var/lib/tiercache/checkpoints/x');
  });
});

describe('staged file read for upload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-staging-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const staging = new Staging(dir, { reserve: () => true, release: () => {}, adopt: () => {} });

  async function stage(bytes: Buffer) {
    const { staged, fh } = await staging.create();
    await fh.write(bytes, 0, bytes.length, 0);
    await fh.close();
    staging.resized(staged, bytes.length);
    return staged;
  }

  it('yields the sealed bytes in upload-sized chunks, in order, byte for byte', async () => {
    const bytes = pseudoRandomBytes(2 * UPLOAD_CHUNK_BYTES + 12345, 9);
    const staged = await stage(bytes);
    const chunks: Uint8Array[] = [];
    for await (const c of staging.read(staged)) chunks.push(c);
    assert.deepEqual(chunks.map((c) => c.byteLength), [UPLOAD_CHUNK_BYTES, UPLOAD_CHUNK_BYTES, 12345]);
    assert.ok(Buffer.concat(chunks).equals(bytes));
  });

  it('a consumer that stops early leaves no read behind it', async () => {
    const staged = await stage(pseudoRandomBytes(3 * UPLOAD_CHUNK_BYTES, 10));
    let seen = 0;
    for await (const c of staging.read(staged)) {
      seen += c.byteLength;
      break;
    }
    assert.equal(seen, UPLOAD_CHUNK_BYTES);
  });

  it('a file shorter on disk than its recorded size fails the upload with a message naming it', async () => {
    const staged = await stage(pseudoRandomBytes(2 * UPLOAD_CHUNK_BYTES, 11));
    truncateSync(staged.path, UPLOAD_CHUNK_BYTES);
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of staging.read(staged)) got.push(c.byteLength);
      })(),
      new RegExp(`staged file ${staged.path} is shorter than its ${2 * UPLOAD_CHUNK_BYTES} bytes`),
    );
    assert.deepEqual(got, [UPLOAD_CHUNK_BYTES]);
  });
});

describe('write-through to the backend', () => {
  /** A backend that takes one write and holds its bytes; `gate` stalls its reading until opened. */
  function backend(gate?: Promise<void>) {
    const got: Buffer[] = [];
    const b = {
      async write(_path: string, body: AsyncIterable<Uint8Array>) {
        await gate;
        for await (const c of body) got.push(Buffer.from(c));
        return { path: _path, size: Buffer.concat(got).length, mtimeMs: 0, isDir: false, version: 'v' };
      },
    } as unknown as PersistBackend;
    return { b, bytes: () => Buffer.concat(got) };
  }

  it('a page sent again with the bytes already sent is taken for its new bytes only; a changed one is refused', async () => {
    const { b, bytes } = backend();
    const t = new ThroughWriter(b, 'f');
    const data = pseudoRandomBytes(3 * 4096 + 100, 12);
    await t.push(data.subarray(0, 2 * 4096 + 10));
    // The kernel sends the page at 8192 again, now with 4096 bytes in it.
    const again = data.subarray(2 * 4096, 3 * 4096);
    assert.equal(t.repeated(again, 2 * 4096), 10);
    await t.push(again.subarray(10));
    assert.equal(t.repeated(data.subarray(3 * 4096), 3 * 4096), 0, 'a write at the end repeats nothing');
    await t.push(data.subarray(3 * 4096));
    const changed = Buffer.from(data.subarray(4096, 2 * 4096));
    changed[0] = changed[0]! ^ 0xff;
    assert.equal(t.repeated(changed, 4096), -1, 'changing bytes already sent is refused');
    assert.equal(t.repeated(data.subarray(0, 10), t.size + 1), -1, 'a gap is refused');
    const big = pseudoRandomBytes(2 * TAIL_BYTES, 13);
    await t.push(big);
    assert.equal(t.repeated(big.subarray(0, 4096), t.size - big.length), -1, 'before the kept tail is refused');
    assert.equal(t.repeated(big.subarray(big.length - 4096), t.size - 4096), 4096, 'inside the kept tail is recognised');
    await t.end();
    assert.ok(bytes().equals(Buffer.concat([data, big])));
  });

  it('every write waiting for the backend to catch up is woken, not only the last one', async () => {
    let open!: () => void;
    const { b, bytes } = backend(new Promise<void>((r) => (open = r)));
    const t = new ThroughWriter(b, 'f');
    const parts = [0, 1, 2, 3].map((i) => pseudoRandomBytes(8 * 2 ** 20, 20 + i));
    // Over the buffer bound: the writes wait, several at once (as writeback sends them).
    const pushes = parts.map((p) => t.push(p));
    open();
    await Promise.all(pushes);
    await t.end();
    assert.ok(bytes().equals(Buffer.concat(parts)));
  });
});

// The POSIX backend's open guard with openat2 as its fast path: a native job
// opens a file beneath the root (RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
// and skips the readlink of /proc/self/fd/N; where openat2 refuses, it opens
// by name and the readlink decides, as before. The same names are served and
// refused natively as on the fs path (which always checks by readlink):
// symlinks that stay inside, absolute ones into the root (openat2 refuses
// them, the readlink accepts them), ones that climb out and back, ones out
// of the root, and a procfs link.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PosixBackend } from '../../src/backend/posix-backend';
import { nativeIo, type NativeIo } from '../../src/native/native-io';
import { pseudoRandomBytes } from '../helpers/daemon';

const io = nativeIo();

/** What a call gave: the bytes (as hex of a prefix) or the error's code. */
async function outcome(p: Promise<Buffer | { data: Buffer } | { size: number; version: string }>): Promise<string> {
  try {
    const r = await p;
    if (Buffer.isBuffer(r)) return `bytes ${r.length} ${r.subarray(0, 8).toString('hex')}`;
    if ('data' in r) return `bytes ${r.data.length} ${r.data.subarray(0, 8).toString('hex')}`;
    return `stat ${r.size}`;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe('the POSIX backend opens beneath its root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-beneath-'));
  const root = join(dir, 'root');
  const bytes = pseudoRandomBytes(70_000, 5);
  before(() => {
    mkdirSync(join(root, 'd', 'e'), { recursive: true });
    writeFileSync(join(root, 'd', 'file'), bytes);
    writeFileSync(join(root, 'd', 'e', 'deep'), bytes.subarray(0, 1000));
    mkdirSync(join(dir, 'outside'));
    writeFileSync(join(dir, 'outside', 'secret'), 'outside');
    mkdirSync(`${root}x`);
    writeFileSync(join(`${root}x`, 'f'), 'sibling');
    symlinkSync('d/file', join(root, 'rel-inside'));
    symlinkSync('d', join(root, 'rel-dir'));
    symlinkSync('../file', join(root, 'd', 'e', 'up-inside'));
    symlinkSync(join(root, 'd', 'file'), join(root, 'abs-inside'));
    symlinkSync(join(root, 'd'), join(root, 'abs-dir'));
    symlinkSync(`../${basename(root)}/d/file`, join(root, 'out-and-back'));
    symlinkSync(join(dir, 'outside'), join(root, 'abs-out'));
    symlinkSync('../outside', join(root, 'rel-out'));
    symlinkSync('../../../outside/secret', join(root, 'd', 'e', 'climbs-out'));
    symlinkSync(`/proc/self/root${join(root, 'd', 'file')}`, join(root, 'proc-inside'));
    symlinkSync(`/proc/self/root${join(dir, 'outside', 'secret')}`, join(root, 'proc-out'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const paths = [
    'd/file',
    'd/e/deep',
    'rel-inside',
    'rel-dir/file',
    'd/e/up-inside',
    'abs-inside',
    'abs-dir/e/deep',
    'out-and-back',
    'abs-out/secret',
    'rel-out/secret',
    'd/e/climbs-out',
    'proc-inside',
    'proc-out',
    'missing',
    'd/file/below-a-file',
    'd',
    '',
  ];

  it('serves and refuses the same names natively as on the fs path, by stat, read and readCurrent', { skip: io ? false : 'the addon is not built' }, async () => {
    const native = new PosixBackend(root);
    const fsPath = new PosixBackend(root, { io: null });
    const seen = new Map<string, string>();
    for (const p of paths) {
      const n = await outcome(native.stat(p));
      const f = await outcome(fsPath.stat(p));
      assert.equal(n, f, `stat ${p}`);
      const version = n.startsWith('stat') ? (await fsPath.stat(p)).version : 'none';
      assert.equal(await outcome(native.read(p, 0, 100_000, version)), await outcome(fsPath.read(p, 0, 100_000, version)), `read ${p}`);
      const rc = await outcome(native.readCurrent(p, 0, 100_000));
      assert.equal(rc, await outcome(fsPath.readCurrent(p, 0, 100_000)), `readCurrent ${p}`);
      seen.set(p, rc);
    }
    // What the users of each name see (the same both ways, as checked above).
    const whole = `bytes ${bytes.length} ${bytes.subarray(0, 8).toString('hex')}`;
    for (const p of ['d/file', 'rel-inside', 'd/e/up-inside', 'abs-inside', 'out-and-back', 'proc-inside']) assert.equal(seen.get(p), whole, p);
    for (const p of ['abs-out/secret', 'rel-out/secret', 'd/e/climbs-out', 'proc-out']) assert.equal(seen.get(p), 'TC_PATH_ESCAPES_ROOT', p);
    assert.equal(seen.get('missing'), 'TC_NOT_FOUND');
    assert.equal(seen.get('d'), 'TC_IS_DIRECTORY');
    assert.equal(native.counters.errors, 0, 'none of these is the backend failing');
  });

  describe('the native jobs', { skip: io ? false : 'the addon is not built' }, () => {
    const a = io as NativeIo;

    it('open a file beneath the root without a readlink, and say so', async () => {
      const buf = Buffer.alloc(100_000);
      const r = await a.read(join(root, 'rel-dir/file'), 0, buf, root);
      assert.equal(r.inside, true);
      assert.equal(r.real, undefined, 'no readlink of /proc/self/fd');
      assert.ok(buf.subarray(0, r.bytesRead).equals(bytes));
      assert.equal(r.after, r.stat, 'an unchanged file: `after` is `stat` itself');
      const s = await a.readSized(join(root, 'd/e/up-inside'), 0, 100_000, root);
      assert.equal(s.inside, true);
      assert.ok(s.data.equals(bytes));
      const st = await a.stat(join(root, 'd'), root);
      assert.equal(st.inside, true);
      assert.equal((await a.stat(root, root)).inside, true, 'the root itself');
    });

    it('fall back to where the descriptor points wherever openat2 refuses', async () => {
      const cases: [string, string][] = [
        ['abs-inside', join(root, 'd', 'file')],
        ['out-and-back', join(root, 'd', 'file')],
        ['abs-out/secret', join(dir, 'outside', 'secret')],
        ['rel-out/secret', join(dir, 'outside', 'secret')],
        ['proc-inside', join(root, 'd', 'file')],
      ];
      for (const [p, real] of cases) {
        const r = await a.read(join(root, p), 0, Buffer.alloc(10), root);
        assert.equal(r.inside, undefined, p);
        assert.equal(r.real, real, p);
        assert.equal((await a.readSized(join(root, p), 0, 10, root)).real, real, p);
        assert.equal((await a.stat(join(root, p), root)).real, real, p);
      }
      // A path the root is no prefix of is opened by name.
      assert.equal((await a.read(join(dir, 'outside', 'secret'), 0, Buffer.alloc(10), root)).real, join(dir, 'outside', 'secret'));
      assert.equal((await a.read(join(`${root}x`, 'f'), 0, Buffer.alloc(10), root)).real, join(`${root}x`, 'f'), 'a sibling whose name starts like the root');
    });

    it('report a missing file as open does: code, syscall, path', async () => {
      await assert.rejects(a.read(join(root, 'd', 'nope'), 0, Buffer.alloc(1), root), (err: NodeJS.ErrnoException) => {
        assert.equal(err.code, 'ENOENT');
        assert.equal(err.syscall, 'open');
        assert.equal(err.path, join(root, 'd', 'nope'));
        return true;
      });
      await assert.rejects(a.stat(join(root, 'd', 'file', 'x'), root), { code: 'ENOTDIR', syscall: 'open' });
      assert.throws(() => a.read(join(root, 'd/file'), 0, Buffer.alloc(1), 7 as unknown as string), { name: 'TypeError', message: /a boolean or a root directory/ });
    });
  });
});

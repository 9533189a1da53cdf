// The mount machinery (src/fuse/fuse-mount.ts) over an in-memory filesystem:
// real programs (cat, dd, sh, Python) against a real FUSE mount in a temp
// dir. Read-only filesystems refuse every write-side call with EROFS without
// reaching the filesystem; writable ones get each call; links, device nodes
// and xattrs get a clear errno; mount points are checked; a dead mount left
// by kill -9 is detached and mounted again.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { promises as fsp, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FuseMount, type MountedFilesystem } from '../../src/fuse/fuse-mount';
import { silentLogger } from '../../src/log';
import { MemoryFilesystem } from './memory-fs';
import { REPO_ROOT } from '../helpers/daemon';
import { fuseMissing, isMounted, mountDir, python, requireFuse, run } from '../helpers/fuse';

const skip = fuseMissing() !== undefined && process.env['CI'] !== 'true';

/** errno names of each call, from Python (os.strerror would be locale-dependent). */
const PY_ERRNOS = `
import os, sys, errno, ctypes
root = sys.argv[1]
p = lambda *a: os.path.join(root, *a)
libc = ctypes.CDLL(None, use_errno=True)
def renameat2(a, b, flags):
    if libc.renameat2(-100, a.encode(), -100, b.encode(), flags) != 0:
        raise OSError(ctypes.get_errno(), 'renameat2')
calls = {
  'open-write': lambda: os.open(p('a.txt'), os.O_WRONLY),
  'create': lambda: os.open(p('new.txt'), os.O_WRONLY | os.O_CREAT, 0o644),
  'truncate': lambda: os.truncate(p('a.txt'), 1),
  'chmod': lambda: os.chmod(p('a.txt'), 0o600),
  'utime': lambda: os.utime(p('a.txt'), (1, 1)),
  'mkdir': lambda: os.mkdir(p('dir2')),
  'rmdir': lambda: os.rmdir(p('sub')),
  'unlink': lambda: os.unlink(p('a.txt')),
  'rename': lambda: os.rename(p('a.txt'), p('b.txt')),
  'rename-noreplace': lambda: renameat2(p('a.txt'), p('sub', 'c.txt'), 1),
  'rename-noreplace-new': lambda: renameat2(p('sub', 'c.txt'), p('c2.txt'), 1),
  'rename-exchange': lambda: renameat2(p('a.txt'), p('sub', 'c.txt'), 2),
  'symlink': lambda: os.symlink('a.txt', p('l')),
  'link': lambda: os.link(p('a.txt'), p('hard')),
  'mkfifo': lambda: os.mkfifo(p('fifo')),
  'setxattr': lambda: os.setxattr(p('a.txt'), 'user.k', b'v'),
}
for name in sys.argv[2:]:
    try:
        calls[name]()
        print(name, 'ok')
    except OSError as e:
        print(name, errno.errorcode[e.errno])
`;

async function errnos(dir: string, names: string[]): Promise<Record<string, string>> {
  const out = await python(PY_ERRNOS, [dir, ...names]);
  return Object.fromEntries(out.trim().split('\n').map((l) => l.split(' ') as [string, string]));
}

describe('FUSE mount of a read-only filesystem', { skip }, () => {
  const mp = mountDir();
  const fs = new MemoryFilesystem(false);
  const big = randomBytes(3 * 1024 * 1024 + 123);
  let m: MountedFilesystem | undefined;

  before(async () => {
    if (fuseMissing()) return;
    fs.put('a.txt', 'hello, mount\n');
    fs.put('sub/c.txt', 'c');
    fs.put('big.bin', big);
    m = await FuseMount.mount(mp.dir, fs, { log: silentLogger, allowOther: true });
  });
  after(async () => {
    await m?.unmount();
    mp.remove();
  });

  it('serves the bytes to cat, dd with an offset, ls and Python seeks', async (t) => {
    if (!requireFuse(t)) return;
    assert.equal((await run('cat', [join(mp.dir, 'a.txt')])).stdout.toString(), 'hello, mount\n');
    const whole = await run('cat', [join(mp.dir, 'big.bin')]);
    assert.ok(whole.stdout.equals(big), 'cat big.bin: bytes equal');
    const dd = await run('dd', [`if=${join(mp.dir, 'big.bin')}`, 'bs=4096', 'skip=300', 'count=5', 'status=none']);
    assert.ok(dd.stdout.equals(big.subarray(300 * 4096, 305 * 4096)), 'dd skip=300 count=5');
    const ls = await run('ls', ['-1', mp.dir]);
    assert.deepEqual(ls.stdout.toString().trim().split('\n'), ['a.txt', 'big.bin', 'sub']);
    const tail = await python(
      'import sys\nf = open(sys.argv[1], "rb")\nf.seek(-10, 2)\na = f.read()\nf.seek(1000)\nprint(a.hex(), f.read(7).hex())',
      [join(mp.dir, 'big.bin')],
    );
    assert.equal(tail.trim(), `${big.subarray(-10).toString('hex')} ${big.subarray(1000, 1007).toString('hex')}`);
  });

  it('keeps a warm file in the page cache: a re-read reaches the filesystem with neither open nor read', async (t) => {
    if (!requireFuse(t)) return;
    await run('cat', [join(mp.dir, 'sub/c.txt')]);
    const opens = fs.count('open');
    const reads = fs.count('read');
    const again = await run('cat', [join(mp.dir, 'sub/c.txt')]);
    assert.equal(again.stdout.toString(), 'c');
    assert.equal(fs.count('open'), opens);
    assert.equal(fs.count('read'), reads);
  });

  it('drops a changed file\'s pages when told, so the next read sees the new bytes', async (t) => {
    if (!requireFuse(t)) return;
    assert.equal((await run('cat', [join(mp.dir, 'a.txt')])).stdout.toString(), 'hello, mount\n');
    fs.put('a.txt', 'changed!');
    await m!.notifier.invalidate('a.txt');
    assert.equal((await run('cat', [join(mp.dir, 'a.txt')])).stdout.toString(), 'changed!');
  });

  it('answers EROFS to every write-side call without calling the filesystem', async (t) => {
    if (!requireFuse(t)) return;
    const before = fs.calls.length;
    const names = ['open-write', 'create', 'truncate', 'chmod', 'utime', 'mkdir', 'rmdir', 'unlink', 'rename', 'rename-noreplace', 'symlink', 'link', 'mkfifo', 'setxattr'];
    const got = await errnos(mp.dir, names);
    for (const n of names) assert.equal(got[n], 'EROFS', n);
    const writes = fs.calls.slice(before).filter((c) => !/^(getattr|readdir|open|read|release) /.test(c));
    assert.deepEqual(writes, [], 'no write-side call reached the filesystem');
  });

  it('answers statfs', async (t) => {
    if (!requireFuse(t)) return;
    const out = await python('import os, sys\ns = os.statvfs(sys.argv[1])\nprint(s.f_bsize, s.f_blocks, s.f_bavail, s.f_namemax)', [mp.dir]);
    assert.equal(out.trim(), '4096 1000 500 255');
  });
});

describe('FUSE mount of a writable filesystem', { skip }, () => {
  const mp = mountDir();
  const fs = new MemoryFilesystem(true);
  let m: MountedFilesystem | undefined;

  before(async () => {
    if (fuseMissing()) return;
    fs.put('a.txt', 'abc');
    fs.put('sub/c.txt', 'c');
    m = await FuseMount.mount(mp.dir, fs, { log: silentLogger, allowOther: true });
  });
  after(async () => {
    await m?.unmount();
    mp.remove();
  });

  it('creates and writes files (1 MiB writes), flushes, fsyncs and releases them', async (t) => {
    if (!requireFuse(t)) return;
    const data = randomBytes(5 * 1024 * 1024 + 7);
    const r = await run('dd', [`of=${join(mp.dir, 'ckpt.bin')}`, 'bs=1M', 'iflag=fullblock', 'status=none'], { input: data });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.nodes.get('ckpt.bin')?.data.equals(data), 'bytes equal in the filesystem');
    assert.ok(fs.count('create') >= 1 && fs.count('release') >= 1);
    assert.ok(fs.calls.some((c) => /^write ckpt\.bin \d+ 1048576$/.test(c)), 'kernel sends 1 MiB writes');
    const back = await run('cat', [join(mp.dir, 'ckpt.bin')]);
    assert.ok(back.stdout.equals(data), 'read back equal');
    await python(
      'import os, sys\nfd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)\nos.write(fd, b"XYZ")\nos.fsync(fd)\nos.close(fd)',
      [join(mp.dir, 'a.txt')],
    );
    assert.equal(fs.nodes.get('a.txt')?.data.toString(), 'abcXYZ');
    assert.ok(fs.calls.includes('fsync a.txt false'));
    assert.ok(fs.calls.includes('flush a.txt'));
  });

  it('passes truncate, chmod and utime through setattr; mkdir, rmdir, unlink and rename through their calls', async (t) => {
    if (!requireFuse(t)) return;
    const got = await errnos(mp.dir, ['truncate', 'chmod', 'utime', 'mkdir', 'rename-noreplace', 'rename-noreplace-new']);
    assert.deepEqual(got, { truncate: 'ok', chmod: 'ok', utime: 'ok', mkdir: 'ok', 'rename-noreplace': 'EEXIST', 'rename-noreplace-new': 'ok' });
    assert.ok(fs.calls.includes('setattr a.txt {"size":1}'));
    assert.ok(fs.calls.includes('setattr a.txt {"mode":384}'));
    assert.ok(fs.calls.includes('setattr a.txt {"mtimeMs":1000}'));
    assert.ok(fs.calls.includes('rename sub/c.txt c2.txt noreplace'));
    const st = await python('import os, sys\ns = os.stat(sys.argv[1])\nprint(oct(s.st_mode & 0o777), s.st_size, int(s.st_mtime))', [join(mp.dir, 'a.txt')]);
    assert.equal(st.trim(), '0o600 1 1');
    assert.equal(fs.nodes.get('dir2')?.kind, 'dir');
    const more = await errnos(mp.dir, ['rename', 'rmdir']);
    assert.deepEqual(more, { rename: 'ok', rmdir: 'ok' });
    assert.ok(fs.nodes.has('b.txt') && !fs.nodes.has('a.txt'));
    assert.equal((await run('cat', [join(mp.dir, 'b.txt')])).stdout.toString(), 'a');
    assert.equal((await run('rm', [join(mp.dir, 'b.txt')])).code, 0);
    assert.equal((await run('rmdir', [join(mp.dir, 'dir2')])).code, 0);
    assert.ok(!fs.nodes.has('b.txt') && !fs.nodes.has('dir2'));
  });

  it('refuses links, device nodes, RENAME_EXCHANGE and xattrs with a clear errno', async (t) => {
    if (!requireFuse(t)) return;
    fs.put('a.txt', 'again');
    fs.put('sub/c.txt', 'c');
    const got = await errnos(mp.dir, ['symlink', 'link', 'mkfifo', 'setxattr', 'rename-exchange']);
    // ENOTSUP is EOPNOTSUPP on Linux (Python names it ENOTSUP).
    assert.deepEqual(got, { symlink: 'EPERM', link: 'EPERM', mkfifo: 'EPERM', setxattr: 'ENOTSUP', 'rename-exchange': 'EINVAL' });
  });
});

describe('FUSE mount of a writable filesystem that asks for the writeback cache', { skip }, () => {
  const mp = mountDir();
  const fs = new MemoryFilesystem(true, { writebackCache: true });
  let m: MountedFilesystem | undefined;

  before(async () => {
    if (fuseMissing()) return;
    m = await FuseMount.mount(mp.dir, fs, { log: silentLogger, allowOther: true });
  });
  after(async () => {
    await m?.unmount();
    mp.remove();
  });

  it('small writes reach the filesystem gathered into pages, every byte of them before close returns', async (t) => {
    if (!requireFuse(t)) return;
    const out = await python(
      [
        'import os, sys, random',
        'random.seed(3)',
        'data = random.randbytes(1000 * 100)',
        'fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)',
        'for i in range(0, len(data), 100): os.write(fd, data[i:i + 100])',
        'os.close(fd)',
        'sys.stdout.write(data.hex())',
      ].join('\n'),
      [join(mp.dir, 'small-writes.bin')],
    );
    assert.ok(fs.nodes.get('small-writes.bin')?.data.equals(Buffer.from(out, 'hex')), 'bytes equal in the filesystem at close');
    assert.ok(fs.count('write') < 100, `1,000 write(2)s of 100 bytes arrive as pages, not one by one (${fs.count('write')} writes)`);
    assert.ok(fs.calls.includes('flush small-writes.bin'));
  });
});

describe('FUSE mount points and lifecycle', { skip }, () => {
  const dirs: { dir: string; remove(): void }[] = [];
  const mounts: MountedFilesystem[] = [];
  const children: import('node:child_process').ChildProcess[] = [];
  const fresh = () => {
    const d = mountDir();
    dirs.push(d);
    return d.dir;
  };
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const m of mounts) await m.unmount();
    for (const d of dirs) d.remove();
  });

  it('refuses a mount point that is missing, not a directory, or not empty, naming it and the fix', async (t) => {
    if (!requireFuse(t)) return;
    const base = fresh();
    const fs = new MemoryFilesystem(false);
    const missing = join(base, 'nope');
    await assert.rejects(FuseMount.mount(missing, fs, { log: silentLogger }), {
      message: `invalid mount: ${missing} does not exist; create it (mkdir -p ${missing}) or choose another --mount`,
    });
    const file = join(base, 'file');
    writeFileSync(file, 'x');
    await assert.rejects(FuseMount.mount(file, fs, { log: silentLogger }), { message: new RegExp(`^invalid mount: ${file} is not a directory`) });
    const full = join(base, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.me'), 'x');
    await assert.rejects(FuseMount.mount(full, fs, { log: silentLogger }), {
      message: new RegExp(`^invalid mount: ${full} is not empty \\(1 entries: "keep.me"\\); mounting over it would hide them`),
    });
  });

  it('refuses a path that is already a live FUSE mount', async (t) => {
    if (!requireFuse(t)) return;
    const dir = fresh();
    const empty = new MemoryFilesystem(false);
    mounts.push(await FuseMount.mount(dir, empty, { log: silentLogger }));
    await assert.rejects(FuseMount.mount(dir, empty, { log: silentLogger }), { message: /is already a FUSE mount \(fuse\.tiercache\)/ });
  });

  it('unmount detaches the mount', async (t) => {
    if (!requireFuse(t)) return;
    const dir = fresh();
    const m = await FuseMount.mount(dir, new MemoryFilesystem(false), { log: silentLogger });
    assert.ok(isMounted(dir));
    await m.unmount();
    assert.ok(!isMounted(dir));
    assert.deepEqual(await fsp.readdir(dir), []);
  });

  it('ends the session when the mount is unmounted from outside, read-only and writable alike', async (t) => {
    if (!requireFuse(t)) return;
    for (const writable of [false, true]) {
      const dir = fresh();
      const fs = new MemoryFilesystem(writable);
      fs.put('a.txt', 'a');
      const m = await FuseMount.mount(dir, fs, { log: silentLogger });
      assert.equal((await run('cat', [join(dir, 'a.txt')])).stdout.toString(), 'a');
      await run('umount', [dir]);
      await m.closed;
      assert.ok(!isMounted(dir));
      await m.unmount();
    }
  });

  it('detaches the dead mount a kill -9 left ("Transport endpoint is not connected") and mounts again on the same path', async (t) => {
    if (!requireFuse(t)) return;
    const dir = fresh();
    const script = `
      const { FuseMount } = require(${JSON.stringify(join(REPO_ROOT, 'dist/src/fuse/fuse-mount.js'))});
      const { MemoryFilesystem } = require(${JSON.stringify(join(REPO_ROOT, 'dist/test/fuse/memory-fs.js'))});
      const { silentLogger } = require(${JSON.stringify(join(REPO_ROOT, 'dist/src/log.js'))});
      const fs = new MemoryFilesystem(false);
      fs.put('old.txt', 'old');
      FuseMount.mount(process.argv[1], fs, { log: silentLogger }).then(() => console.log('mounted'));`;
    const child = spawn(process.execPath, ['-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await once(child.stdout!, 'data');
    child.kill('SIGKILL');
    await once(child, 'exit');
    await assert.rejects(fsp.stat(dir), { code: 'ENOTCONN' });
    const fs = new MemoryFilesystem(false);
    fs.put('new.txt', 'new');
    mounts.push(await FuseMount.mount(dir, fs, { log: silentLogger }));
    assert.equal((await run('cat', [join(dir, 'new.txt')])).stdout.toString(), 'new');
  });
});

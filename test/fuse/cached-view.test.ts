// `tiercache daemon --mount DIR`: the real daemon serves the backend
// read-only through a real FUSE mount, read by real programs (cat, dd,
// Python open/seek, tarfile). Bytes equal the backend's, re-reads are cache
// hits, a change is seen within the metadata TTL, writes get EROFS, a FIFO or
// an escaping symlink never hangs or leaks, SIGTERM unmounts, kill -9 then a
// restart recovers the same path, and bad mount points stop the start-up.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, eventually, pseudoRandomBytes, runCli } from '../helpers/daemon';
import { fuseMissing, isMounted, mountDir, python, requireFuse, run } from '../helpers/fuse';
import type { TiercacheClient } from '../../src/client/client';

const MiB = 1024 * 1024;
const skip = fuseMissing() !== undefined && process.env['CI'] !== 'true';

async function memoryHits(c: TiercacheClient): Promise<{ hits: number; backendReads: number }> {
  const s = (await c.stats('all')) as { memory: { hits: number }; backend_reads: number };
  return { hits: s.memory.hits, backendReads: s.backend_reads };
}

describe('daemon --mount: the cached backend as a read-only FUSE mount', { skip }, () => {
  const mp = mountDir();
  const d = new TestDaemon({ flags: { mount: mp.dir, 'metadata-ttl': '500ms', watch: 'false' } });
  const big = pseudoRandomBytes(6 * MiB + 4321, 5);
  let c: TiercacheClient;

  before(async () => {
    if (fuseMissing()) return;
    mkdirSync(join(d.backendDir, 'train/cats'), { recursive: true });
    writeFileSync(join(d.backendDir, 'big.bin'), big);
    writeFileSync(join(d.backendDir, 'train/cats/1.txt'), 'meow');
    writeFileSync(join(d.backendDir, 'changing.txt'), 'version 1');
    // A tar archive made by Debian's tar, read back by Python's tarfile.
    execFileSync('tar', ['-cf', join(d.backendDir, 'train.tar'), '-C', d.backendDir, 'train', 'big.bin']);
    execFileSync('mkfifo', [join(d.backendDir, 'pipe')]);
    symlinkSync('/etc/hostname', join(d.backendDir, 'escape'));
    await d.start();
    c = d.client();
  });
  after(async () => {
    c?.close();
    await d.stop();
    mp.remove();
    await d.cleanup();
  });

  it('serves the backend\'s bytes to cat, dd, Python seeks and tarfile', async (t) => {
    if (!requireFuse(t)) return;
    assert.ok((await run('cat', [join(mp.dir, 'big.bin')])).stdout.equals(big), 'cat');
    const dd = await run('dd', [`if=${join(mp.dir, 'big.bin')}`, 'bs=64K', 'skip=37', 'count=3', 'status=none']);
    assert.ok(dd.stdout.equals(big.subarray(37 * 65536, 40 * 65536)), 'dd skip');
    const seeks = await python(
      'import sys\nf = open(sys.argv[1], "rb")\nout = []\nfor off in (5_000_000, 17, 6 * 1024 * 1024):\n    f.seek(off)\n    out.append(f.read(100).hex())\nprint(" ".join(out))',
      [join(mp.dir, 'big.bin')],
    );
    const want = [5_000_000, 17, 6 * MiB].map((o) => big.subarray(o, o + 100).toString('hex')).join(' ');
    assert.equal(seeks.trim(), want);
    const tar = await python(
      'import sys, tarfile, hashlib\nwith tarfile.open(sys.argv[1]) as t:\n    for m in sorted(t.getmembers(), key=lambda m: m.name):\n        if m.isfile(): print(m.name, hashlib.sha256(t.extractfile(m).read()).hexdigest())',
      [join(mp.dir, 'train.tar')],
    );
    const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
    assert.equal(tar, `big.bin ${sha(big)}\ntrain/cats/1.txt ${sha('meow')}\n`);
    const ls = await run('ls', [join(mp.dir, 'train')]);
    assert.equal(ls.stdout.toString(), 'cats\n');
  });

  it('reads through the store: a re-read that reaches the daemon is a memory hit, not a backend read', async (t) => {
    if (!requireFuse(t)) return;
    await run('cat', [join(mp.dir, 'train/cats/1.txt')]);
    const before = await memoryHits(c);
    // O_DIRECT: past the kernel's page cache, so the read reaches the daemon.
    const again = await run('dd', [`if=${join(mp.dir, 'train/cats/1.txt')}`, 'iflag=direct', 'bs=4096', 'status=none']);
    assert.equal(again.stdout.toString(), 'meow');
    const after = await memoryHits(c);
    assert.equal(after.backendReads, before.backendReads);
    assert.ok(after.hits > before.hits, `memory hits ${before.hits} -> ${after.hits}`);
    const stats = await runCli(['cache', 'stats', '--socket', d.socket]);
    assert.match(stats.stdout.toString(), /^memory\s+normal/m);
  });

  it('shows a file changed on the backend once the metadata TTL has passed, page cache included', async (t) => {
    if (!requireFuse(t)) return;
    const path = join(mp.dir, 'changing.txt');
    assert.equal((await run('cat', [path])).stdout.toString(), 'version 1');
    writeFileSync(join(d.backendDir, 'changing.txt'), 'version 2!');
    await eventually(async () => (await run('cat', [path])).stdout.toString() === 'version 2!', 10_000, 'the new version');
    // Same size, new bytes: only the version (mtime) tells, and the kernel's pages must go.
    writeFileSync(join(d.backendDir, 'changing.txt'), 'version 3!');
    await eventually(async () => (await run('cat', [path])).stdout.toString() === 'version 3!', 10_000, 'the same-size new version');
  });

  it('an open reads one version: a file rewritten while it is open is never read mixed, the next open sees the new one', async (t) => {
    if (!requireFuse(t)) return;
    const v1 = Buffer.alloc(3 * MiB, 0x11);
    const v2 = Buffer.alloc(3 * MiB, 0x22);
    writeFileSync(join(d.backendDir, 'pinned.bin'), v1);
    // Python keeps one open across the rewrite; between its reads the file is rewritten in place, the
    // metadata TTL runs out and the file's cached pages are dropped (POSIX_FADV_DONTNEED), so the rest of
    // the open's bytes must come from the daemon again. They are of the version it opened, or EIO.
    const out = await python(
      `import os, sys, time
path, backend = sys.argv[1], sys.argv[2]
f = open(path, 'rb', buffering=0)
first = f.read(1 << 20)
with open(backend, 'r+b') as w:
    w.write(b'\x22' * (3 << 20))
time.sleep(0.8)
os.stat(path)  # past the TTL: the kernel asks the daemon, which now sees the new version
os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
try:
    rest = f.read()
    seen = sorted(set(first + rest))
    print('bytes', len(first) + len(rest), ' '.join(hex(b) for b in seen))
except OSError as e:
    print('error', e.errno)
print('reopen', sorted(set(open(path, 'rb').read())))`,
      [join(mp.dir, 'pinned.bin'), join(d.backendDir, 'pinned.bin')],
    );
    const [held, reopened] = out.trim().split('\n');
    assert.ok(held === `bytes ${v1.length} 0x11` || held === 'error 5', `the open held across the rewrite: all of version 1 or EIO, got ${held}`);
    assert.equal(reopened, `reopen [${v2[0]}]`, 'a new open reads the new version whole');
  });

  it('refuses writes with EROFS, and never opens a FIFO or follows a symlink out of the root', async (t) => {
    if (!requireFuse(t)) return;
    const got = await python(
      [
        'import os, sys, errno',
        'root = sys.argv[1]',
        'def e(f):',
        '    try:',
        '        f(); return "ok"',
        '    except OSError as x: return errno.errorcode[x.errno]',
        'print(e(lambda: open(os.path.join(root, "new.txt"), "w")), e(lambda: open(os.path.join(root, "big.bin"), "r+b")),',
        '      e(lambda: os.unlink(os.path.join(root, "big.bin"))), e(lambda: os.rename(os.path.join(root, "big.bin"), os.path.join(root, "b"))),',
        '      e(lambda: os.chmod(os.path.join(root, "big.bin"), 0o777)), e(lambda: os.mkdir(os.path.join(root, "d"))),',
        '      e(lambda: open(os.path.join(root, "pipe"), "rb")), e(lambda: open(os.path.join(root, "escape"), "rb")))',
      ].join('\n'),
      [mp.dir],
    );
    assert.equal(got.trim(), 'EROFS EROFS EROFS EROFS EROFS EROFS ENXIO EACCES');
    // The daemon still serves.
    assert.equal((await run('cat', [join(mp.dir, 'train/cats/1.txt')])).stdout.toString(), 'meow');
  });

  it('lets another user read (allow_other), files r--r--r--', async (t) => {
    if (!requireFuse(t)) return;
    const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', join(mp.dir, 'train/cats/1.txt')]);
    assert.equal(r.stdout.toString(), 'meow', r.stderr);
    const mode = await python('import os, sys\nprint(oct(os.stat(sys.argv[1]).st_mode))', [join(mp.dir, 'big.bin')]);
    assert.equal(mode.trim(), '0o100444');
  });

  it('recovers the same mount path after kill -9 and a restart; SIGTERM unmounts', async (t) => {
    if (!requireFuse(t)) return;
    await d.kill();
    const dead = await run('ls', [mp.dir]);
    assert.match(dead.stderr, /Transport endpoint is not connected/);
    await d.start();
    assert.equal((await run('cat', [join(mp.dir, 'train/cats/1.txt')])).stdout.toString(), 'meow');
    assert.match(d.stderr, /found a dead FUSE mount/);
    assert.equal(await d.stop(), 0);
    assert.ok(!isMounted(mp.dir), 'unmounted after SIGTERM');
  });
});

describe('daemon --mount: a bad mount point stops the start-up with what to fix', { skip }, () => {
  const mp = mountDir();
  after(() => mp.remove());

  for (const [name, prepare, message] of [
    ['missing', () => join(mp.dir, 'nope'), /invalid mount: \S+\/nope does not exist; create it \(mkdir -p \S+\/nope\)/],
    ['not a directory', () => {
      writeFileSync(join(mp.dir, 'file'), 'x');
      return join(mp.dir, 'file');
    }, /invalid mount: \S+\/file is not a directory/],
    ['not empty', () => mp.dir, /invalid mount: \S+ is not empty \(1 entries: "file"\); mounting over it would hide them/],
  ] as const) {
    it(`refuses a mount point that is ${name}`, async (t) => {
      if (!requireFuse(t)) return;
      const d = new TestDaemon({ flags: { mount: prepare() } });
      try {
        await assert.rejects(d.start(), /daemon exited with 1 before serving/);
        assert.match(d.stderr, message);
      } finally {
        await d.cleanup();
      }
    });
  }
});

describe('daemon --mount with mount-skip-opens: the kernel skips opens', { skip }, () => {
  it('serves the bytes with no open sent (FUSE no-open), and a change is still seen after the TTL', async (t) => {
    if (!requireFuse(t)) return;
    const mp = mountDir();
    const d = new TestDaemon({ flags: { mount: mp.dir, 'mount-skip-opens': 'true', 'metadata-ttl': '300ms', watch: 'false' } });
    try {
      const data = pseudoRandomBytes(2 * MiB + 5, 9);
      writeFileSync(join(d.backendDir, 'f.bin'), data);
      await d.start();
      assert.match(d.stderr, /"msg":"FUSE mount serving"[^\n]*"noOpen":true/, 'the kernel accepted no-open');
      assert.ok((await run('cat', [join(mp.dir, 'f.bin')])).stdout.equals(data));
      writeFileSync(join(d.backendDir, 'f.bin'), 'changed');
      await eventually(async () => (await run('cat', [join(mp.dir, 'f.bin')])).stdout.toString() === 'changed', 10_000, 'the new version');
    } finally {
      await d.stop();
      mp.remove();
      await d.cleanup();
    }
  });
});

// The checkpoint mount of the real daemon (--checkpoint-mount), used by real
// programs: torch.save / torch.load in other processes (Debian's
// python3-torch), a Hugging Face-style checkpoint-N rotation, a write to a
// temporary name renamed over the last file, a 1 GiB dd with fsync, kill -9
// while files are written and persisted, an SSD too small for a file, bad
// names and unsupported operations. Every assertion is on what reached the
// backend directory, byte for byte.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, promises as fsp, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { TestDaemon, runCli } from '../helpers/daemon';
import { PYTHON, fuseMissing, isMounted, mountDir, python, requireFuse, run } from '../helpers/fuse';

const skip = fuseMissing() !== undefined && process.env['CI'] !== 'true';
const MiB = 2 ** 20;

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Every file under `dir` (relative paths), skipping backend temporaries. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await fsp.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), r);
      else out.push(r);
    }
  };
  await walk(dir, '');
  return out.sort();
}

function startDaemon(mnt: string, flags: Record<string, string> = {}, dir?: string): TestDaemon {
  return new TestDaemon({
    dir,
    flags: { 'checkpoint-mount': mnt, 'checkpoint-mount-root': 'ckpt', 'checkpoint-mount-flush-timeout': '10s', ...flags },
  });
}

async function waitAll(d: TestDaemon, path?: string): Promise<string> {
  const r = await runCli(['checkpoint', 'wait', ...(path === undefined ? [] : [path]), '--socket', d.socket, '--timeout', '60s']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.toString();
}

describe('checkpoint mount: real programs over the real daemon', { skip }, () => {
  const mnt = mountDir('tc-ckmnt-');
  let d: TestDaemon;
  let backend: string;

  before(async () => {
    // The SSD budget holds a 1 GiB checkpoint.
    d = await startDaemon(mnt.dir, { 'ssd-cache-size': '1536MiB' }).start();
    backend = join(d.backendDir, 'ckpt');
  });
  after(async () => {
    await d?.stop().catch(() => {});
    await d?.cleanup();
    mnt.remove();
  });

  it('torch.save of a state_dict, torch.load in another process, and the same bytes on the backend', async (t) => {
    if (!requireFuse(t)) return;
    await python(
      `import torch, sys, os
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Linear(256, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
os.makedirs(os.path.join(sys.argv[1], 'resnet'), exist_ok=True)
torch.save({'model': m.state_dict(), 'step': 100}, os.path.join(sys.argv[1], 'resnet', 'step-100.pt'))
torch.save(m.state_dict(), os.path.join(sys.argv[2], 'reference.pt'))`,
      [mnt.dir, d.dir],
    );
    const loaded = await python(
      `import torch, sys
a = torch.load(sys.argv[1] + '/resnet/step-100.pt')
b = torch.load(sys.argv[2] + '/reference.pt')
print(a['step'], all(torch.equal(a['model'][k], b[k]) for k in b))`,
      [mnt.dir, d.dir],
    );
    assert.equal(loaded.trim(), '100 True');
    const out = await waitAll(d, join(mnt.dir, 'resnet'));
    assert.match(out, /resnet: \d+ operations on the backend/);
    assert.equal(await sha256(join(backend, 'resnet/step-100.pt')), await sha256(join(mnt.dir, 'resnet/step-100.pt')));
    const fromBackend = await python(
      `import torch, sys
print(torch.load(sys.argv[1])['step'])`,
      [join(backend, 'resnet/step-100.pt')],
    );
    assert.equal(fromBackend.trim(), '100');
  });

  it('Hugging Face rotation: checkpoint-N directories of several files, the oldest removed', async (t) => {
    if (!requireFuse(t)) return;
    await python(
      `import os, sys, shutil
root = os.path.join(sys.argv[1], 'hf')
os.makedirs(root)
for step in (500, 1000, 1500):
    d = os.path.join(root, f'checkpoint-{step}')
    os.mkdir(d)
    for name, size in (('model.safetensors', 3 << 20), ('optimizer.pt', 1 << 20), ('trainer_state.json', 300)):
        with open(os.path.join(d, name), 'wb') as f:
            f.write(bytes([step % 251]) * size)
    kept = sorted(os.listdir(root), key=lambda n: int(n.split('-')[1]))
    for old in kept[:-2]:
        shutil.rmtree(os.path.join(root, old))
print(sorted(os.listdir(root)))`,
      [mnt.dir],
    );
    await waitAll(d, 'hf');
    assert.deepEqual(await filesUnder(join(backend, 'hf')), [
      'checkpoint-1000/model.safetensors',
      'checkpoint-1000/optimizer.pt',
      'checkpoint-1000/trainer_state.json',
      'checkpoint-1500/model.safetensors',
      'checkpoint-1500/optimizer.pt',
      'checkpoint-1500/trainer_state.json',
    ]);
    assert.equal(existsSync(join(backend, 'hf/checkpoint-500')), false, 'the removed directory is gone from the backend too');
    assert.deepEqual(readFileSync(join(backend, 'hf/checkpoint-1500/optimizer.pt')), Buffer.alloc(1 << 20, 1500 % 251));
  });

  it('write to a temporary name, then rename over the last file (Lightning save_last)', async (t) => {
    if (!requireFuse(t)) return;
    await python(
      `import os, sys
d = os.path.join(sys.argv[1], 'lightning')
os.makedirs(d)
for step in range(3):
    tmp = os.path.join(d, '.last.ckpt.tmp')
    with open(tmp, 'wb') as f:
        f.write(f'step={step};'.encode() * 10000)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(d, 'last.ckpt'))`,
      [mnt.dir],
    );
    await waitAll(d, 'lightning');
    assert.deepEqual(await filesUnder(join(backend, 'lightning')), ['last.ckpt']);
    assert.equal(readFileSync(join(backend, 'lightning/last.ckpt'), 'utf8'), 'step=2;'.repeat(10000));
  });

  it('a 1 GiB dd with conv=fsync arrives whole; stats show it staged and persisted', async (t) => {
    if (!requireFuse(t)) return;
    const src = join(d.dir, 'src-16m');
    const r0 = await run('dd', ['if=/dev/urandom', `of=${src}`, 'bs=1M', 'count=16', 'status=none']);
    assert.equal(r0.code, 0, r0.stderr);
    const r = await run('bash', ['-c', `for i in $(seq 64); do cat ${src}; done | dd of=${mnt.dir}/big.bin bs=1M iflag=fullblock conv=fsync status=none`]);
    assert.equal(r.code, 0, r.stderr);
    const stats = JSON.parse((await runCli(['cache', 'stats', '--json', '--socket', d.socket])).stdout.toString());
    const cm = stats['checkpoint_mount'];
    assert.equal(cm['mount_dir'], mnt.dir);
    assert.ok(Number(cm['bytes_staged']) >= 1024 * MiB, `bytes staged: ${cm['bytes_staged']}`);
    await waitAll(d, 'big.bin');
    const expected = createHash('sha256');
    const block = readFileSync(src);
    for (let i = 0; i < 64; i++) expected.update(block);
    assert.equal(await sha256(join(backend, 'big.bin')), expected.digest('hex'));
    const after = JSON.parse((await runCli(['cache', 'stats', '--json', '--socket', d.socket])).stdout.toString())['checkpoint_mount'];
    assert.equal(Number(after['files_pending_persist']), 0);
    assert.ok(Number(after['bytes_persisted']) >= 1024 * MiB);
    assert.ok(Number(after['persist_bytes_per_second']) > 0);
    const text = (await runCli(['cache', 'stats', '--socket', d.socket])).stdout.toString();
    assert.match(text, /checkpoint mount .*staged, 0 files pending persist/);
    await fsp.rm(join(mnt.dir, 'big.bin'));
  });

  it('bad names and unsupported operations get their errno, and the daemon stays up', async (t) => {
    if (!requireFuse(t)) return;
    const out = await python(
      `import os, sys, errno
root = sys.argv[1]
p = lambda *a: os.path.join(root, *a)
os.makedirs(p('errs/d'))
open(p('errs/f'), 'w').write('x')
calls = {
  'overlong': lambda: open(p('errs', 'x' * 256), 'w'),
  'link': lambda: os.link(p('errs/f'), p('errs/hard')),
  'symlink': lambda: os.symlink('f', p('errs/l')),
  'mkfifo': lambda: os.mkfifo(p('errs/fifo')),
  'setxattr': lambda: os.setxattr(p('errs/f'), 'user.k', b'v'),
  'chown': lambda: os.chown(p('errs/f'), 1234, 1234),
  'rmdir-nonempty': lambda: os.rmdir(p('errs')),
  'into-itself': lambda: os.rename(p('errs'), p('errs/d/inner')),
  'excl': lambda: os.open(p('errs/f'), os.O_CREAT | os.O_EXCL | os.O_WRONLY),
  'unlink-dir': lambda: os.unlink(p('errs/d')),
}
for name, fn in calls.items():
    try:
        fn()
        print(name, 'ok')
    except OSError as e:
        print(name, errno.errorcode[e.errno])`,
      [mnt.dir],
    );
    const got = Object.fromEntries(out.trim().split('\n').map((l) => l.split(' ') as [string, string]));
    assert.deepEqual(got, {
      overlong: 'ENAMETOOLONG',
      link: 'EPERM',
      symlink: 'EPERM',
      mkfifo: 'EPERM',
      setxattr: 'ENOTSUP', // = EOPNOTSUPP on Linux
      chown: 'EPERM',
      'rmdir-nonempty': 'ENOTEMPTY',
      'into-itself': 'EINVAL',
      excl: 'EEXIST',
      'unlink-dir': 'EISDIR',
    });
    // (A NUL cannot reach the daemon through argv or the kernel; the unit tests cover it.)
    for (const bad of ['../../etc', '/elsewhere/x']) {
      const r = await runCli(['checkpoint', 'wait', bad, '--socket', d.socket]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /INVALID_ARGUMENT/);
    }
    assert.ok(d.alive);
    assert.match(await waitAll(d), /operations on the backend/);
  });
});

describe('checkpoint mount: crash safety', { skip }, () => {
  const mnt = mountDir('tc-ckmnt-');
  const dir = mkdtempSync(join(tmpdir(), 'tc-ckcrash-'));
  let d: TestDaemon | undefined;
  after(async () => {
    await d?.kill();
    mnt.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  // Writes files n, n+1, ... with bytes derived from their number; prints each name once close() returned.
  const WRITER = `
import os, sys, random
root, n = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(root, 'run'), exist_ok=True)
while True:
    r = random.Random(n)
    data = r.randbytes(r.randrange(1, 3 << 20))
    with open(os.path.join(root, 'run', f'f{n:05d}'), 'wb') as f:
        f.write(data)
    print(f'f{n:05d}', flush=True)
    n += 1
`;

  it('kill -9 during writes and persists: every closed file is on the backend whole, none is partial', async (t) => {
    if (!requireFuse(t)) return;
    const closed = new Set<string>();
    let next = 0;
    for (let round = 0; round < 3; round++) {
      // A slow backend (64 MiB/s) keeps persists in flight when the kill comes.
      d = await startDaemon(mnt.dir, {}, dir).start(['--emulate-backend-bandwidth=64MiB']);
      assert.ok(isMounted(mnt.dir));
      const writer = spawn(PYTHON, ['-c', WRITER, mnt.dir, String(next)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let lines = 0;
      await new Promise<void>((resolve) => {
        let buf = '';
        writer.stdout.on('data', (b: Buffer) => {
          buf += b.toString();
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            closed.add(buf.slice(0, i));
            buf = buf.slice(i + 1);
            if (++lines === 6 + round * 3) resolve();
          }
        });
        writer.on('exit', () => resolve());
      });
      await d.kill();
      // The writer's next open fails on the dead mount; it exits.
      if (writer.exitCode === null) await new Promise((r) => writer.once('exit', r));
      next += 1000;
    }
    d = await startDaemon(mnt.dir, {}, dir).start();
    await waitAll(d);
    const backend = join(d.backendDir, 'ckpt/run');
    const onBackend = (await filesUnder(backend)).filter((n) => !n.startsWith('.tmp-'));
    for (const name of closed) assert.ok(onBackend.includes(name), `${name} was closed before a kill and must be on the backend`);
    // Every file on the backend, closed-and-reported or not, is whole.
    const check = await python(
      `import os, sys, random, hashlib
bad = []
for name in sys.argv[2:]:
    r = random.Random(int(name[1:]))
    want = r.randbytes(r.randrange(1, 3 << 20))
    if open(os.path.join(sys.argv[1], name), 'rb').read() != want:
        bad.append(name)
print(' '.join(bad) or 'all whole')`,
      [backend, ...onBackend],
    );
    assert.equal(check.trim(), 'all whole');
    assert.equal((await filesUnder(backend)).filter((n) => n.includes('.tmp-')).length, 0, 'no upload temporaries left');
    const stats = JSON.parse((await runCli(['cache', 'stats', '--json', '--socket', d.socket])).stdout.toString())['checkpoint_mount'];
    assert.equal(Number(stats['files_pending_persist']), 0);
  });
});

describe('checkpoint mount: a close(2) of a duplicate before the writes', { skip }, () => {
  const mnt = mountDir('tc-ckmnt-');
  let d: TestDaemon;
  before(async () => {
    // A slow backend (16 MiB/s) keeps each upload in flight long enough to look at the backend during it.
    d = await startDaemon(mnt.dir).start(['--emulate-backend-bandwidth=16MiB']);
  });
  after(async () => {
    await d?.stop().catch(() => {});
    await d?.cleanup();
    mnt.remove();
  });

  it('dd and a shell redirect (which close a duplicate of the file first) never put an empty file on the backend; touch still does', async (t) => {
    if (!requireFuse(t)) return;
    const backend = join(d.backendDir, 'ckpt', 'dup');
    const v1 = Buffer.alloc(8 * MiB, 1);
    const v2 = Buffer.alloc(8 * MiB + 1, 2);
    await fsp.writeFile(join(d.dir, 'v1'), v1);
    await fsp.writeFile(join(d.dir, 'v2'), v2);
    await fsp.mkdir(join(mnt.dir, 'dup'));
    // dd opens its output, dup2s it onto stdout and closes the original: a FLUSH before any write.
    const dd = (src: string) => run('dd', [`if=${join(d.dir, src)}`, `of=${join(mnt.dir, 'dup/step.pt')}`, 'bs=1M', 'conv=fsync', 'status=none']);
    assert.equal((await dd('v1')).code, 0);
    const whole = (name: string, ...versions: Buffer[]): boolean => {
      const p = join(backend, name);
      return !existsSync(p) || versions.some((v) => readFileSync(p).equals(v));
    };
    assert.ok(whole('step.pt', v1), 'while the new file uploads, nothing under its name or all of it (was: an empty file)');
    await waitAll(d, 'dup');
    assert.ok(readFileSync(join(backend, 'step.pt')).equals(v1));
    // Over an existing checkpoint: O_TRUNC, the duplicate closed, then the writes. The old one stays whole meanwhile.
    assert.equal((await dd('v2')).code, 0);
    assert.ok(existsSync(join(backend, 'step.pt')) && whole('step.pt', v1, v2), 'while the new version uploads, the old one or the new one whole (was: replaced by an empty file)');
    const sh = await run('sh', ['-c', `cat "$1" > "$2"`, 'sh', join(d.dir, 'v2'), join(mnt.dir, 'dup/redirected.pt')]);
    assert.equal(sh.code, 0, sh.stderr);
    assert.ok(whole('redirected.pt', v2), 'a shell redirect: nothing under the name or all of it while it uploads');
    // Files that are meant to be empty are persisted empty, and `checkpoint wait` right after the close covers them.
    assert.equal((await run('touch', [join(mnt.dir, 'dup/empty')])).code, 0);
    assert.equal((await run('sh', ['-c', `: > "$1"`, 'sh', join(mnt.dir, 'dup/truncated.pt')])).code, 0);
    await waitAll(d, 'dup');
    assert.ok(readFileSync(join(backend, 'step.pt')).equals(v2));
    assert.ok(readFileSync(join(backend, 'redirected.pt')).equals(v2));
    assert.equal(readFileSync(join(backend, 'empty')).length, 0);
    assert.equal(readFileSync(join(backend, 'truncated.pt')).length, 0);
  });
});

describe('checkpoint mount: SIGTERM', { skip }, () => {
  const mnt = mountDir('tc-ckmnt-');
  let d: TestDaemon;
  after(async () => {
    await d?.cleanup();
    mnt.remove();
  });

  it('persists what is staged before the daemon exits, and unmounts', async (t) => {
    if (!requireFuse(t)) return;
    d = await startDaemon(mnt.dir).start(['--emulate-backend-bandwidth=16MiB']);
    const r = await run('dd', ['if=/dev/urandom', `of=${mnt.dir}/last.pt`, 'bs=1M', 'count=24', 'status=none']);
    assert.equal(r.code, 0, r.stderr);
    const local = await sha256(join(mnt.dir, 'last.pt'));
    assert.equal(await d.stop(), 0);
    assert.equal(isMounted(mnt.dir), false);
    assert.equal(await sha256(join(d.backendDir, 'ckpt/last.pt')), local);
  });
});

describe('checkpoint mount: an SSD that cannot take the file', { skip }, () => {
  const mnt = mountDir('tc-ckmnt-');
  let d: TestDaemon;
  after(async () => {
    await d?.stop().catch(() => {});
    await d?.cleanup();
    mnt.remove();
  });

  it('writes through to the backend instead of failing the job, and counts it', async (t) => {
    if (!requireFuse(t)) return;
    d = await startDaemon(mnt.dir, { 'ssd-cache-size': '8MiB' }).start();
    const r = await run('dd', ['if=/dev/urandom', `of=${mnt.dir}/huge.bin`, 'bs=1M', 'count=24', 'conv=fsync', 'status=none']);
    assert.equal(r.code, 0, r.stderr);
    // Written through: on the backend as soon as dd closed it.
    const onBackend = join(d.backendDir, 'ckpt/huge.bin');
    assert.equal((await fsp.stat(onBackend)).size, 24 * MiB);
    assert.equal(await sha256(join(mnt.dir, 'huge.bin')), await sha256(onBackend));
    const small = await run('dd', ['if=/dev/urandom', `of=${mnt.dir}/small.bin`, 'bs=1M', 'count=2', 'status=none']);
    assert.equal(small.code, 0, small.stderr);
    await waitAll(d);
    assert.equal(await sha256(join(mnt.dir, 'small.bin')), await sha256(join(d.backendDir, 'ckpt/small.bin')));
    const cm = JSON.parse((await runCli(['cache', 'stats', '--json', '--socket', d.socket])).stdout.toString())['checkpoint_mount'];
    assert.equal(Number(cm['write_through_files']), 1);
    assert.equal(Number(cm['write_through_bytes']), 24 * MiB);
    assert.equal((d.stderr.match(/written through to the backend/g) ?? []).length, 1, 'logged once');
    // An appender that fsyncs mid-page: the kernel's writeback cache then sends
    // that page again with more bytes in it; the file still arrives whole.
    const digest = await python(`
import os, random
random.seed(7)
data = random.randbytes(10 * 1024 * 1024 + 4321)
with open(${JSON.stringify(`${mnt.dir}/appended.bin`)}, 'wb') as f:
    for i in range(0, len(data), 1000):
        f.write(data[i:i + 1000])
        if i % 50000 == 0:
            f.flush()
            os.fsync(f.fileno())
import hashlib
print(hashlib.sha256(data).hexdigest())
`);
    assert.equal(await sha256(join(d.backendDir, 'ckpt/appended.bin')), digest.trim());
  });
});

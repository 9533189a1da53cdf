// The writable checkpoint directory through the MountFilesystem contract
// (what the FUSE mount calls), over a real staging directory and an
// in-memory backend double that records the order of what reached it.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants as fsc, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CheckpointFs, type CheckpointFsOptions } from '../../src/checkpoint-fs/checkpoint-fs';
import { FsError, type Errno } from '../../src/fuse/types';
import { silentLogger } from '../../src/log';
import { MemoryBackend } from './memory-backend';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tc-ckfs-'));
  dirs.push(d);
  return d;
}

interface Setup {
  fs: CheckpointFs;
  backend: MemoryBackend;
  staging: string;
  space: { free: number };
}

async function setup(over: Partial<CheckpointFsOptions> & { backend?: MemoryBackend; staging?: string; free?: number } = {}): Promise<Setup> {
  const backend = over.backend ?? new MemoryBackend();
  const staging = over.staging ?? tempDir();
  const space = { free: over.free ?? Infinity };
  const fs = new CheckpointFs({
    stagingDir: staging,
    root: 'ckpt',
    backend,
    remote: backend,
    space: {
      reserve: (n) => {
        if (n > space.free) return false;
        space.free -= n;
        return true;
      },
      release: (n) => {
        space.free += n;
      },
      adopt: (n) => {
        space.free -= n;
      },
    },
    log: silentLogger,
    backoffBaseMs: 5,
    backoffCapMs: 20,
    ...over,
  });
  await fs.start();
  return { fs, backend, staging, space };
}

async function save(fs: CheckpointFs, path: string, data: Buffer, chunk = 64 * 1024): Promise<void> {
  const { handle } = await fs.create(path, 0o644, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC);
  for (let off = 0; off < data.length; off += chunk) await fs.write(handle, data.subarray(off, off + chunk), off);
  await fs.flush(handle);
  await fs.release(handle);
}

async function load(fs: CheckpointFs, path: string): Promise<Buffer> {
  const { handle } = await fs.open(path, fsc.O_RDONLY);
  const size = (await fs.getattr(path)).size;
  const parts: Buffer[] = [];
  for (let off = 0; off < size; off += 100_000) parts.push(await fs.read(handle, off, 100_000));
  await fs.release(handle);
  return Buffer.concat(parts);
}

async function errnoOf(p: Promise<unknown>): Promise<Errno | 'none'> {
  try {
    await p;
    return 'none';
  } catch (err) {
    if (err instanceof FsError) return err.errno;
    throw err;
  }
}

describe('checkpoint directory', () => {
  it('a closed file reaches the backend complete, and reads back from the local copy', async () => {
    const { fs, backend } = await setup();
    const data = randomBytes(300_000);
    await save(fs, 'step-100.pt', data);
    await fs.waitPersisted();
    assert.deepEqual(backend.files.get('ckpt/step-100.pt')?.data, data);
    assert.deepEqual(await load(fs, 'step-100.pt'), data);
    assert.equal(backend.reads, 0, 'read back from the SSD copy, not the backend');
    const s = fs.stats();
    assert.equal(s.filesPendingPersist, 0);
    assert.equal(s.filesPersisted, 1);
    assert.equal(s.bytesPersisted, data.length);
    await fs.stop();
  });

  it('write to a temporary name, then rename over the last file: the backend sees put then rename', async () => {
    const { fs, backend } = await setup();
    await save(fs, 'last.ckpt', Buffer.from('old'));
    await fs.waitPersisted();
    await save(fs, '.last.ckpt.tmp', Buffer.from('new'));
    await fs.rename('.last.ckpt.tmp', 'last.ckpt', { noReplace: false });
    assert.deepEqual((await fs.readdir('')).map((e) => e.name), ['last.ckpt']);
    assert.equal((await load(fs, 'last.ckpt')).toString(), 'new');
    await fs.waitPersisted();
    assert.deepEqual(backend.log, ['put ckpt/last.ckpt', 'put ckpt/.last.ckpt.tmp', 'mv ckpt/.last.ckpt.tmp ckpt/last.ckpt']);
    assert.equal(backend.text('ckpt/last.ckpt'), 'new');
    assert.equal(backend.files.has('ckpt/.last.ckpt.tmp'), false);
    await fs.stop();
  });

  it('Hugging Face rotation: checkpoint-N directories, the oldest deleted with its files', async () => {
    const { fs, backend } = await setup();
    for (const step of [100, 200, 300]) {
      await fs.mkdir(`checkpoint-${step}`, 0o755);
      for (const f of ['model.safetensors', 'optimizer.pt', 'trainer_state.json']) {
        await save(fs, `checkpoint-${step}/${f}`, Buffer.from(`${f}@${step}`));
      }
      if (step === 300) {
        for (const e of await fs.readdir('checkpoint-100')) await fs.unlink(`checkpoint-100/${e.name}`);
        await fs.rmdir('checkpoint-100');
      }
    }
    assert.deepEqual((await fs.readdir('')).map((e) => e.name).sort(), ['checkpoint-200', 'checkpoint-300']);
    await fs.waitPersisted();
    const onBackend = [...backend.files.keys()].sort();
    assert.equal(onBackend.length, 6);
    assert.ok(onBackend.every((p) => !p.includes('checkpoint-100')));
    assert.equal(backend.dirs.has('ckpt/checkpoint-100'), false, 'the emptied directory is gone too');
    assert.equal(backend.text('ckpt/checkpoint-300/optimizer.pt'), 'optimizer.pt@300');
    await fs.stop();
  });

  it('renames and deletes reach the backend in the order they happened, after their data', async () => {
    const { fs, backend } = await setup();
    backend.hold();
    await save(fs, 'a', Buffer.from('A'));
    await fs.rename('a', 'b', { noReplace: false });
    await save(fs, 'c', Buffer.from('C'));
    await fs.unlink('b');
    await fs.mkdir('d', 0o755);
    await save(fs, 'd/x', Buffer.from('X'));
    await fs.rename('d', 'e', { noReplace: false });
    assert.equal(fs.stats().filesPendingPersist, 3);
    const waited = fs.waitPersisted('e');
    backend.release();
    await waited;
    await fs.waitPersisted();
    assert.deepEqual(backend.log, [
      'put ckpt/a',
      'mv ckpt/a ckpt/b',
      'put ckpt/c',
      'del ckpt/b',
      'put ckpt/d/x',
      'mv ckpt/d/x ckpt/e/x',
      'rmdir ckpt/d',
    ]);
    assert.deepEqual([...backend.files.keys()].sort(), ['ckpt/c', 'ckpt/e/x']);
    await fs.stop();
  });

  it('a file rewritten before its upload started is uploaded once, with the last bytes', async () => {
    const { fs, backend } = await setup();
    backend.hold();
    await save(fs, 'other', Buffer.from('first in line'));
    for (const v of ['v1', 'v2', 'v3']) await save(fs, 'last.ckpt', Buffer.from(v));
    backend.release();
    await fs.waitPersisted();
    assert.deepEqual(backend.log, ['put ckpt/other', 'put ckpt/last.ckpt']);
    assert.equal(backend.text('ckpt/last.ckpt'), 'v3');
    await fs.stop();
  });

  it('positional writes, truncate and fsync give the bytes a local file would have', async () => {
    const { fs, backend } = await setup();
    const { handle } = await fs.create('f', 0o600, fsc.O_RDWR | fsc.O_CREAT);
    await fs.write(handle, Buffer.from('hello world'), 0);
    await fs.write(handle, Buffer.from('W'), 6);
    await fs.write(handle, Buffer.from('!'), 20);
    await fs.setattr('f', { size: 15 }, handle);
    await fs.fsync(handle, false);
    assert.equal((await fs.read(handle, 0, 100)).toString('latin1'), 'hello World\0\0\0\0');
    await fs.release(handle);
    await fs.waitPersisted();
    assert.equal(backend.text('ckpt/f'), 'hello World\0\0\0\0');
    assert.equal((await fs.getattr('f')).mode, 0o600);
    await fs.stop();
  });

  it('a file only on the backend (saved on another node) is listed, read through it, and can be appended to', async () => {
    const backend = new MemoryBackend();
    backend.seed('ckpt/job/step-1.pt', Buffer.from('from node A'));
    const { fs } = await setup({ backend });
    assert.deepEqual(await fs.readdir('job'), [{ name: 'step-1.pt', kind: 'file' }]);
    assert.equal((await load(fs, 'job/step-1.pt')).toString(), 'from node A');
    const { handle } = await fs.open('job/step-1.pt', fsc.O_WRONLY);
    await fs.write(handle, Buffer.from(' and B'), 11);
    await fs.flush(handle);
    await fs.release(handle);
    await fs.waitPersisted();
    assert.equal(backend.text('ckpt/job/step-1.pt'), 'from node A and B');
    await fs.stop();
  });

  it('a failing backend delays persisting, retries, and loses nothing', async () => {
    const { fs, backend } = await setup();
    backend.failWrites = 3;
    await save(fs, 'x', Buffer.from('xx'));
    await save(fs, 'y', Buffer.from('yy'));
    // The retry timer is unref()ed (it never holds a daemon open); this test holds the loop.
    const keepAlive = setInterval(() => {}, 1000);
    await fs.waitPersisted();
    clearInterval(keepAlive);
    assert.equal(backend.text('ckpt/x'), 'xx');
    assert.equal(backend.text('ckpt/y'), 'yy');
    assert.equal(fs.stats().persistFailures, 3);
    await fs.stop();
  });

  it('after a crash, every closed file persists; a file open at the crash does not, and is counted', async () => {
    const backend = new MemoryBackend();
    backend.hold();
    const first = await setup({ backend });
    await first.fs.mkdir('run', 0o755);
    await save(first.fs, 'run/closed-1', Buffer.from('one'));
    await save(first.fs, 'run/closed-2', Buffer.from('two'));
    await first.fs.rename('run/closed-2', 'run/renamed-2', { noReplace: false });
    const { handle } = await first.fs.create('run/open', 0o644, fsc.O_WRONLY | fsc.O_CREAT);
    await first.fs.write(handle, Buffer.from('half'), 0);
    // Crash: nothing stopped, nothing flushed. A new instance starts on the same SSD directory.
    const fresh = new MemoryBackend();
    for (const [p, f] of backend.files) fresh.files.set(p, f);
    const second = await setup({ backend: fresh, staging: first.staging });
    assert.deepEqual((await second.fs.readdir('run')).map((e) => e.name).sort(), ['closed-1', 'renamed-2']);
    await second.fs.waitPersisted();
    assert.equal(fresh.text('ckpt/run/closed-1'), 'one');
    assert.equal(fresh.text('ckpt/run/renamed-2'), 'two');
    assert.equal(fresh.files.has('ckpt/run/open'), false);
    assert.equal(second.fs.stats().lostOpenAtCrash, 1);
    // Only the staged copies of the two closed files remain on the SSD.
    assert.equal(readdirSync(join(first.staging, 'data')).length, 2);
    await second.fs.stop();
    backend.release();
  });

  it('a file still open when the mount is taken down is not persisted by the teardown', async () => {
    const { fs, backend } = await setup();
    await save(fs, 'closed', Buffer.from('whole'));
    const { handle } = await fs.create('half-written', 0o644, fsc.O_WRONLY | fsc.O_CREAT);
    await fs.write(handle, Buffer.from('half'), 0);
    fs.detach();
    await fs.release(handle);
    await fs.waitPersisted();
    assert.equal(backend.text('ckpt/closed'), 'whole');
    assert.equal(backend.files.has('ckpt/half-written'), false);
    await fs.stop();
  });

  it('when the SSD cannot take a file, it is written through to the backend at close', async () => {
    const { fs, backend, space } = await setup({ free: 100_000 });
    const small = randomBytes(50_000);
    await save(fs, 'small', small);
    const big = randomBytes(400_000);
    await save(fs, 'big', big, 30_000);
    assert.deepEqual(backend.files.get('ckpt/big')?.data, big, 'on the backend as soon as it is closed');
    assert.deepEqual(await load(fs, 'big'), big);
    const s = fs.stats();
    assert.equal(s.writeThroughFiles, 1);
    assert.equal(s.writeThroughBytes, big.length);
    await fs.waitPersisted();
    assert.deepEqual(backend.files.get('ckpt/small')?.data, small);
    assert.ok(space.free >= 0);
    // Write-through takes sequential writes only: a seek back is ENOSPC, with the daemon fine.
    const { handle } = await fs.create('seeky', 0o644, fsc.O_WRONLY | fsc.O_CREAT);
    await fs.write(handle, randomBytes(200_000), 0);
    assert.equal(await errnoOf(fs.write(handle, Buffer.from('x'), 10)), 'ENOSPC');
    await fs.release(handle);
    await fs.stop();
  });

  it('bad names and impossible operations get their errno', async () => {
    const { fs } = await setup();
    await fs.mkdir('d', 0o755);
    await save(fs, 'd/f', Buffer.from('f'));
    assert.equal(await errnoOf(fs.getattr('missing')), 'ENOENT');
    assert.equal(await errnoOf(fs.getattr('../escape')), 'EINVAL');
    assert.equal(await errnoOf(fs.create('a\0b', 0o644, fsc.O_CREAT)), 'EINVAL');
    assert.equal(await errnoOf(fs.create('x'.repeat(256), 0o644, fsc.O_CREAT)), 'ENAMETOOLONG');
    assert.equal(await errnoOf(fs.create('d/f', 0o644, fsc.O_CREAT | fsc.O_EXCL)), 'EEXIST');
    assert.equal(await errnoOf(fs.mkdir('d', 0o755)), 'EEXIST');
    assert.equal(await errnoOf(fs.rmdir('d')), 'ENOTEMPTY');
    assert.equal(await errnoOf(fs.unlink('d')), 'EISDIR');
    assert.equal(await errnoOf(fs.rmdir('d/f')), 'ENOTDIR');
    assert.equal(await errnoOf(fs.open('d', fsc.O_RDONLY)), 'EISDIR');
    assert.equal(await errnoOf(fs.create('d/f/g', 0o644, fsc.O_CREAT)), 'ENOTDIR');
    assert.equal(await errnoOf(fs.rename('d', 'd/inside', { noReplace: false })), 'EINVAL');
    await save(fs, 'g', Buffer.from('g'));
    assert.equal(await errnoOf(fs.rename('g', 'd/f', { noReplace: true })), 'EEXIST');
    assert.equal(await errnoOf(fs.rename('g', 'd', { noReplace: false })), 'EISDIR');
    const { handle } = await fs.open('g', fsc.O_RDONLY);
    assert.equal(await errnoOf(fs.write(handle, Buffer.from('no'), 0)), 'EBADF');
    await fs.release(handle);
    await fs.stop();
  });

  it('stats show what is staged and how long the oldest unpersisted change has waited', async () => {
    let now = 1_000_000;
    const { fs, backend } = await setup({ now: () => now });
    backend.hold();
    await save(fs, 'a', randomBytes(1000));
    now += 5_000;
    await save(fs, 'b', randomBytes(500));
    const s = fs.stats();
    assert.equal(s.bytesStaged, 1500);
    assert.equal(s.filesPendingPersist, 2);
    assert.equal(s.bytesPendingPersist, 1500);
    assert.equal(s.oldestPendingAgeS, 5);
    backend.release();
    await fs.waitPersisted();
    assert.equal(fs.stats().oldestPendingAgeS, 0);
    assert.equal(fs.reclaim(1000), 1000, 'the persisted copy of a gives way');
    assert.equal(fs.stats().bytesStaged, 500);
    assert.equal((await load(fs, 'a')).length, 1000, 'and is then read from the backend');
    assert.equal(backend.reads, 1);
    await fs.stop();
  });
});

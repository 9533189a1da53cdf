// The daemon's two FUSE mounts in front of a real MooseFS (master,
// chunkserver, two mfsmounts standing for two nodes), used by real programs:
// the read-only POSIX view (--mount) read by sha256sum, find and Python's
// mmap, MooseFS read once; a file rewritten through the other node's mount,
// seen through the view within the metadata TTL and never mixed; the
// checkpoint mount (--checkpoint-mount) written by dd and by a
// write-then-rename, persisted whole to MooseFS and read on the other node
// through its own daemon's checkpoint mount; and kill -9 while a checkpoint
// is being persisted: MooseFS never holds it partial, the restarted daemon
// finishes it.
//
// Under CI=true a MooseFS or FUSE that cannot start fails the suite;
// elsewhere it is skipped with the reason.

import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon, eventually, pseudoRandomBytes, runCli } from '../helpers/daemon';
import { fuseMissing, isMounted, mountDir, python, run } from '../helpers/fuse';
import { startForSuite, type MooseFs } from '../helpers/moosefs';

const MiB = 1024 * 1024;
const METADATA_TTL_MS = 1000;
/** mfsmount's own attribute cache (mfsattrcacheto, default 1 s) comes on top of the daemon's TTL. */
const MFS_ATTR_CACHE_MS = 1000;

/**
 * Lets a file just written through mfsmount settle: its attributes change once
 * more after close(2) returns (mfsmount's release reaches the master after
 * it), and the mount's attribute cache keeps the earlier ones for a second,
 * so a version taken from a stat within that second fails the check after
 * the read. A file written long before it is read (a dataset) has settled.
 */
const settle = (): Promise<void> => sleep(MFS_ATTR_CACHE_MS + 200);
const CKPT_ROOT = 'ckpt';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** sha256sum (the program) of each path, in order. */
async function sha256sum(paths: string[]): Promise<string[]> {
  const r = await run('sha256sum', paths);
  assert.equal(r.code, 0, `sha256sum failed: ${r.stderr}`);
  return r.stdout
    .toString()
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/)[0]!);
}

async function backendBytesRead(d: TestDaemon): Promise<number> {
  const r = await runCli(['cache', 'stats', '--json', '--socket', d.socket]);
  assert.equal(r.code, 0, r.stderr);
  return Number(JSON.parse(r.stdout.toString())['backend_bytes_read']);
}

async function checkpointWait(d: TestDaemon): Promise<void> {
  const r = await runCli(['checkpoint', 'wait', '--socket', d.socket, '--timeout', '60s']);
  assert.equal(r.code, 0, `checkpoint wait: ${r.stderr}`);
}

/** Which version each 64 KiB of `b` is of (1, 2, or ? for neither): what a mix was made of. */
function mixOf(b: Buffer, v1: Buffer, v2: Buffer): string {
  let out = '';
  for (let o = 0; o < b.length; o += 65536) {
    const c = b.subarray(o, o + 65536);
    out += c.equals(v1.subarray(o, o + c.length)) ? '1' : c.equals(v2.subarray(o, o + c.length)) ? '2' : '?';
  }
  return out;
}

/** Files under dir on MooseFS (relative, sorted), upload temporaries included. */
function filesUnder(dir: string, rel = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(join(dir, e.name), r));
    else out.push(r);
  }
  return out.sort();
}

describe('tiercache mounts over MooseFS', () => {
  let mfs: MooseFs | undefined;
  let unavailable = '';
  let otherMnt = '';
  const view = mountDir('tc-mfs-view-');
  const ckpt = mountDir('tc-mfs-ckpt-');
  const otherCkpt = mountDir('tc-mfs-ckpt2-');
  const stateDir = mkdtempSync(join(tmpdir(), 'tc-mfs-node1-'));
  let d: TestDaemon | undefined;
  let other: TestDaemon | undefined;

  const node1 = (extra: Record<string, string> = {}): TestDaemon =>
    new TestDaemon({
      dir: stateDir,
      backendDir: mfs!.mnt,
      flags: {
        mount: view.dir,
        'checkpoint-mount': ckpt.dir,
        'checkpoint-mount-root': CKPT_ROOT,
        'checkpoint-mount-flush-timeout': '10s',
        'metadata-ttl': `${METADATA_TTL_MS}ms`,
        'backend-timeout': '20s',
        ...extra,
      },
    });

  before(async () => {
    const started = await startForSuite({}, fuseMissing());
    if (typeof started === 'string') {
      unavailable = started;
      return;
    }
    mfs = started;
    otherMnt = await mfs.mountAnother('mnt2');
    mkdirSync(join(mfs.mnt, 'data'), { recursive: true });
    d = await node1().start();
    // The other node: its own daemon on its own MooseFS mount, with its own checkpoint mount.
    other = await new TestDaemon({
      backendDir: otherMnt,
      flags: { 'checkpoint-mount': otherCkpt.dir, 'checkpoint-mount-root': CKPT_ROOT, 'metadata-ttl': `${METADATA_TTL_MS}ms` },
    }).start();
  });

  after(async () => {
    await d?.stop().catch(() => {});
    await other?.stop().catch(() => {});
    await d?.cleanup();
    await other?.cleanup();
    view.remove();
    ckpt.remove();
    otherCkpt.remove();
    rmSync(stateDir, { recursive: true, force: true });
    await mfs?.stop();
  });

  const ready = (t: TestContext): TestDaemon | undefined => {
    if (!d) t.skip(`MooseFS or FUSE unavailable: ${unavailable}`);
    return d;
  };

  it('real programs read MooseFS through the POSIX mount byte for byte, and MooseFS is read once', async (t) => {
    const dm = ready(t);
    if (!dm) return;
    const files = new Map<string, Buffer>();
    mkdirSync(join(mfs!.mnt, 'data/view/sub'), { recursive: true });
    files.set('data/view/big.bin', pseudoRandomBytes(5 * MiB + 777, 11));
    for (let i = 0; i < 12; i++) files.set(`data/view/${i % 4 === 0 ? 'sub/' : ''}s${i}.bin`, pseudoRandomBytes(100 * 1024 + i * 313, 20 + i));
    for (const [p, b] of files) writeFileSync(join(mfs!.mnt, p), b);
    await settle();
    const total = [...files.values()].reduce((n, b) => n + b.length, 0);
    const paths = [...files.keys()];

    const listed = await run('find', [join(view.dir, 'data/view'), '-type', 'f']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      listed.stdout.toString().trim().split('\n').map((l) => l.slice(view.dir.length + 1)).sort(),
      [...paths].sort(),
      'find lists what MooseFS holds',
    );
    const before = await backendBytesRead(dm);
    assert.deepEqual(await sha256sum(paths.map((p) => join(view.dir, p))), paths.map((p) => sha(files.get(p)!)), 'first read');
    assert.equal(await backendBytesRead(dm) - before, total, 'each byte read from MooseFS once');
    // Again, and memory-mapped (what Arrow and numpy.memmap do): the cache answers, MooseFS is not read.
    assert.deepEqual(await sha256sum(paths.map((p) => join(view.dir, p))), paths.map((p) => sha(files.get(p)!)), 'second read');
    const mapped = await python(
      `import hashlib, mmap, sys
with open(sys.argv[1], 'rb') as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
    print(hashlib.sha256(m).hexdigest())`,
      [join(view.dir, 'data/view/big.bin')],
    );
    assert.equal(mapped.trim(), sha(files.get('data/view/big.bin')!), 'mmap');
    assert.equal(await backendBytesRead(dm) - before, total, 'no second read of MooseFS');
  });

  for (const how of ['replaced by rename', 'overwritten in place'] as const) {
    it(`a file ${how} through another node's mount is seen through the POSIX mount within the metadata TTL, never mixed`, async (t) => {
      if (!ready(t)) return;
      const name = `data/view-rewrite-${how.split(' ')[0]}.bin`;
      const v1 = pseudoRandomBytes(2 * MiB, 400);
      // In place the size differs: MooseFS keeps mtime in whole seconds (see moosefs.test.ts).
      const v2 = pseudoRandomBytes(how === 'overwritten in place' ? 2 * MiB + 29 : 2 * MiB, 500);
      writeFileSync(join(mfs!.mnt, name), v1);
      await settle();
      const viewed = join(view.dir, name);
      assert.deepEqual(await sha256sum([viewed]), [sha(v1)], 'first version through the mount, now cached');
      if (how === 'replaced by rename') {
        writeFileSync(join(otherMnt, `${name}.tmp`), v2);
        renameSync(join(otherMnt, `${name}.tmp`), join(otherMnt, name));
      } else {
        writeFileSync(join(otherMnt, name), v2);
      }
      const changedAt = Date.now();
      let reads = 0;
      let refused = 0;
      while (Date.now() - changedAt < METADATA_TTL_MS + MFS_ATTR_CACHE_MS + 500) {
        // cat, not sha256sum: its bytes say what a mix would be made of.
        const r = await run('cat', [viewed]);
        reads++;
        if (r.code !== 0) {
          // An open of the old version whose bytes are gone from the cache and the backend: a clear error, not a mix.
          assert.match(r.stderr, /Input\/output error/, `read ${reads}: ${r.stderr}`);
          refused++;
        } else {
          const b = r.stdout;
          assert.ok(b.equals(v1) || b.equals(v2), `read ${reads} at ${Date.now() - changedAt} ms: all old or all new bytes (${b.length} bytes: ${mixOf(b, v1, v2)})`);
        }
        await sleep(50);
      }
      assert.deepEqual(await sha256sum([viewed]), [sha(v2)], 'the new version after the TTLs, page cache included');
      assert.equal(statSync(viewed).size, v2.length, 'and its size');
      t.diagnostic(`${reads} reads through the mount while the TTLs ran, ${refused} refused with EIO`);
    });
  }

  it('checkpoints written by dd and by write-then-rename reach MooseFS whole; the other node reads them through its checkpoint mount', async (t) => {
    const dm = ready(t);
    if (!dm) return;
    const src = join(dm.dir, 'step-100.src');
    const model = pseudoRandomBytes(24 * MiB + 5, 600);
    writeFileSync(src, model);
    mkdirSync(join(ckpt.dir, 'job'));
    const dd = await run('dd', [`if=${src}`, `of=${join(ckpt.dir, 'job/step-100.pt')}`, 'bs=1M', 'conv=fsync', 'status=none']);
    assert.equal(dd.code, 0, dd.stderr);
    // Lightning's last.ckpt: a temporary name renamed over the last file, twice.
    const last = [pseudoRandomBytes(3 * MiB, 601), pseudoRandomBytes(3 * MiB + 1, 602)];
    for (const [i, b] of last.entries()) {
      writeFileSync(join(dm.dir, `last-${i}.src`), b);
      await python(
        `import os, shutil, sys
tmp = os.path.join(sys.argv[2], 'last.ckpt.tmp_end.ckpt')
shutil.copyfile(sys.argv[1], tmp)
os.replace(tmp, os.path.join(sys.argv[2], 'last.ckpt'))`,
        [join(dm.dir, `last-${i}.src`), join(ckpt.dir, 'job')],
      );
    }
    await checkpointWait(dm);
    // On MooseFS, seen from the other node's mount: the files whole, no upload temporaries.
    const onMfs = join(otherMnt, CKPT_ROOT, 'job');
    assert.deepEqual(filesUnder(onMfs), ['last.ckpt', 'step-100.pt']);
    assert.equal(sha(readFileSync(join(onMfs, 'step-100.pt'))), sha(model));
    assert.equal(sha(readFileSync(join(onMfs, 'last.ckpt'))), sha(last[1]!));
    // The other node's daemon serves them through its own checkpoint mount (from MooseFS, through its cache).
    await eventually(async () => (await run('ls', [join(otherCkpt.dir, 'job')])).stdout.toString().includes('step-100.pt'), 10_000, 'the other node lists the checkpoint');
    assert.deepEqual(await sha256sum([join(otherCkpt.dir, 'job/step-100.pt'), join(otherCkpt.dir, 'job/last.ckpt')]), [sha(model), sha(last[1]!)]);
  });

  it('kill -9 while a checkpoint is persisted: MooseFS never holds it partial, and the restarted daemon finishes it', async (t) => {
    if (!ready(t)) return;
    // A slow backend (16 MiB/s) keeps the persist in flight when the kill comes.
    await d!.stop();
    d = await node1().start(['--emulate-backend-bandwidth=16MiB']);
    const data = pseudoRandomBytes(32 * MiB + 3, 700);
    const src = join(d.dir, 'crash.src');
    writeFileSync(src, data);
    mkdirSync(join(ckpt.dir, 'crash'));
    const dd = await run('dd', [`if=${src}`, `of=${join(ckpt.dir, 'crash/step-9.pt')}`, 'bs=1M', 'conv=fsync', 'status=none']);
    assert.equal(dd.code, 0, dd.stderr);
    await sleep(300); // the persist has started
    await d.kill();
    const onMfs = join(mfs!.mnt, CKPT_ROOT, 'crash');
    const final = join(onMfs, 'step-9.pt');
    assert.ok(!existsSync(final) || sha(readFileSync(final)) === sha(data), 'after the kill: whole or absent');
    d = await node1().start();
    assert.ok(isMounted(ckpt.dir) && isMounted(view.dir), 'both mounts are back on the same paths');
    await checkpointWait(d);
    assert.equal(sha(readFileSync(final)), sha(data), 'persisted whole after the restart');
    assert.deepEqual(filesUnder(onMfs), ['step-9.pt'], 'no upload temporaries left on MooseFS');
    // Read back on this node through its checkpoint mount (its SSD copy) and through the POSIX view (MooseFS).
    assert.deepEqual(
      await sha256sum([join(ckpt.dir, 'crash/step-9.pt'), join(view.dir, CKPT_ROOT, 'crash/step-9.pt')]),
      [sha(data), sha(data)],
    );
  });
});

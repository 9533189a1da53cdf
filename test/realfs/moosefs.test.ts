// The daemon in front of a real distributed filesystem: MooseFS (master,
// chunkserver, FUSE mounts) started for this file. Byte-exact ranges and
// streams, a file rewritten through another node's mount, the backend read
// block by block while another node keeps rewriting the file (each block's
// fstat before and after the read is what keeps versions from mixing),
// checkpoints that another node's daemon loads, and warm-up of a prefix.
//
// Under CI=true a MooseFS that cannot start fails the suite; elsewhere it
// is skipped with the reason.

import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon, pseudoRandomBytes } from '../helpers/daemon';
import { startForSuite, type MooseFs } from '../helpers/moosefs';
import type { TiercacheClient } from '../../src/client/client';
import { readCheckpoint } from '../../src/client/checkpoints';
import { PosixBackend } from '../../src/backend/posix-backend';
import { ErrorCodes, hasCode } from '../../src/errors';
import { nativeIo } from '../../src/native/native-io';

const MiB = 1024 * 1024;
const METADATA_TTL_MS = 1000;
/** mfsmount's own attribute cache (mfsattrcacheto, default 1 s) comes on top of the daemon's TTL. */
const MFS_ATTR_CACHE_MS = 1000;

interface BackendStats {
  backend_bytes_read: number;
}

describe('tiercache over MooseFS', () => {
  let mfs: MooseFs | undefined;
  let unavailable = '';
  let otherMnt = '';
  let d: TestDaemon | undefined;
  let c: TiercacheClient | undefined;

  before(async () => {
    const started = await startForSuite();
    if (typeof started === 'string') {
      unavailable = started;
      return;
    }
    mfs = started;
    otherMnt = await mfs.mountAnother('mnt2');
    mkdirSync(join(mfs.mnt, 'data'), { recursive: true });
    d = new TestDaemon({
      backendDir: mfs.mnt,
      flags: { 'metadata-ttl': `${METADATA_TTL_MS}ms`, 'backend-timeout': '20s' },
    });
    await d.start();
    c = d.client();
  });

  after(async () => {
    c?.close();
    await d?.stop();
    await d?.cleanup();
    await mfs?.stop();
  });

  const ready = (t: TestContext): TiercacheClient | undefined => {
    if (!c) t.skip(`MooseFS unavailable: ${unavailable}`);
    return c;
  };

  it('serves random ranges and streams byte for byte from a file on the MooseFS mount', async (t) => {
    const cl = ready(t);
    if (!cl) return;
    const data = pseudoRandomBytes(5 * MiB + 4321, 7);
    writeFileSync(join(mfs!.mnt, 'data/ranges.bin'), data);
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 40; i++) {
      const offset = rnd(data.length);
      const length = 1 + rnd(Math.min(3 * MiB, data.length - offset));
      const got = await cl.read('data/ranges.bin', offset, length);
      assert.ok(got.equals(data.subarray(offset, offset + length)), `range ${offset}+${length}`);
    }
    const streamed: Buffer[] = [];
    for await (const chunk of cl.createReadStream('data/ranges.bin')) streamed.push(chunk as Buffer);
    assert.ok(Buffer.concat(streamed).equals(data), 'whole-file stream');
    const tail: Buffer[] = [];
    for await (const chunk of cl.createReadStream('data/ranges.bin', { offset: 3 * MiB - 5, length: 2 * MiB })) {
      tail.push(chunk as Buffer);
    }
    assert.ok(Buffer.concat(tail).equals(data.subarray(3 * MiB - 5, 5 * MiB - 5)), 'ranged stream across blocks');
  });

  for (const how of ['replaced by rename', 'overwritten in place'] as const) {
    it(`sees a file ${how} through another node's mount within the metadata TTL, never a mix of versions`, async (t) => {
      const cl = ready(t);
      if (!cl) return;
      const name = `data/rewrite-${how.split(' ')[0]}.bin`;
      const v1 = pseudoRandomBytes(3 * MiB, 100);
      // In place, the new version differs in size: MooseFS keeps mtime in whole seconds, so a
      // same-size overwrite within the same second would be indistinguishable by (size, mtime, inode).
      const v2 = pseudoRandomBytes(how === 'overwritten in place' ? 3 * MiB + 17 : 3 * MiB, 200);
      writeFileSync(join(mfs!.mnt, name), v1);
      assert.ok((await cl.read(name)).equals(v1), 'first version, now cached');
      if (how === 'replaced by rename') {
        writeFileSync(join(otherMnt, `${name}.tmp`), v2);
        renameSync(join(otherMnt, `${name}.tmp`), join(otherMnt, name));
      } else {
        writeFileSync(join(otherMnt, name), v2);
      }
      const changedAt = Date.now();
      // Until the TTLs run out the old version may be served, but each read is one whole version.
      while (Date.now() - changedAt < METADATA_TTL_MS + MFS_ATTR_CACHE_MS + 500) {
        const got = await cl.read(name);
        assert.ok(got.equals(v1) || got.equals(v2), 'a read is all old or all new bytes');
        await sleep(100);
      }
      assert.ok((await cl.read(name)).equals(v2), 'new version after the metadata TTL');
      const streamed: Buffer[] = [];
      for await (const chunk of cl.createReadStream(name)) streamed.push(chunk as Buffer);
      assert.ok(Buffer.concat(streamed).equals(v2), 'streams give the new version too');
    });
  }

  for (const m of [
    { name: 'native', io: undefined, skip: nativeIo() ? false : 'the addon is not built' },
    { name: 'fs', io: null, skip: false },
  ] as const) {
    it(`${m.name} I/O: the backend never hands out a mix of versions of a file another node keeps rewriting, growing and shrinking`, { skip: m.skip }, async (t) => {
      if (!ready(t)) return;
      const name = `data/churn-${m.name}.bin`;
      // Version k is sizeOf(k) bytes of the value k: a mix shows as two values, a cut as a wrong length.
      const sizeOf = (k: number) => 300 * 1024 + (k % 2 === 0 ? k : -k) * 2003;
      const versionBytes = (k: number) => Buffer.alloc(sizeOf(k), k);
      writeFileSync(join(otherMnt, name), versionBytes(0));
      const backend = new PosixBackend(mfs!.mnt, { io: m.io });
      let k = 0;
      let writing = true;
      const writer = (async () => {
        while (writing && k < 60) {
          await sleep(15);
          k++;
          writeFileSync(join(otherMnt, name), versionBytes(k));
        }
      })();
      let whole = 0;
      let refused = 0;
      const deadline = Date.now() + 2500;
      try {
        while (Date.now() < deadline) {
          // Block by block at the version of one stat, as the cache fetches them.
          const { size, version } = await backend.stat(name);
          const parts: Buffer[] = [];
          try {
            for (let off = 0; off < size; off += 64 * 1024) parts.push(await backend.read(name, off, 64 * 1024, version));
          } catch (err) {
            assert.ok(hasCode(err, ErrorCodes.FILE_CHANGED), `refused as FILE_CHANGED, not ${String(err)}`);
            refused++;
            continue;
          }
          const got = Buffer.concat(parts);
          if (got.length === 0) continue; // caught between the other node's truncate and its write
          const value = got[0]!;
          assert.ok(got.every((b) => b === value), `one version's bytes only (first ${value}, size ${got.length})`);
          // All of what the stat said; a version caught mid-write by the other node is a prefix of it, never longer.
          assert.equal(got.length, size, `the whole of the version stat gave (value ${value})`);
          assert.ok(size <= sizeOf(value), `no more than version ${value} holds (${size} bytes)`);
          whole++;
        }
      } finally {
        writing = false;
        await writer;
      }
      t.diagnostic(`${whole} whole versions read, ${refused} refused as changed, ${k} versions written`);
      assert.ok(whole > 0, `whole versions were read (${whole} whole, ${refused} refused)`);
      assert.equal(backend.counters.errors, 0);
    });
  }

  it('persists checkpoints to MooseFS; a daemon on another node loads the latest', async (t) => {
    const cl = ready(t);
    if (!cl) return;
    await cl.checkpoints.save('mfs-job', pseudoRandomBytes(2 * MiB, 1), { step: 1, sync: true });
    const data = pseudoRandomBytes(9 * MiB + 3, 2);
    const latest = await cl.checkpoints.save('mfs-job', data, { step: 2, sync: true });
    assert.equal(latest.state, 'PERSISTED');
    const other = new TestDaemon({ backendDir: otherMnt });
    try {
      await other.start();
      const oc = other.client();
      try {
        const list = await oc.checkpoints.list('mfs-job');
        assert.deepEqual(
          list.map((x) => x.step),
          [2, 1],
          'both checkpoints are visible from the other node',
        );
        const got = await readCheckpoint(oc.checkpoints.loadLatest('mfs-job'));
        assert.equal(got.info.id, latest.id);
        assert.ok(got.data.equals(data), 'bytes equal');
      } finally {
        oc.close();
      }
    } finally {
      await other.cleanup();
    }
  });

  it('warms a prefix up so that reading it afterwards does not touch MooseFS', async (t) => {
    const cl = ready(t);
    if (!cl) return;
    const files = new Map<string, Buffer>();
    mkdirSync(join(mfs!.mnt, 'data/warm/sub'), { recursive: true });
    for (let i = 0; i < 24; i++) {
      const p = `data/warm/${i % 3 === 0 ? 'sub/' : ''}f${i}.bin`;
      const b = pseudoRandomBytes(100 * 1024 + i * 997, 300 + i);
      writeFileSync(join(mfs!.mnt, p), b);
      files.set(p, b);
    }
    let last: { files_done: number; files_total: number; done: boolean } | undefined;
    for await (const p of cl.warmup('data/warm')) last = p;
    assert.ok(last?.done, 'warm-up finished');
    assert.equal(last.files_total, files.size);
    assert.equal(last.files_done, files.size);
    const before = (await cl.stats('all')) as unknown as BackendStats;
    for (const [p, b] of files) assert.ok((await cl.read(p)).equals(b), p);
    const afterStats = (await cl.stats('all')) as unknown as BackendStats;
    assert.equal(afterStats.backend_bytes_read - before.backend_bytes_read, 0, 'no backend bytes read after warm-up');
  });
});

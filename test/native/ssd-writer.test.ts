// The SSD tier's writer thread (src/native/ssd-writer.c): a thread of its own
// named tc-ssd-writer, at the priority asked for (the kernel's view of it, in
// /proc, not the addon's word); writes land whole with the CRC-32C of their
// bytes, in order; an existing file is never touched; close() finishes what
// it is writing and cancels the rest, leaving no partial file behind.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c } from '../../src/cache/ssd-checksum';
import { nativeIo } from '../../src/native/native-io';
import { pseudoRandomBytes } from '../helpers/daemon';

const io = nativeIo();
const SCHED_IDLE = 5;

/** The kernel's scheduling policy and nice value of one thread of this process. */
function schedOf(tid: number): { comm: string; policy: number; nice: number } {
  const st = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = st.slice(st.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state is 3, nice 19, policy 41 (proc(5)).
  return { comm: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), nice: Number(fields[19 - 3]), policy: Number(fields[41 - 3]) };
}

describe('the SSD writer thread', { skip: io ? false : 'the addon is not built (no C compiler at npm install)' }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'tc-ssd-writer-'));
    dirs.push(d);
    return d;
  };

  it('runs on its own thread at the priority asked for: SCHED_IDLE, nice 19, or unchanged', () => {
    for (const [priority, policy, nice] of [
      ['idle', SCHED_IDLE, 0],
      ['nice', 0, 19],
      ['normal', 0, 0],
    ] as const) {
      const w = io!.newSsdWriter(priority);
      try {
        assert.equal(w.priority, priority);
        assert.notEqual(w.tid, process.pid, 'not the JS thread');
        assert.deepEqual(schedOf(w.tid), { comm: 'tc-ssd-writer', policy, nice }, priority);
      } finally {
        w.close();
      }
    }
    assert.throws(() => io!.newSsdWriter('fast' as never), /priority must be "idle", "nice" or "normal"/);
  });

  it('writes every block whole with its CRC-32C, never touches an existing file, and says why a write failed', async () => {
    const dir = tmp();
    const w = io!.newSsdWriter('idle');
    try {
      const blocks = Array.from({ length: 64 }, (_, i) => pseudoRandomBytes(1000 + i * 4099, 70 + i));
      const crcs = await Promise.all(blocks.map((b, i) => w.write(join(dir, `b${i}`), b)));
      blocks.forEach((b, i) => {
        assert.equal(crcs[i], crc32c(b));
        assert.ok(readFileSync(join(dir, `b${i}`)).equals(b));
      });
      writeFileSync(join(dir, 'taken'), 'keep');
      await assert.rejects(w.write(join(dir, 'taken'), blocks[0]!), (err: NodeJS.ErrnoException) => err.code === 'EEXIST' && err.syscall === 'open' && err.path === join(dir, 'taken'));
      assert.equal(readFileSync(join(dir, 'taken'), 'utf8'), 'keep');
      await assert.rejects(w.write(join(dir, 'no-dir', 'b'), blocks[0]!), { code: 'ENOENT' });
    } finally {
      w.close();
    }
  });

  it('close() finishes the write it is doing and cancels the queued ones: each file is whole or absent', async () => {
    const dir = tmp();
    const w = io!.newSsdWriter('normal');
    const block = pseudoRandomBytes(1024 * 1024, 80);
    const writes = Array.from({ length: 32 }, (_, i) => w.write(join(dir, `b${i}`), block).then(() => 'written', (err: NodeJS.ErrnoException) => err.code));
    w.close();
    assert.throws(() => w.write(join(dir, 'late'), block), { code: 'ERR_SSD_WRITER_CLOSED' });
    const outcomes = await Promise.all(writes);
    assert.ok(outcomes.includes('ECANCELED'), `queued writes are cancelled (${outcomes.join(' ')})`);
    outcomes.forEach((o, i) => {
      const f = join(dir, `b${i}`);
      if (o === 'written') assert.equal(statSync(f).size, block.length);
      else {
        assert.equal(o, 'ECANCELED');
        assert.equal(existsSync(f), false);
      }
    });
  });
});

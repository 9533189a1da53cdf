// One job's explicit Prefetch of something huge (a 1 TiB sparse file) must
// not empty the cache of what other jobs read: what one job prefetched and
// has not read is bounded to prefetch-max-share of the memory tier; beyond
// it the request is cut, and the answer says so. The share comes back as the
// job reads what it prefetched. A warm-up is under the same share and is cut
// the same way.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, eventually, pseudoRandomBytes, runCli } from '../helpers/daemon';
import type { TiercacheClient } from '../../src/client/client';

const MiB = 1024 * 1024;
const HOT = pseudoRandomBytes(16 * MiB, 21);
/** prefetch-max-share 0.25 of a 20 MiB memory tier: 5 blocks of 1 MiB. */
const SHARE_BLOCKS = 5;

describe('fair prefetch', () => {
  const d = new TestDaemon({
    flags: { 'memory-cache-size': '20MiB', 'ssd-cache-size': '0', 'block-size': '1MiB', 'prefetch-max-share': '0.25' },
  });
  let victim: TiercacheClient;
  let attacker: TiercacheClient;
  before(async () => {
    writeFileSync(join(d.backendDir, 'hot.bin'), HOT);
    const fd = openSync(join(d.backendDir, 'huge.bin'), 'w');
    ftruncateSync(fd, 1024 * 1024 * MiB); // 1 TiB, sparse
    closeSync(fd);
    mkdirSync(join(d.backendDir, 'warm'));
    for (let i = 0; i < 3; i++) writeFileSync(join(d.backendDir, 'warm', `w${i}.bin`), pseudoRandomBytes(4 * MiB, 30 + i));
    await d.start();
    victim = d.client('victim');
    attacker = d.client('attacker');
  });
  after(async () => {
    victim?.close();
    attacker?.close();
    await d.cleanup();
  });

  const memEvictions = async (): Promise<number> => Number((await victim.stats('memory')).memory!.evictions);
  const prefetchIdle = async (): Promise<boolean> => {
    const p = (await victim.stats()).prefetch!;
    return Number(p.queue_depth) === 0 && Number(p.inflight_bytes) === 0;
  };

  it('cuts a 1 TiB prefetch to the job\'s share, says so, and leaves the others\' hot blocks', async () => {
    assert.ok((await victim.read('hot.bin')).equals(HOT));
    assert.ok((await victim.read('hot.bin')).equals(HOT));
    const evictionsBefore = await memEvictions();

    const r = await attacker.prefetch(['huge.bin']);
    assert.equal(Number(r.blocks_queued), SHARE_BLOCKS);
    assert.equal(Number(r.blocks_cut), 1024 * 1024 - SHARE_BLOCKS);
    assert.match(r.message, /^cut: 1048571 blocks not prefetched, .*\(its share: 5.00 MiB, prefetch-max-share of the memory tier\)/);
    await eventually(prefetchIdle, 10_000, 'the prefetch to finish');
    // Asking again before reading any of it gets nothing more.
    const again = await attacker.prefetch(['huge.bin']);
    assert.equal(Number(again.blocks_queued), 0);
    assert.ok(Number(again.blocks_cut) > 0);
    assert.equal(Number((await victim.stats()).prefetch!.cut_blocks), Number(r.blocks_cut) + Number(again.blocks_cut));

    // The attack pushed at most its share of the victim's blocks out of memory, and the victim still reads its file.
    const pushedOut = (await memEvictions()) - evictionsBefore;
    assert.ok(pushedOut <= SHARE_BLOCKS, `${pushedOut} of the victim's blocks were pushed out`);
    assert.ok((await victim.read('hot.bin')).equals(HOT));
    assert.match(d.stderr, /prefetch cut to the job's fair share/);
  });

  it('gives the share back as the job reads what it prefetched', async () => {
    // Read what was prefetched (the first blocks of huge.bin): the share is free again.
    assert.equal((await attacker.read('huge.bin', 0, SHARE_BLOCKS * MiB)).length, SHARE_BLOCKS * MiB);
    const r = await attacker.prefetch([{ path: 'huge.bin', offset: SHARE_BLOCKS * MiB, length: 2 * MiB }]);
    assert.equal(Number(r.blocks_queued), 2);
    assert.equal(Number(r.blocks_cut), 0);
    assert.equal(r.message, '');
  });

  it('cuts a warm-up larger than the job\'s share the same way, and counts every cut in cache stats', async () => {
    const warmer = d.client('warmer');
    try {
      assert.ok((await victim.read('hot.bin')).equals(HOT));
      const evictionsBefore = await memEvictions();
      const progress = [];
      for await (const p of warmer.warmup('warm')) progress.push(p);
      const last = progress.at(-1)!;
      assert.equal(last.done, true);
      // 12 blocks of 1 MiB asked for, the share is 5: 7 cut, said as Prefetch says it.
      assert.equal(Number(last.blocks_cut), 12 - SHARE_BLOCKS);
      assert.match(last.message, /^cut: 7 blocks not prefetched, .*\(its share: 5.00 MiB, prefetch-max-share of the memory tier\)/);
      assert.equal(Number(last.bytes_done), SHARE_BLOCKS * MiB);
      assert.equal(Number(last.files_total), 1, 'one whole file warmed, the second cut short');
      // The first message already says so (the CLI prints it before the bar).
      assert.equal(Number(progress[0]!.blocks_cut), 12 - SHARE_BLOCKS);
      const pushedOut = (await memEvictions()) - evictionsBefore;
      assert.ok(pushedOut <= SHARE_BLOCKS, `${pushedOut} of the victim's blocks were pushed out`);
      assert.ok((await victim.read('hot.bin')).equals(HOT));
      // What was warmed is cached and reads back byte for byte.
      assert.ok((await warmer.read('warm/w0.bin')).equals(pseudoRandomBytes(4 * MiB, 30)));

      const s = await victim.stats();
      assert.equal(Number(s.limits!.fair_share_cuts), 3, 'two cut prefetches and one cut warm-up');
      const r = await runCli(['cache', 'stats', `--socket=${d.socket}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.toString(), /limits: .*; 3 prefetches cut to fair share/);
      assert.match(r.stdout.toString(), new RegExp(`${s.prefetch!.cut_blocks} cut to fair share`));
    } finally {
      warmer.close();
    }
  });
});

// One job's explicit Prefetch of something huge (a 1 TiB sparse file) must
// not empty the cache of what other jobs read: what one job prefetched and
// has not read is bounded to prefetch-max-share of the memory tier; beyond
// it the request is cut, and the answer says so. The share comes back as the
// job reads what it prefetched.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, eventually, pseudoRandomBytes } from '../helpers/daemon';
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
});

// The backend going away for real: the MooseFS master is stopped under a
// running daemon. Calls into the FUSE mount then block in the kernel until
// the master is back (minutes), so this is what --backend-timeout is for:
// reads that need the backend fail UNAVAILABLE with a message saying so,
// within the timeout (the client's own deadline is well above it, so a hang
// would show as DEADLINE_EXCEEDED instead); cached files are still served,
// also from the SSD tier, whose I/O shares the threadpool that hung backend
// calls sit in; and once the master is back, reads reach MooseFS again.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon, eventually, failure, pseudoRandomBytes } from '../helpers/daemon';
import { startForSuite, type MooseFs } from '../helpers/moosefs';
import { TiercacheClient } from '../../src/client/client';

const KiB = 1024;
const BACKEND_TIMEOUT_MS = 1500;
const METADATA_TTL_MS = 500;
/** Far above the backend timeout: a call that hung would fail DEADLINE_EXCEEDED, not UNAVAILABLE. */
const CLIENT_DEADLINE_MS = 15_000;
const CACHED_FILES = 8;
/** More uncached reads at once than the daemon has threadpool threads (backend-max-inflight 4 + 8). */
const UNCACHED_AT_ONCE = 24;

describe('tiercache when the MooseFS master stops', () => {
  let mfs: MooseFs | undefined;
  let unavailable = '';
  let d: TestDaemon | undefined;
  let c: TiercacheClient | undefined;
  const files = new Map<string, Buffer>();

  before(async () => {
    const started = await startForSuite();
    if (typeof started === 'string') {
      unavailable = started;
      return;
    }
    mfs = started;
    mkdirSync(join(mfs.mnt, 'data/cold'), { recursive: true });
    for (let i = 0; i < CACHED_FILES; i++) {
      const p = `data/hot-${i}.bin`;
      files.set(p, pseudoRandomBytes(200 * KiB + i, 40 + i));
      writeFileSync(join(mfs.mnt, p), files.get(p)!);
    }
    for (let i = 0; i < UNCACHED_AT_ONCE; i++) writeFileSync(join(mfs.mnt, `data/cold/c${i}.bin`), pseudoRandomBytes(64 * KiB, i));
    writeFileSync(join(mfs.mnt, 'data/after.bin'), pseudoRandomBytes(300 * KiB, 99));
    d = new TestDaemon({
      backendDir: mfs.mnt,
      flags: {
        'backend-timeout': `${BACKEND_TIMEOUT_MS}ms`,
        'backend-max-inflight': '4',
        'metadata-ttl': `${METADATA_TTL_MS}ms`,
        // No memory tier: cached reads come from the SSD tier, through the threadpool.
        'memory-cache-size': '0',
        watch: 'false',
      },
    });
    await d.start();
    c = new TiercacheClient({ socket: d.socket, timeoutMs: CLIENT_DEADLINE_MS });
  });

  after(async () => {
    c?.close();
    // The master may still be down if a test failed: restart it so the daemon's hung calls end.
    if (mfs?.masterStopped && d?.alive) await mfs.startMaster().catch(() => {});
    await d?.stop();
    await d?.cleanup();
    await mfs?.stop();
  });

  it('fails reads that need MooseFS with UNAVAILABLE, serves cached files, and recovers', async (t) => {
    if (!c || !mfs) return t.skip(`MooseFS unavailable: ${unavailable}`);
    for (const [p, b] of files) assert.ok((await c.read(p)).equals(b), `${p} read and cached`);

    await mfs.stopMaster();
    await sleep(METADATA_TTL_MS + 100); // every cached version is due for a re-check now

    const uncached = await Promise.all(
      Array.from({ length: UNCACHED_AT_ONCE }, (_, i) => failure(c!.read(`data/cold/c${i}.bin`))),
    );
    for (const f of uncached) {
      assert.equal(f.code, 'UNAVAILABLE', f.message);
      assert.match(f.message, /backend (did not answer within 1500 ms|is not answering)/);
    }
    // The threadpool is not starved: every cached file comes back from the SSD tier, twice.
    for (let round = 0; round < 2; round++) {
      for (const [p, b] of files) assert.ok((await c.read(p)).equals(b), `${p} served from cache while the master is down`);
    }
    const stat = (await c.stats('all')) as unknown as { backend_errors: number };
    assert.ok(stat.backend_errors >= UNCACHED_AT_ONCE, 'failed backend calls are counted');
    assert.match(d!.stderr, /backend not answering/, 'the outage is logged');

    await mfs.startMaster();
    const want = pseudoRandomBytes(300 * KiB, 99);
    await eventually(
      async () => {
        try {
          return (await c!.read('data/after.bin')).equals(want);
        } catch {
          return false;
        }
      },
      60_000,
      'a read that needs MooseFS to succeed after the master is back',
    );
    assert.ok((await c.read('data/cold/c3.bin')).equals(pseudoRandomBytes(64 * KiB, 3)), 'other files too');
    assert.match(d!.stderr, /backend answering again/);
  });
});

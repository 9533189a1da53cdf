// The I/O watchdog, driven by hand: a probe that has not finished after
// stuckMs means every I/O thread is busy, and the daemon is told once; it is
// told again once a probe finishes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IoWatchdog } from '../../src/server/io-watchdog';

describe('IoWatchdog', () => {
  it('reports stuck once a probe waits past stuckMs, and recovered when it finishes', async () => {
    let now = 0;
    let finish: (() => void) | undefined;
    let probes = 0;
    const changes: Array<[boolean, number]> = [];
    const w = new IoWatchdog({
      probe: () => {
        probes++;
        return new Promise<void>((r) => (finish = r));
      },
      stuckMs: 1_000,
      intervalMs: 250,
      onChange: (stuck, waited) => changes.push([stuck, waited]),
      now: () => now,
    });
    w.tick(); // probe 1 starts at 0
    now = 999;
    w.tick();
    assert.deepEqual(changes, []);
    now = 1_000;
    w.tick();
    assert.deepEqual(changes, [[true, 1_000]]);
    assert.equal(w.isStuck, true);
    now = 5_000;
    w.tick(); // still the one probe, told once
    assert.equal(probes, 1);
    assert.equal(changes.length, 1);
    finish!();
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(changes, [[true, 1_000], [false, 5_000]]);
    assert.equal(w.isStuck, false);
    w.tick(); // the next probe
    assert.equal(probes, 2);
  });

  it('says nothing while probes finish in time, even slowly', async () => {
    let now = 0;
    const changes: boolean[] = [];
    const w = new IoWatchdog({
      probe: () => Promise.resolve(),
      stuckMs: 1_000,
      intervalMs: 250,
      onChange: (stuck) => changes.push(stuck),
      now: () => now,
    });
    for (let i = 0; i < 20; i++) {
      w.tick();
      await Promise.resolve();
      await Promise.resolve();
      now += 900;
    }
    assert.deepEqual(changes, []);
  });
});

// The backend watcher under the emulated backend (--emulate-backend-*): the
// emulation wraps the POSIX backend and changes its location label, and the
// watcher must still watch the real directory, so a file changed through
// this node is seen at once, not after metadata-ttl (an hour here).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, eventually } from '../helpers/daemon';
import type { TiercacheClient } from '../../src/client/client';

describe('backend watcher under the emulated backend', () => {
  const d = new TestDaemon({ flags: { 'metadata-ttl': '1h', watch: 'true' } });
  let c: TiercacheClient | undefined;
  before(async () => {
    writeFileSync(join(d.backendDir, 'w.txt'), 'aaaa');
    await d.start(['--emulate-backend-latency=1ms', '--emulate-backend-bandwidth=1GiB']);
    c = d.client();
  });
  after(async () => {
    c?.close();
    await d.cleanup();
  });

  it('invalidates a locally changed file at once, long before metadata-ttl', async () => {
    assert.equal((await c!.read('w.txt')).toString(), 'aaaa');
    // Written on every attempt: the first write may come before the watch is attached.
    await eventually(
      async () => {
        writeFileSync(join(d.backendDir, 'w.txt'), 'bbbbbb');
        return (await c!.read('w.txt')).toString() === 'bbbbbb';
      },
      10_000,
      'the change to be seen through the emulated backend',
    );
  });
});

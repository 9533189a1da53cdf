// One SSD budget for the real daemon's three tenants: cache blocks give way
// to a checkpoint staged through the mount (written by dd), which lands on
// the backend byte for byte without being written through; the blocks come
// back as the cache is read again.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, eventually, pseudoRandomBytes, runCli } from '../helpers/daemon';
import { fuseMissing, mountDir, requireFuse, run } from '../helpers/fuse';

const skip = fuseMissing() !== undefined && process.env['CI'] !== 'true';
const MiB = 2 ** 20;

describe('one SSD budget: cache blocks and the checkpoint mount', { skip }, () => {
  const mnt = mountDir('tc-ssdbudget-');
  const d = new TestDaemon({
    flags: {
      'ssd-cache-size': '8MiB',
      'memory-cache-size': '0',
      'block-size': '1MiB',
      'checkpoint-mount': mnt.dir,
      'checkpoint-mount-root': 'ckpt',
      'checkpoint-mount-flush-timeout': '10s',
    },
  });
  after(async () => {
    await d.stop().catch(() => {});
    await d.cleanup();
    mnt.remove();
  });

  it('staged checkpoint bytes push cache blocks out, least recently used first, and the file is staged, not written through', async (t) => {
    if (!requireFuse(t)) return;
    mkdirSync(join(d.backendDir, 'ds'));
    for (let i = 0; i < 6; i++) writeFileSync(join(d.backendDir, 'ds', `f${i}.bin`), pseudoRandomBytes(MiB, i + 1));
    await d.start();
    const c = d.client();
    try {
      for (let i = 0; i < 6; i++) await c.read(`ds/f${i}.bin`);
      const ssd = async () => {
        const s = (await c.stats('ssd')).ssd!;
        return { blocks: Number(s.blocks), used_bytes: Number(s.used_bytes), evictions: Number(s.evictions) };
      };
      await eventually(async () => (await ssd()).blocks === 6, 5000, 'six blocks on the SSD');
      // 6 MiB of blocks + 4 MiB staged do not fit in 8 MiB: two blocks give way.
      const r = await run('dd', ['if=/dev/urandom', `of=${mnt.dir}/step-1.pt`, 'bs=1M', 'count=4', 'conv=fsync', 'status=none']);
      assert.equal(r.code, 0, r.stderr);
      const s = await ssd();
      assert.equal(s.evictions, 2);
      assert.equal(s.used_bytes, 4 * MiB);
      const tenants = Object.fromEntries(((await c.stats('ssd')).ssd!.tenants ?? []).map((t) => [t.name, Number(t.used_bytes)]));
      assert.deepEqual(tenants, { 'cache-blocks': 4 * MiB, checkpoints: 0, 'checkpoint-mount': 4 * MiB }, 'one ledger, per tenant, in cache stats');
      const text = (await runCli(['cache', 'stats', '--socket', d.socket])).stdout.toString();
      assert.match(text, /ssd space: cache-blocks 4\.00 MiB, checkpoints 0 B, checkpoint-mount 4\.00 MiB of 8\.00 MiB/);
      const wait = await runCli(['checkpoint', 'wait', '--socket', d.socket, '--timeout', '60s']);
      assert.equal(wait.code, 0, wait.stderr);
      assert.ok(readFileSync(join(mnt.dir, 'step-1.pt')).equals(readFileSync(join(d.backendDir, 'ckpt/step-1.pt'))), 'on the backend byte for byte');
      const cm = JSON.parse((await runCli(['cache', 'stats', '--json', '--socket', d.socket])).stdout.toString())['checkpoint_mount'];
      assert.equal(Number(cm['write_through_files']), 0, 'staged on the SSD, not written through');
      // The least recently used blocks went: the first two files are read from the backend again, and fit again
      // (the persisted staged copy gives way to them).
      for (let i = 0; i < 6; i++) assert.ok((await c.read(`ds/f${i}.bin`)).equals(pseudoRandomBytes(MiB, i + 1)));
      await eventually(async () => (await ssd()).blocks === 6, 5000, 'the blocks back on the SSD');
    } finally {
      c.close();
    }
  });
});

// Checkpoint benchmarks (issue #4), all ratios against baselines measured in
// the same run:
//  1. blocking time of a save (phase 1, state LOCAL) vs writing the same bytes
//     straight to the emulated slow backend (target >= 5x faster);
//  2. the same save vs a plain local-disk write + fsync in this process
//     (target <= 1.3x);
//  3. restore from the local copy vs from the backend (a second node);
//  4. a kill -9 crash loop: torn checkpoints seen (target 0).
//
// Knobs (environment, bench only): BENCH_CHECKPOINT_MIB (default 256; the
// issue asks for 1 GiB: BENCH_CHECKPOINT_MIB=1024), BENCH_CHECKPOINT_KILLS
// (default 100), BENCH_CHECKPOINT_BACKEND_BW (default 200MiB per second),
// BENCH_CHECKPOINT_REPS (default 3, median taken).
//
// The slow backend: the daemon's --emulate-backend-latency/-bandwidth wrap
// the backend in ThrottledBackend, whose transfer() also paces the
// checkpoint persister's writes and backend loads. The direct-write baseline
// paces its writes through the same ThrottledBackend.emulatedDelay().

import { randomBytes, createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PosixBackend } from '../src/backend/posix-backend';
import { ThrottledBackend } from '../src/backend/throttled-backend';
import { TiercacheClientError } from '../src/client/errors';
import type { TiercacheClient } from '../src/client/client';
import type { CheckpointDownload } from '../src/client/types';
import type { BenchResult } from './types';

import { parseDuration, parseSize } from '../src/util/units';
import { TestDaemon, pseudoRandomBytes } from '../test/helpers/daemon';
import { envNum, median, settle } from './harness';

const MiB = 1024 * 1024;
const CHUNK = 4 * MiB;
const LATENCY = '5ms';

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

async function writeFileFsync(path: string, data: Buffer, pace?: (n: number) => Promise<void>): Promise<void> {
  const fh = await fsp.open(path, 'w');
  try {
    if (!pace) {
      // The plainest local write: one call for all the bytes, then fsync.
      await fh.writeFile(data);
    } else {
      for (let off = 0; off < data.length; off += CHUNK) {
        const part = data.subarray(off, off + CHUNK);
        await pace(part.length);
        await fh.write(part, 0, part.length, off);
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rm(path);
}

async function drainPersists(c: TiercacheClient): Promise<void> {
  for (;;) {
    const s = ((await c.stats('all')) as { checkpoints: { pending_persist: number } }).checkpoints;
    if (s.pending_persist === 0) return;
    await sleep(50);
  }
}

async function loadAll(c: TiercacheClient, job: string): Promise<number> {
  const { stream } = await c.checkpoints.loadLatest(job);
  let n = 0;
  for await (const b of stream) n += (b as Buffer).length;
  return n;
}

export async function run(): Promise<BenchResult[]> {
  const mib = envNum('BENCH_CHECKPOINT_MIB', 256);
  const kills = envNum('BENCH_CHECKPOINT_KILLS', 100);
  const reps = envNum('BENCH_CHECKPOINT_REPS', 5);
  const bwText = process.env['BENCH_CHECKPOINT_BACKEND_BW'] ?? '200MiB';
  const bandwidth = parseSize(bwText);
  const emulate = ['--emulate-backend-latency', LATENCY, '--emulate-backend-bandwidth', bwText];
  const size = mib * MiB;
  const data = randomBytes(size);
  const results: BenchResult[] = [];
  const root = mkdtempSync(join(tmpdir(), 'tc-bench-ckpt-'));
  const node1 = new TestDaemon({ dir: join(root, 'node1'), backendDir: join(root, 'backend'), flags: { 'max-checkpoints': '2' } });
  try {
    await node1.start(emulate);
    const c = node1.client();
    const slow = new ThrottledBackend(new PosixBackend(join(root, 'backend')), { latencyMs: parseDuration(LATENCY), bandwidth });
    const localFile = join(node1.stateDir, 'bench-local-write');
    const backendFile = join(root, 'backend', 'bench-direct-write');

    const saveT: number[] = [];
    const localT: number[] = [];
    const slowT: number[] = [];
    // Each timing starts from a settled disk (the previous write's deletion
    // and write-back done), and the order alternates, so neither side pays
    // for the other's leftovers.
    for (let i = 0; i < reps; i++) {
      const local = async () => {
        await settle();
        localT.push(await timed(() => writeFileFsync(localFile, data)));
      };
      const save = async () => {
        await settle();
        saveT.push(await timed(() => c.checkpoints.save('bench', data, { step: i })));
        await drainPersists(c);
      };
      if (i % 2 === 0) {
        await local();
        await save();
      } else {
        await save();
        await local();
      }
      await settle();
      slowT.push(await timed(() => writeFileFsync(backendFile, data, (n) => slow.emulatedDelay(n))));
    }
    const save = median(saveT);
    const note = `${mib} MiB, median of ${reps}; emulated backend ${bwText}/s + ${LATENCY}`;
    results.push({
      name: 'checkpoint save blocking vs direct write to slow backend',
      metric: 'seconds (ratio = baseline / value, higher is better)',
      value: save,
      baseline: median(slowT),
      ratio: median(slowT) / save,
      target: '>= 5',
      note,
    });
    results.push({
      name: 'checkpoint save blocking vs local disk write+fsync',
      metric: 'seconds (ratio = value / baseline, lower is better)',
      value: save,
      baseline: median(localT),
      ratio: save / median(localT),
      target: '<= 1.3',
      note,
    });

    // Restore: node1 has the local copy; node2 shares only the backend.
    const localR: number[] = [];
    const backendR: number[] = [];
    for (let i = 0; i < reps; i++) {
      localR.push(await timed(() => loadAll(c, 'bench')));
      const node2 = new TestDaemon({ dir: join(root, `node2-${i}`), backendDir: join(root, 'backend') });
      try {
        await node2.start(emulate);
        const c2 = node2.client();
        backendR.push(await timed(() => loadAll(c2, 'bench')));
        c2.close();
      } finally {
        await node2.stop();
        rmSync(node2.dir, { recursive: true, force: true });
      }
    }
    results.push({
      name: 'checkpoint restore from local copy vs from backend',
      metric: 'seconds (ratio = baseline / value, higher is better)',
      value: median(localR),
      baseline: median(backendR),
      ratio: median(backendR) / median(localR),
      note,
    });
    c.close();
    await node1.stop();

    const crash = await crashLoop(join(root, 'crash'), kills);
    results.push({
      name: 'checkpoint kill -9 loop: torn checkpoints seen',
      metric: 'torn checkpoints (ratio = torn / kills)',
      value: crash.torn,
      baseline: crash.kills,
      ratio: crash.torn / crash.kills,
      target: '0 torn',
      note: `${crash.kills} kills during saves and persists, ${crash.saves} saves acknowledged, ${crash.lostAcked} acknowledged saves lost, ${crash.checks} checkpoints verified`,
    });
  } finally {
    await node1.kill();
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

/** Small checkpoints, killed at random moments; every restart checks LoadLatest and List. */
async function crashLoop(dir: string, kills: number) {
  const job = 'crash';
  const payload = (step: number) => pseudoRandomBytes(1 + ((step * 7919) % (512 * 1024)), step);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  let seed = 4242;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  let step = 0;
  let acked = 0;
  let saves = 0;
  let torn = 0;
  let lostAcked = 0;
  let checks = 0;
  const isNotFound = (err: unknown) => err instanceof TiercacheClientError && err.codeName === 'NOT_FOUND';
  const intact = async (load: Promise<CheckpointDownload>): Promise<number> => {
    const { info, stream } = await load;
    const parts: Buffer[] = [];
    try {
      for await (const b of stream) parts.push(b as Buffer);
    } catch {
      torn++;
      return info.step;
    }
    const bytes = Buffer.concat(parts);
    checks++;
    if (sha(bytes) !== info.sha256 || !bytes.equals(payload(info.step))) torn++;
    return info.step;
  };
  let d: TestDaemon | undefined;
  try {
    for (let round = 0; round <= kills; round++) {
      d = new TestDaemon({ dir, flags: { 'max-checkpoints': '3' } });
      await d.start(['--emulate-backend-bandwidth', '16MiB']);
      const c = d.client();
      try {
        const latest = await intact(c.checkpoints.loadLatest(job));
        if (latest < acked) lostAcked++;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (acked > 0) lostAcked++;
      }
      for (const info of await c.checkpoints.list(job)) {
        try {
          await intact(c.checkpoints.load(job, info.id));
        } catch (err) {
          if (!isNotFound(err)) throw err; // deleted by retention in between
        }
      }
      if (round === kills) {
        c.close();
        await d.stop();
        break;
      }
      const saving = (async () => {
        for (;;) {
          const s = ++step;
          try {
            await c.checkpoints.save(job, payload(s), { step: s, sync: s % 3 === 0 });
          } catch {
            return;
          }
          acked = s;
          saves++;
        }
      })();
      await sleep(rand(200));
      await d.kill();
      await saving;
      c.close();
    }
  } finally {
    await d?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  return { kills, torn, lostAcked, saves, checks };
}

if (require.main === module) {
  run().then(
    (rs) => {
      for (const r of rs) console.log(JSON.stringify(r));
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

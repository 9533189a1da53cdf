// Where the CPU of a warm small-file epoch over gRPC goes: `node dist/bench/read-cpu.js`.
// A diagnostic, not a bench module: N files of 100 KB on a local directory,
// the daemon's memory tier filled by one ReadFiles epoch, then epochs of
// unary Read, of read() over a ReadSession and of one ReadFiles stream, one request in flight, each
// printing files/s, p50/p99 per file and the CPU milliseconds per file of
// the daemon and of this client (from /proc/<pid>/stat). No MooseFS: the
// daemon serves every file from memory, so this is the cost of the gRPC
// path alone, which the realfs warm rows measure against MooseFS's page cache.
//
// Environment:
//   N=2000                   files
//   EPOCHS=3                 epochs of each reader (the best files/s is kept)
//   READERS="Read Session ReadFiles" which readers (Session: read() over a ReadSession stream)
//   DAEMON_NODE_ARGS="..."   node flags for the daemon (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p")
// Profile the client with `node --cpu-prof dist/bench/read-cpu.js`. Run it under the heavy lock.

import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants as perf } from 'node:perf_hooks';
import { TiercacheClient } from '../src/client/client';
import { TestDaemon, envNum, now, percentile, readFilesTimed, shuffled, writeSamples } from './harness';

const CLOCK_TICKS = 100;

function ticks(pid: number | 'self'): { user: number; sys: number } {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]), sys: Number(f[12]) };
}

class ProfiledDaemon extends TestDaemon {
  override args(): string[] {
    return [...(process.env.DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean), ...super.args()];
  }
}

type Reader = (c: TiercacheClient, order: readonly string[], lat: number[]) => Promise<number>;

const unaryRead: Reader = async (c, order, lat) => {
  let bytes = 0;
  for (const p of order) {
    const s = now();
    bytes += (await c.read(p)).length;
    lat.push(now() - s);
  }
  return bytes;
};

const streamed: Reader = readFilesTimed;

async function main(): Promise<void> {
  const files = envNum('N', 2000);
  const epochs = envNum('EPOCHS', 3);
  const readers = (process.env.READERS ?? 'Read Session ReadFiles').split(' ').filter(Boolean);
  const d = new ProfiledDaemon({ flags: { 'block-size': '1MiB', 'memory-cache-size': '1GiB', 'metadata-ttl': '10m', watch: 'false' } });
  const paths = writeSamples(d.backendDir, 'train', 'n', files, 100 * 1024, 1);
  await d.start();
  const c = d.client('read-cpu');
  const sc = new TiercacheClient({ socket: d.socket, job: 'read-cpu', readSession: true });
  try {
    const order = shuffled(paths, 5678);
    await streamed(c, order, []);
    const pid = d.proc!.pid!;
    for (const name of readers) {
      const reader = name === 'ReadFiles' ? streamed : unaryRead;
      const client = name === 'Session' ? sc : c;
      let best: string | undefined;
      let bestRate = 0;
      for (let e = 0; e < epochs; e++) {
        const lat: number[] = [];
        const d0 = ticks(pid);
        const c0 = ticks('self');
        const gc = { minor: 0, major: 0, ms: 0 };
        const kinds = new Map<number, number>();
        const obs = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
            const fl = (e as unknown as { detail?: { flags?: number } }).detail?.flags ?? 0;
            kinds.set((kind ?? -1) * 1000 + fl, (kinds.get((kind ?? -1) * 1000 + fl) ?? 0) + 1);
            if (kind === perf.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
            else gc.major++;
            gc.ms += e.duration;
          }
        });
        obs.observe({ entryTypes: ['gc'] });
        const t0 = now();
        const us0 = process.hrtime.bigint() / 1000n;
        const bytes = await reader(client, order, lat);
        // CLOCK_MONOTONIC in µs, the clock of a --cpu-prof profile's sample times: profiles can be cut to the epochs.
        if (process.env.WINDOWS) console.log(`  window ${us0} ${process.hrtime.bigint() / 1000n}`);
        const secs = (now() - t0) / 1000;
        obs.disconnect();
        const d1 = ticks(pid);
        const c1 = ticks('self');
        if (bytes !== files * 100 * 1024) throw new Error(`read ${bytes} bytes`);
        lat.sort((a, b) => a - b);
        const ms = (a: { user: number; sys: number }, b: { user: number; sys: number }): string => {
          const u = ((b.user - a.user) * 1000) / CLOCK_TICKS / files;
          const s = ((b.sys - a.sys) * 1000) / CLOCK_TICKS / files;
          return `${(u + s).toFixed(3)} (user ${u.toFixed(3)}, sys ${s.toFixed(3)})`;
        };
        const rate = files / secs;
        const line = `${name.padEnd(9)} ${rate.toFixed(0)} files/s, p50 ${percentile(lat, 50).toFixed(3)} ms, p99 ${percentile(lat, 99).toFixed(3)} ms; CPU ms/file daemon ${ms(d0, d1)}, client ${ms(c0, c1)} (GC: ${gc.minor} minor, ${gc.major} other, ${(gc.ms / files).toFixed(3)} ms/file, kinds ${JSON.stringify([...kinds])})`;
        console.log(`  epoch ${e + 1}: ${line}`);
        if (rate > bestRate) {
          bestRate = rate;
          best = line;
        }
      }
      console.log(`best ${best}`);
    }
  } finally {
    c.close();
    sc.close();
    await d.stop();
    await d.cleanup();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

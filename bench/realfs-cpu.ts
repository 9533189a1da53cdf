// Where the CPU of a cold small-file epoch goes: `node dist/bench/realfs-cpu.js`.
// A diagnostic, not a bench module: starts a throwaway MooseFS
// (mfscachemode=DIRECT), writes N files of 100 KB, reads them in random
// order directly and then through a fresh daemon's FUSE mount after
// SubmitPlan, and prints files/s, the CPU milliseconds per file of this
// reader, the daemon and MooseFS's processes (from /proc/<pid>/stat: user and
// system; the rest of the machine left out), and the FUSE requests per file
// mfsmount served (its .stats), the CPU of kernel threads (the loop device
// under the SSD stand-in, the journal, writeback), the new memory per file
// (each process's minor faults and the page cache's growth: on these VMs a
// page touched for the first time costs 2-12 us) and the context switches
// per file. On 2 cores shared with MooseFS's own servers the cold epoch is
// CPU-bound, so this is what to cut.
//
// Environment:
//   N=2000                   files
//   EARLIER=2000             other files the daemon serves first, with a plan, through the mount
//   FLAGS="k=v k=v"          extra daemon flags (e.g. "prefetch-offload-min-size=0")
//   DAEMON_NODE_ARGS="..."   node flags for the daemon (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p")
//   DAEMON_ENV="K=V K=V"     extra environment for the daemon (e.g. "GLIBC_TUNABLES=glibc.malloc.hugetlb=1")
//   BY_TID=1                 the daemon's context switches per thread id, not per thread name
//   READER=mount             how the epochs through the daemon are read: mount (readFileSync on --mount),
//                            readfiles (one ReadFiles stream), session (read() over a ReadSession)
//   PERF=/tmp/perf.data      perf record -g the daemon during the epoch
//   STRACE=/tmp/strace.txt   strace -c the daemon's main thread (STRACE_THREADS=1: every thread)
//   SSD_DIR=tmp              the daemon's state dir in the temp dir, not on a loop-mounted ext4 (bench/node-ssd.ts)
// Run it under the heavy lock on a shared machine.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { MooseFs } from '../test/helpers/moosefs';
import { TiercacheClient } from '../src/client/client';
import { TestDaemon, now, readFilesTimed, shuffled, writeSamples } from './harness';
import { nodeSsd } from './node-ssd';
import { cpuMsPerItem, sampleCpu, totalMs, type CpuSample } from './cpu-ticks';

/** Minor page faults so far of a process (/proc/<pid>/stat field 10): each one a page it touched for the first time. */
function minflt(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[7]);
}

/** Context switches so far of a process's threads by thread name (voluntary + involuntary, /proc/<pid>/task/<tid>/status). */
function switchesByThread(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const st = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const name = /^Name:\s+(.*)$/m.exec(st)![1]!;
      let n = 0;
      for (const m of st.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) n += Number(m[1]);
      const key = process.env.BY_TID ? `${name}/${tid}` : name;
      out.set(key, (out.get(key) ?? 0) + n);
    } catch {
      // the thread ended
    }
  }
  return out;
}

function switches(pid: number): number {
  let n = 0;
  for (const v of switchesByThread(pid).values()) n += v;
  return n;
}

function switchesText(pid: number, before: ReadonlyMap<string, number>, files: number): string {
  return [...switchesByThread(pid)]
    .map(([name, n]) => [name, (n - (before.get(name) ?? 0)) / files] as const)
    .filter(([, n]) => n >= 0.05)
    .map(([name, n]) => `${name} ${n.toFixed(1)}`)
    .join(', ');
}

/** The machine's page cache, KiB (/proc/meminfo Cached). */
function cachedKiB(): number {
  return Number(/^Cached:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
}

/** New memory and context switches so far: each process's minor faults and switches, the machine's page cache. */
interface MemSample {
  readonly minflt: ReadonlyMap<number, number>;
  readonly switches: ReadonlyMap<number, number>;
  readonly cachedKiB: number;
}

function sampleMem(pids: ReadonlyMap<number, string>): MemSample {
  return {
    minflt: new Map([...pids.keys()].map((pid) => [pid, minflt(pid)])),
    switches: new Map([...pids.keys()].map((pid) => [pid, switches(pid)])),
    cachedKiB: cachedKiB(),
  };
}

function memText(pids: ReadonlyMap<number, string>, before: MemSample, files: number): string {
  const now = sampleMem(pids);
  const per = (m: 'minflt' | 'switches') =>
    [...pids].map(([pid, name]) => `${name} ${((now[m].get(pid)! - before[m].get(pid)!) / files).toFixed(1)}`).join(', ');
  const cached = ((now.cachedKiB - before.cachedKiB) / 4 / files).toFixed(1);
  return `  new pages per file: minor faults ${per('minflt')}; page cache ${cached}\n  context switches per file: ${per('switches')}`;
}

function perFile(before: CpuSample, after: CpuSample, files: number): string {
  const per = cpuMsPerItem(before, after, files);
  const rows = [...per]
    .filter(([, t]) => t.user + t.sys >= 0.01)
    .map(([name, t]) => `  ${name.padEnd(16)} ${(t.user + t.sys).toFixed(2)} ms (user ${t.user.toFixed(2)}, sys ${t.sys.toFixed(2)})`)
    .sort();
  rows.push(`  ${'total'.padEnd(16)} ${totalMs(per).toFixed(2)} ms`);
  return rows.join('\n');
}

/** mfsmount's FUSE request counters (the mount's .stats file), e.g. fuse_ops.lookup.master. */
function fuseOps(mnt: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync(join(mnt, '.stats'), 'utf8').split('\n')) {
    const m = /^fuse_ops\.([\w.+-]+): (\d+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

function opsPerFile(before: Map<string, number>, after: Map<string, number>, files: number): string {
  const out: string[] = [];
  for (const [k, v] of after) {
    const d = (v - (before.get(k) ?? 0)) / files;
    if (d >= 0.01) out.push(`${k} ${d.toFixed(2)}`);
  }
  return out.join(', ');
}

class ProfiledDaemon extends TestDaemon {
  override args(): string[] {
    return [...(process.env.DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean), ...super.args()];
  }
}

function tracer(pid: number): ChildProcess | undefined {
  if (process.env.PERF) return spawn('perf', ['record', '-F', '499', '-g', '-p', String(pid), '-o', process.env.PERF], { stdio: 'inherit' });
  if (process.env.STRACE) return spawn('strace', [...(process.env.STRACE_THREADS ? ['-f'] : []), '-c', '-o', process.env.STRACE, '-p', String(pid)], { stdio: 'inherit' });
  return undefined;
}

async function main(): Promise<void> {
  const files = Number(process.env.N ?? 2000);
  const mfs = await MooseFs.start({ mountOpts: 'mfscachemode=DIRECT' });
  const mnt = mkdtempSync(join(tmpdir(), 'tc-cpu-mnt-'));
  // SSD_DIR=tmp keeps the state dir in the temp dir (see node-ssd.ts for why not by default).
  const ssd = process.env.SSD_DIR === 'tmp' ? undefined : nodeSsd(4);
  try {
    const paths = writeSamples(mfs.mnt, 'train', 'n', files, 100 * 1024, 1);
    // Files the daemon serves first the same way (a plan, then the mount): a DaemonSet's daemon has served
    // earlier jobs' epochs before this one, so its code is compiled and its pools started; only the data is cold.
    const earlier = writeSamples(mfs.mnt, 'earlier', 'e', Number(process.env.EARLIER ?? 2000), 100 * 1024, files + 1);
    const order = shuffled(paths, 1234);
    const names = new Map<number, string>([[process.pid, 'reader']]);
    let before = sampleCpu(names, /^mfs/, true);
    let ops = fuseOps(mfs.mnt);
    let mem = sampleMem(names);
    let t = now();
    for (const p of order) readFileSync(join(mfs.mnt, p));
    let secs = (now() - t) / 1000;
    console.log(`MooseFS direct: ${(files / secs).toFixed(0)} files/s; CPU per file:\n${perFile(before, sampleCpu(names, /^mfs/, true), files)}`);
    console.log(`  mfsmount requests per file: ${opsPerFile(ops, fuseOps(mfs.mnt), files)}`);
    console.log(memText(names, mem, files));

    const flags: Record<string, string> = {
      'block-size': '1MiB',
      'memory-cache-size': '1GiB',
      'ssd-cache-size': '2GiB',
      'plan-lookahead': '64',
      'metadata-ttl': '30s',
      mount: mnt,
      watch: 'false',
    };
    for (const kv of (process.env.FLAGS ?? '').split(' ').filter(Boolean)) {
      const i = kv.indexOf('=');
      flags[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const env = Object.fromEntries((process.env.DAEMON_ENV ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const d = new ProfiledDaemon({ backendDir: mfs.mnt, flags, env, ...(ssd ? { dir: ssd.daemonDir() } : {}) });
    console.log(`daemon state dir on ${ssd?.what ?? 'the temp dir'}`);
    await d.start();
    const c = d.client('realfs-cpu');
    const reader = process.env.READER ?? 'mount';
    const sc = reader === 'session' ? new TiercacheClient({ socket: d.socket, job: 'realfs-cpu', readSession: true }) : undefined;
    const readThrough = async (paths: readonly string[]): Promise<void> => {
      if (reader === 'mount') for (const p of paths) readFileSync(join(mnt, p));
      else if (reader === 'readfiles') await readFilesTimed(c, paths, []);
      else if (sc) for (const p of paths) await sc.read(p);
      else throw new Error(`READER=${reader}: expected mount, readfiles or session`);
    };
    try {
      names.set(d.proc!.pid!, 'daemon');
      if (earlier.length > 0) {
        await c.submitPlan('realfs-cpu-earlier', 1, earlier);
        await readThrough(earlier);
      }
      const tr = tracer(d.proc!.pid!);
      if (tr) await sleep(1000);
      before = sampleCpu(names, /^mfs/, true);
      ops = fuseOps(mfs.mnt);
      mem = sampleMem(names);
      const threadSwitches = switchesByThread(d.proc!.pid!);
      t = now();
      await c.submitPlan('realfs-cpu', 1, order);
      await readThrough(order);
      secs = (now() - t) / 1000;
      const after = sampleCpu(names, /^mfs/, true);
      if (tr) {
        tr.kill('SIGINT');
        await new Promise((r) => tr.once('exit', r));
      }
      console.log(`tiercache ${reader}, cold, plan: ${(files / secs).toFixed(0)} files/s; CPU per file:\n${perFile(before, after, files)}`);
      console.log(`  mfsmount requests per file: ${opsPerFile(ops, fuseOps(mfs.mnt), files)}`);
      console.log(memText(names, mem, files));
      console.log(`  the daemon's context switches per file by thread: ${switchesText(d.proc!.pid!, threadSwitches, files)}`);
      console.log(`prefetch: ${JSON.stringify(((await c.stats('all')) as { prefetch?: unknown }).prefetch)}`);
    } finally {
      c.close();
      sc?.close();
      await d.stop();
      await d.cleanup();
    }
  } finally {
    await mfs.stop();
    ssd?.close();
    try {
      rmdirSync(mnt);
    } catch {
      /* left for the OS */
    }
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

// CPU time of every process on the machine, from /proc/<pid>/stat (user and
// system clock ticks), for benchmarks that are CPU-bound on a small machine:
// a sample before and after a step gives each process's share of it, per
// item. Kernel threads (kworkers and the like) are left out unless asked for:
// then they are summed as 'kernel threads' (a loop device's writes, ext4's
// journal, writeback: work the processes caused but do not pay for).

import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100;

export interface CpuTicks {
  readonly user: number;
  readonly sys: number;
}

export type CpuSample = ReadonlyMap<string, CpuTicks>;

/**
 * The ticks so far of the processes named in `names` (pids renamed: 'daemon',
 * 'reader') and of those whose command name `also` matches (e.g. /^mfs/ for
 * MooseFS's servers and mounts), summed by name. Anything else on the machine
 * (other people's builds and tests) is left out; `also` = /./ takes everything.
 */
export function sampleCpu(names: ReadonlyMap<number, string> = new Map(), also: RegExp = /./, kernelThreads = false): CpuSample {
  const out = new Map<string, { user: number; sys: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let s: string;
    try {
      s = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // PF_KTHREAD (0x00200000) in the flags field.
    const kthread = (Number(f[6]) & 0x00200000) !== 0;
    if (kthread && !kernelThreads) continue;
    const name = kthread ? 'kernel threads' : (names.get(Number(d)) ?? (also.test(comm) ? comm : undefined));
    if (name === undefined) continue;
    const t = out.get(name) ?? { user: 0, sys: 0 };
    t.user += Number(f[11]);
    t.sys += Number(f[12]);
    out.set(name, t);
  }
  return out;
}

/** Milliseconds of CPU per item between two samples, by process name (only those that used any). */
export function cpuMsPerItem(before: CpuSample, after: CpuSample, items: number): Map<string, CpuTicks> {
  const out = new Map<string, CpuTicks>();
  for (const [name, t] of after) {
    const b = before.get(name) ?? { user: 0, sys: 0 };
    const user = ((t.user - b.user) * 1000) / CLOCK_TICKS / items;
    const sys = ((t.sys - b.sys) * 1000) / CLOCK_TICKS / items;
    if (user + sys > 0) out.set(name, { user, sys });
  }
  return out;
}

export function totalMs(perItem: ReadonlyMap<string, CpuTicks>): number {
  let t = 0;
  for (const v of perItem.values()) t += v.user + v.sys;
  return t;
}

/** "daemon 1.53, mfsmount 0.68, ..." (ms), largest first, those under 0.05 ms left out. */
export function cpuText(perItem: ReadonlyMap<string, CpuTicks>): string {
  return [...perItem]
    .map(([name, t]) => [name, t.user + t.sys] as const)
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
    .join(', ');
}

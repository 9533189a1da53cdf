// The readable summary of a diagnosis: what was measured, how it compares
// with the alert thresholds, and what the node and the daemon look like.

import { formatBytes } from '../util/units';
import { formatStats } from '../client/stats-text';
import type { DiagnoseReport, Judgement } from './types';

const mbps = (bps: number) => `${(bps / 1e6).toFixed(1)} MB/s`;
const ms = (s: number) => (s < 0.01 ? `${(s * 1000).toFixed(2)} ms` : s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);
const pct = (r: number) => `${(r * 100).toFixed(1)}%`;

export function formatValue(value: number, unit: string): string {
  switch (unit) {
    case 'bytes/s':
      return mbps(value);
    case 'seconds':
      return ms(value);
    case 'ratio':
      return pct(value);
    default:
      return `${value.toFixed(1)}/s`;
  }
}

function limits(j: Judgement): string {
  const below = j.warning > j.critical;
  const op = below ? '<' : '>';
  return `warning ${op} ${formatValue(j.warning, j.unit)}, critical ${op} ${formatValue(j.critical, j.unit)}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function formatReport(r: DiagnoseReport): string {
  const t = r.tests;
  let out = `tiercache diagnose: ${r.overall}  (daemon ${r.daemon.version} at ${r.socket}, ran ${r.duration_seconds.toFixed(1)} s)\n\n`;
  const rows = [['FIGURE', 'VALUE', 'VERDICT', 'THRESHOLDS']];
  for (const j of r.judgements) rows.push([j.figure, formatValue(j.value, j.unit), j.verdict, limits(j)]);
  out += table(rows);
  const notes = r.judgements.filter((j) => j.note && j.verdict === 'N/A');
  for (const j of notes) out += `  N/A ${j.figure}: ${j.note}\n`;

  out += `\nMeasurements (test file ${formatBytes(t.sequential_read.cold.bytes)} in the backend):\n`;
  out += `  backend write (fsync'ed):   ${mbps(t.backend_write.bytes_per_second)}\n`;
  const cold = t.sequential_read.cold;
  out += `  sequential read, cold:      ${mbps(cold.bytes_per_second)} (${formatBytes(cold.backend_bytes ?? 0)} from the backend)\n`;
  const warm = t.sequential_read.warm;
  out += `  sequential read, warm:      ${mbps(warm.bytes_per_second)} (${formatBytes(warm.backend_bytes ?? 0)} from the backend)\n`;
  const rr = t.random_read;
  const l = rr.latency_seconds;
  out +=
    `  random 4 KiB reads:         ${rr.iops.toFixed(0)} IOPS with ${rr.concurrency} readers, ` +
    `p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, max ${ms(l.max)}${rr.errors ? `, ${rr.errors} errors` : ''}\n`;
  const ck = t.checkpoints;
  if (!ck.available) out += `  ${ck.note}\n`;
  else if (ck.error) out += `  checkpoints: test FAILED: ${ck.error}\n`;
  else {
    out +=
      `  checkpoint of ${formatBytes(ck.bytes ?? 0)}: save ${ms(ck.save_seconds ?? 0)}, restore ${ms(ck.restore_seconds ?? 0)}` +
      `${ck.verified ? ' (bytes verified)' : ' (RESTORED BYTES DIFFER)'}\n`;
  }
  if (ck.available && ck.note) out += `  ${ck.note}\n`;
  const fio = t.fio;
  if (!fio.available) out += `  fio: ${fio.note}\n`;
  else if (fio.error) out += `  fio: ${fio.error}\n`;
  else {
    out +=
      `  fio on the backend mount:   sequential ${mbps(fio.sequential_read_bytes_per_second ?? 0)}, ` +
      `random 4 KiB ${(fio.random_read_iops ?? 0).toFixed(0)} IOPS, p99 ${ms(fio.random_read_p99_seconds ?? 0)} (no tiercache)\n`;
  }

  const h = r.host;
  out += `\nHost ${h.hostname}: ${h.os} ${h.kernel} ${h.arch}, ${h.cpus} CPUs (${h.cpu_model}), load ${h.load_average.join(' ')}\n`;
  out += `  memory: ${formatBytes(h.memory_free_bytes)} free of ${formatBytes(h.memory_total_bytes)}\n`;
  for (const [label, d] of [['cache dir', h.cache_dir], ['backend', h.backend_dir]] as const) {
    out += d.error
      ? `  ${label} ${d.path}: ${d.error}\n`
      : `  ${label} ${d.path}: ${formatBytes(d.free_bytes ?? 0)} free of ${formatBytes(d.total_bytes ?? 0)}\n`;
  }
  const me = r.metrics_endpoint;
  if (me.note) out += `  metrics endpoint${me.listen ? ` ${me.listen}` : ''}: not checked, ${me.note}\n`;
  else out += `  metrics endpoint http://${me.listen}/metrics: ${me.reachable ? 'reachable' : `NOT reachable (${me.error})`}\n`;

  out += `\nCache before the test (uptime ${r.daemon.uptime_seconds.toFixed(0)} s):\n${formatStats(r.stats.before)}`;
  out += `\nTest data ${r.cleanup.removed ? 'removed' : `NOT removed (${r.cleanup.error})`}: ${r.cleanup.path}\n`;
  out += 'Full report: --json, or --out FILE.\n';
  return out;
}

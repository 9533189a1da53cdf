// How `tiercache k8s plan` prints a plan: an aligned table for people, or
// JSON (base units: cores, bytes, bytes/s) for scripts and admission hooks.

import { formatCpu, formatRate, formatStorage } from './quantity';
import type { JobPlan, Resources } from './types';

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. */
export function formatTable(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) => (indent + r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).trimEnd()).join('\n');
}

const cells = (r: Resources): string[] => [formatCpu(r.cpu), formatStorage(r.memory), String(r.gpu)];

function yesNo(v: boolean | undefined): string {
  return v === undefined ? 'unknown' : v ? 'yes' : 'no';
}

function cacheLines(p: JobPlan): string[][] {
  const c = p.cache;
  const nodes = `${c.nodes} node${c.nodes === 1 ? '' : 's'}${c.nodesAssumed ? ' (assumed: one pod per node; set --nodes)' : ''}`;
  const rows: string[][] = [
    [
      'Read bandwidth',
      `${formatRate(p.readBandwidth)} (${p.total.gpu} GPU x ${formatRate(p.perGpuReadRate)}), ${formatRate(p.readBandwidthPerNode)} per node`,
    ],
    ['Node cache', `${nodes} x ${formatStorage(c.nodeCacheSize)} = ${formatStorage(c.aggregateCacheSize)}`],
  ];
  rows.push(['Backend', c.backendKind === 's3' ? `S3 bucket ${c.backendUrl}` : 'POSIX filesystem mount']);
  const where = c.backendKind === 's3' ? c.backendUrl : c.datasetClaim;
  if (where === undefined) {
    rows.push(['Dataset', 'unknown (set --dataset-claim)']);
  } else {
    const size = c.datasetSize === undefined ? `size unknown${c.backendKind === 's3' ? ' (set --dataset-size)' : ''}` : formatStorage(c.datasetSize);
    rows.push(['Dataset', `${where}, ${size}`]);
    rows.push(['Fits in all node caches', `${yesNo(c.fitsAggregate)} (each block cached once across the peer ring)`]);
    rows.push(['Fits in one node cache', `${yesNo(c.fitsPerNode)} (every read local to the node)`]);
  }
  return rows;
}

export function formatPlan(p: JobPlan): string {
  const title = `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
  const groups: string[][] = [['GROUP', 'PODS', 'CPU/POD', 'MEM/POD', 'GPU/POD', 'CPU', 'MEMORY', 'GPU']];
  for (const g of p.groups) groups.push([g.name, String(g.replicas), ...cells(g.perPod), ...cells(g.total)]);
  groups.push(['total', String(p.pods), '', '', '', ...cells(p.total)]);
  const parts = [`${title}\n${formatTable(groups)}`];
  if (p.claims.length > 0) {
    const claims: string[][] = [['PVC', 'STORAGE', 'ACCESS', 'MOUNT']];
    for (const c of p.claims) {
      const role = c.claimName === p.cache.datasetClaim ? 'dataset' : '';
      claims.push([
        c.claimName,
        c.storage === undefined ? '?' : formatStorage(c.storage),
        c.accessModes.join(',') || '-',
        [c.readOnly ? 'read-only' : 'read-write', role].filter(Boolean).join(', '),
      ]);
    }
    parts.push(formatTable(claims));
  }
  parts.push(formatTable(cacheLines(p).map(([k, v]) => [`${k}:`, v!])));
  if (p.notes.length > 0) parts.push(p.notes.map((n) => `  note: ${n}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

export function formatPlans(plans: readonly JobPlan[]): string {
  return plans.map(formatPlan).join('\n');
}

export function plansToJson(plans: readonly JobPlan[]): string {
  return `${JSON.stringify({ jobs: plans }, null, 2)}\n`;
}

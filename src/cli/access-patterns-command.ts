// `tiercache access-patterns [PREFIX] [--json] [--limit N]`: what the daemon
// learnt from its access history, and the prefetch strategy it derives.

import { formatBytes } from '../util/units';
import type { AccessPattern as Pattern } from '../protocol/types';
import { clientFor, parse, parseNonNegInt, SOCKET_OPTION, type Io } from './io';

export const PATTERNS_HELP = `Usage: tiercache access-patterns [PREFIX] [--limit N] [--json] [--socket PATH]
Per file and per directory: reads, bytes, reads/s, sequentiality, read sizes,
whether a directory is walked in name order, and the prefetch strategy.
`;

function typicalSize(h: Pattern['size_histogram']): string {
  let best = h[0];
  for (const b of h) if (best && b.count > best.count) best = b;
  if (!best || best.count === 0) return '-';
  return best.le >= Number.MAX_SAFE_INTEGER ? '>16 MiB' : `<=${formatBytes(best.le)}`;
}

export async function runAccessPatterns(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...SOCKET_OPTION, json: { type: 'boolean' }, limit: { type: 'string' } });
  if (values['help']) return void io.stdout.write(PATTERNS_HELP), 0;
  const client = clientFor(values as { socket?: string }, io);
  try {
    const res = await client.unary('Admin', 'AccessPatterns', {
      prefix: positionals[0] ?? '',
      limit: parseNonNegInt('limit', values['limit'] as string | undefined, 30),
    });
    if (values['json']) {
      io.stdout.write(JSON.stringify(res, null, 2) + '\n');
      return 0;
    }
    const rows = [['PATH', 'KIND', 'READS', 'BYTES', 'READS/S', 'SEQUENTIAL', 'TYPICAL READ', 'JOBS', 'STRATEGY']];
    for (const p of res.patterns) {
      rows.push([
        p.key,
        p.is_prefix ? (p.ordered_walk ? 'dir (ordered)' : 'dir') : 'file',
        String(p.reads),
        formatBytes(p.bytes),
        p.reads_per_second.toFixed(1),
        `${(p.sequentiality * 100).toFixed(0)}%`,
        typicalSize(p.size_histogram),
        String(p.distinct_jobs),
        p.strategy,
      ]);
    }
    const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) io.stdout.write(r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd() + '\n');
    io.stdout.write(`\n${res.history_rows} reads in the history\n`);
  } finally {
    client.close();
  }
  return 0;
}

// `tiercache cache stats --type=memory|ssd|distributed|all [--json]`.

import { formatStats } from '../client/stats-text';
import { clientFor, parse, SOCKET_OPTION, UsageError, type Io } from './io';

export const STATS_HELP = `Usage: tiercache cache stats [--type=memory|ssd|distributed|all] [--json] [--socket PATH]
Shows capacity, use, hits, misses, hit ratio and evictions per tier, and what
the node read from the backend. --json prints the StatsResponse fields.
`;

const TYPES = ['memory', 'ssd', 'distributed', 'all'] as const;

export async function runCacheStats(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...SOCKET_OPTION, type: { type: 'string' }, json: { type: 'boolean' } }, false);
  void positionals;
  if (values['help']) return void io.stdout.write(STATS_HELP), 0;
  const type = (values['type'] as string | undefined) ?? 'all';
  if (!(TYPES as readonly string[]).includes(type)) {
    throw new UsageError(`--type must be one of ${TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  }
  const client = clientFor(values as { socket?: string }, io);
  try {
    const s = await client.stats(type as (typeof TYPES)[number]);
    io.stdout.write(values['json'] ? JSON.stringify(s, null, 2) + '\n' : formatStats(s));
  } finally {
    client.close();
  }
  return 0;
}

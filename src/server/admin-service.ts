// tiercache.v1.Admin: statistics, access patterns and the effective config.

import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { invalidArgument, unimplemented } from '../errors';
import type { Config } from '../config/types';
import { unary, type CallTracker } from './handlers';
import type { StatsRegistry } from './stats';

const STAT_TYPES = ['', 'all', 'memory', 'ssd', 'distributed'];

export interface AccessPatternsApi {
  accessPatterns(prefix: string, limit: number): Promise<unknown>;
}

export function adminService(
  t: CallTracker,
  stats: StatsRegistry,
  config: Config,
  patterns: () => AccessPatternsApi | undefined,
): UntypedServiceImplementation {
  return {
    Stats: unary(t, 'Stats', async (req: { type: string }) => {
      if (!STAT_TYPES.includes(req.type)) {
        throw invalidArgument(`unknown stats type ${JSON.stringify(req.type)}; allowed: memory, ssd, distributed, all`);
      }
      return stats.snapshot(req.type);
    }),
    AccessPatterns: unary(t, 'AccessPatterns', async (req: { prefix: string; limit: number }) => {
      const p = patterns();
      if (!p) throw unimplemented('Admin.AccessPatterns', 'the prefetch engine is disabled');
      return p.accessPatterns(req.prefix, req.limit || 50);
    }),
    Config: unary(t, 'Config', async () => ({ json: JSON.stringify(config, null, 2) })),
  };
}

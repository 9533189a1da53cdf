// tiercache.v1.Admin: statistics, access patterns and the effective config.

import { invalidArgument } from '../errors';
import type { Config } from '../config/types';
import type {
  AccessPatternsRequest,
  AccessPatternsResponse,
  AdminHandlers,
  ConfigRequest,
  ConfigResponse,
  StatsRequest,
  StatsResponseIn,
} from '../protocol/types';
import { unary, type CallTracker } from './handlers';
import type { StatsRegistry } from './stats';

const STAT_TYPES = ['', 'all', 'memory', 'ssd', 'distributed'];

export interface AccessPatternsApi {
  accessPatterns(prefix: string, limit: number): Promise<AccessPatternsResponse>;
}

export function adminService(
  t: CallTracker,
  stats: StatsRegistry,
  config: Config,
  patterns: AccessPatternsApi,
): AdminHandlers {
  return {
    Stats: unary<StatsRequest, StatsResponseIn>(t, 'Stats', async (req) => {
      if (!STAT_TYPES.includes(req.type)) {
        throw invalidArgument(`unknown stats type ${JSON.stringify(req.type)}; allowed: memory, ssd, distributed, all`);
      }
      return stats.snapshot(req.type);
    }),
    AccessPatterns: unary<AccessPatternsRequest, AccessPatternsResponse>(t, 'AccessPatterns', async (req) => {
      return patterns.accessPatterns(req.prefix, req.limit || 50);
    }),
    Config: unary<ConfigRequest, ConfigResponse>(t, 'Config', async () => ({ json: JSON.stringify(config, null, 2) })),
  };
}

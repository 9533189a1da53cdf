// Assembles Admin.Stats from the parts of the daemon: the store's counters
// and tiers, and one provider per optional section (prefetch, checkpoints,
// peers, the checkpoint mount), given by the composition root.

import type { CachedStore } from '../cache/cached-store';
import type { TierSnapshot } from '../cache/types';

export type StatsSection = 'distributed' | 'prefetch' | 'checkpoints' | 'checkpoint_mount';

export type StatsProviders = Partial<Record<StatsSection, () => Record<string, unknown>>>;

export class StatsRegistry {
  private readonly providers: StatsProviders;
  private readonly startedAt: number;
  private readonly version: string;
  private readonly store: CachedStore;

  constructor(store: CachedStore, version: string, providers: StatsProviders, startedAt = Date.now()) {
    this.store = store;
    this.version = version;
    this.providers = providers;
    this.startedAt = startedAt;
  }

  /** StatsResponse, snake_case as in the proto. `type` filters the tiers: memory|ssd|distributed|all. */
  snapshot(type = 'all'): Record<string, unknown> {
    const all = type === '' || type === 'all';
    const backend = this.store.backend.counters;
    const out: Record<string, unknown> = {
      backend_bytes_read: backend.bytesRead,
      backend_reads: backend.reads,
      backend_errors: backend.errors,
      backend_kind: this.store.backend.kind,
      backend_throttled: backend.throttled ?? 0,
      backend_retries: backend.retries ?? 0,
      block_size: this.store.blockSize,
      uptime_seconds: (Date.now() - this.startedAt) / 1000,
      version: this.version,
    };
    if (all || type === 'memory') out['memory'] = tierJson(this.store.mem.snapshot());
    if (all || type === 'ssd') out['ssd'] = tierJson(this.store.disk.snapshot());
    if (all || type === 'distributed') {
      out['distributed'] = this.providers.distributed?.() ?? { enabled: false, peers: [] };
    }
    if (all) {
      for (const s of ['prefetch', 'checkpoints', 'checkpoint_mount'] as const) {
        const p = this.providers[s];
        if (p) out[s] = p();
      }
    }
    return out;
  }
}

export function tierJson(t: TierSnapshot): Record<string, unknown> {
  const lookups = t.hits + t.misses;
  return {
    name: t.name,
    capacity_bytes: t.capacityBytes,
    used_bytes: t.usedBytes,
    blocks: t.blocks,
    hits: t.hits,
    misses: t.misses,
    hit_ratio: lookups === 0 ? 0 : t.hits / lookups,
    evictions: t.evictions,
    admissions_rejected: t.admissionsRejected,
    corrupt_blocks: t.corruptBlocks,
    write_errors: t.writeErrors,
    state: t.state,
    startup: t.startup ?? '',
  };
}

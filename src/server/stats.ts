// Assembles Admin.Stats from the parts of the daemon: the store's counters
// and tiers, and one provider per optional section (prefetch, checkpoints,
// peers, the checkpoint mount, the limits), given by the composition root.

import type { CachedStore } from '../cache/cached-store';
import type { TierSnapshot } from '../cache/types';
import type { CheckpointMountStats, CheckpointStats, DistributedStats, LimitsStats, PrefetchStats, StatsResponse, TierStats } from '../protocol/types';

/** One provider per optional section, typed by admin.proto. */
export interface StatsProviders {
  readonly distributed?: () => DistributedStats;
  readonly prefetch?: () => PrefetchStats;
  readonly checkpoints?: () => CheckpointStats;
  readonly checkpoint_mount?: () => CheckpointMountStats;
  readonly limits?: () => LimitsStats;
}

/** The distributed section of a daemon without peers. */
const NO_PEERS: DistributedStats = {
  enabled: false,
  peers: [],
  blocks_served_to_peers: 0,
  blocks_fetched_from_peers: 0,
  peer_errors: 0,
  peer_fallbacks: 0,
  backend_bytes_avoided: 0,
  bytes_fetched_from_peers: 0,
  bytes_served_to_peers: 0,
  blocks_read_local: 0,
  blocks_read_from_peers: 0,
  blocks_read_from_backend: 0,
};

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
  snapshot(type = 'all'): StatsResponse {
    const all = type === '' || type === 'all';
    const backend = this.store.backend.counters;
    const p = this.providers;
    return {
      backend_bytes_read: backend.bytesRead,
      backend_reads: backend.reads,
      backend_errors: backend.errors,
      backend_kind: this.store.backend.kind,
      backend_throttled: backend.throttled ?? 0,
      backend_retries: backend.retries ?? 0,
      loads_deduped: this.store.loadsDeduped,
      block_size: this.store.blockSize,
      uptime_seconds: (Date.now() - this.startedAt) / 1000,
      version: this.version,
      memory: all || type === 'memory' ? tierJson(this.store.mem.snapshot()) : null,
      ssd: all || type === 'ssd' ? tierJson(this.store.disk.snapshot()) : null,
      distributed: all || type === 'distributed' ? (p.distributed?.() ?? NO_PEERS) : null,
      prefetch: all ? (p.prefetch?.() ?? null) : null,
      checkpoints: all ? (p.checkpoints?.() ?? null) : null,
      checkpoint_mount: all ? (p.checkpoint_mount?.() ?? null) : null,
      limits: all ? (p.limits?.() ?? null) : null,
    };
  }
}

export function tierJson(t: TierSnapshot): TierStats {
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
    writes_skipped: t.writesSkipped,
    write_backlog_bytes: t.writeBacklogBytes ?? 0,
    state: t.state,
    startup: t.startup ?? '',
    tenants: (t.tenants ?? []).map((x) => ({ name: x.name, used_bytes: x.usedBytes })),
  };
}

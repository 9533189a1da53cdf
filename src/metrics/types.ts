// Contracts of the metrics subsystem: what it reads from the daemon, the
// Admin.Stats sections other subsystems fill in (snake_case, as in
// admin.proto), and the timing API the checkpoint engine calls.

import type { CachedStore } from '../cache/cached-store';
import type { Backend } from '../backend/types';

/** Where a block handed to a reader came from. */
export const READ_SOURCES = ['memory', 'ssd', 'peer', 'backend'] as const;
export type ReadSource = (typeof READ_SOURCES)[number];

export const CACHE_TIERS = ['memory', 'ssd'] as const;

/** The parts of the daemon the metrics read at scrape time. */
export interface MetricsSource {
  readonly store: Pick<CachedStore, 'bytesBySource' | 'blocksBySource'>;
  readonly backend: Pick<Backend, 'counters'>;
  readonly stats: { snapshot(type?: string): Record<string, unknown> };
}

/** admin.proto PrefetchStats. */
export interface PrefetchStatsJson {
  prefetched_blocks?: number;
  prefetch_hits?: number;
  prefetch_hit_ratio?: number;
  wasted_prefetches?: number;
  queue_depth?: number;
  dropped_tasks?: number;
  inflight_bytes?: number;
}

/** admin.proto CheckpointMountStats. */
export interface CheckpointMountStatsJson {
  bytes_staged?: number;
  files_pending_persist?: number;
  bytes_pending_persist?: number;
  ops_pending?: number;
  oldest_pending_age_seconds?: number;
  files_open_for_write?: number;
  files_persisted?: number;
  bytes_persisted?: number;
  persist_bytes_per_second?: number;
  persist_failures?: number;
  write_through_files?: number;
  write_through_bytes?: number;
}

/** admin.proto CheckpointStats. `saves` and `loads` count completed operations. */
export interface CheckpointStatsJson {
  saves?: number;
  loads?: number;
  failures?: number;
  failure_ratio?: number;
  pending_persist?: number;
  bytes_saved?: number;
  bytes_loaded?: number;
  local_bytes?: number;
}

/** admin.proto DistributedStats. */
export interface DistributedStatsJson {
  enabled?: boolean;
  peers?: Array<{ address?: string; state?: string; self?: boolean }>;
  blocks_served_to_peers?: number;
  blocks_fetched_from_peers?: number;
  peer_errors?: number;
  peer_fallbacks?: number;
  backend_bytes_avoided?: number;
  bytes_fetched_from_peers?: number;
  bytes_served_to_peers?: number;
}

/**
 * Phases of a two-phase checkpoint save: `local` ends when the checkpoint is
 * on the node's SSD (what an async Save waits for), `persist` when it is on
 * the backend (what a sync Save waits for).
 */
export type CheckpointSavePhase = 'local' | 'persist';

/** Where a restore was served from. */
export type CheckpointRestoreSource = 'local' | 'backend';

/** Timings the checkpoint engine reports (see checkpoint-timings.ts). */
export interface CheckpointTimings {
  observeSave(seconds: number, phase: CheckpointSavePhase): void;
  observeRestore(seconds: number, source: CheckpointRestoreSource): void;
}

// Contracts of the metrics subsystem: what it reads from the daemon, the
// Admin.Stats sections other subsystems fill in (snake_case, as in
// admin.proto), and the timing API the checkpoint engine calls.

import type { CachedStore } from '../cache/cached-store';
import type { Backend } from '../backend/types';
import type { StatsResponse } from '../protocol/types';

/** Where a block handed to a reader came from. */
export const READ_SOURCES = ['memory', 'ssd', 'peer', 'backend'] as const;
export type ReadSource = (typeof READ_SOURCES)[number];

export const CACHE_TIERS = ['memory', 'ssd'] as const;

/** The parts of the daemon the metrics read at scrape time. */
export interface MetricsSource {
  readonly store: Pick<CachedStore, 'bytesBySource' | 'blocksBySource'>;
  readonly backend: Pick<Backend, 'counters'>;
  readonly stats: { snapshot(type?: string): StatsResponse };
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

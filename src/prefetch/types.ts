// Contracts of the prefetch engine: what it fetches, why, and what it counts.

import type { BackendStat } from '../backend/types';

/** Why a block was queued; also its default priority (higher runs first). */
export const PrefetchReason = {
  explicit: 'explicit',
  plan: 'plan',
  readahead: 'readahead',
  nextFile: 'next-file',
} as const;
export type PrefetchReason = (typeof PrefetchReason)[keyof typeof PrefetchReason];

export const DEFAULT_PRIORITY: Record<PrefetchReason, number> = {
  explicit: 0,
  plan: 20,
  readahead: 10,
  'next-file': 5,
};

export interface PrefetchTask {
  readonly key: string;
  /** The file's normalised path. */
  readonly path: string;
  /**
   * The version to fetch; undefined for a planned file not checked yet (a
   * probe): its first block is fetched at whatever version the file is at,
   * and that fetch is the check (CachedStore.prefetchCurrent).
   */
  readonly stat: BackendStat | undefined;
  readonly index: number;
  readonly bytes: number;
  readonly priority: number;
  readonly reason: PrefetchReason;
  /** Set for explicit prefetches: the job whose fair share holds the block (fair-share.ts). */
  readonly job?: string;
}

export interface PrefetchCounters {
  /** Blocks brought in by prefetch (fetched from a peer or the backend). */
  prefetchedBlocks: number;
  prefetchedBytes: number;
  /** Prefetched blocks read by a client before eviction. */
  prefetchHits: number;
  /** Prefetched blocks evicted unread. */
  wastedPrefetches: number;
  /** Tasks dropped because the queue was full. */
  droppedTasks: number;
  /** Blocks of explicit prefetches and warm-ups cut to their job's fair share. */
  cutBlocks: number;
  /** Explicit prefetches and warm-ups that were cut. */
  cutRequests: number;
  /** Tasks that failed (file changed, backend error); counted, never surfaced to readers. */
  failedTasks: number;
  /** Tasks skipped because the block was already cached or being read. */
  skippedTasks: number;
  /** Planned files beyond the plan's head that their fetch found missing (or a directory): left out of the plan. */
  planFilesMissing: number;
}

export const newPrefetchCounters = (): PrefetchCounters => ({
  prefetchedBlocks: 0,
  prefetchedBytes: 0,
  prefetchHits: 0,
  wastedPrefetches: 0,
  droppedTasks: 0,
  cutBlocks: 0,
  cutRequests: 0,
  failedTasks: 0,
  skippedTasks: 0,
  planFilesMissing: 0,
});

/** One access-history row. */
export interface AccessRow {
  readonly time: number;
  readonly job: string;
  readonly path: string;
  readonly offset: number;
  readonly length: number;
  readonly size: number;
}

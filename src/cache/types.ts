// Contracts of the block cache: keys, tiers and their counters.

/** One block of one version of one file. */
export interface BlockId {
  readonly path: string;
  readonly version: string;
  readonly index: number;
}

export function blockKey(id: BlockId): string {
  return `${id.version}\u0000${id.index}\u0000${id.path}`;
}

export interface TierCounters {
  hits: number;
  misses: number;
  evictions: number;
  admissionsRejected: number;
  corruptBlocks: number;
  writeErrors: number;
  /** SSD only: blocks not admitted because the queue of writes was full (disk-cache.ts). */
  writesSkipped: number;
}

export const newTierCounters = (): TierCounters => ({
  hits: 0,
  misses: 0,
  evictions: 0,
  admissionsRejected: 0,
  corruptBlocks: 0,
  writeErrors: 0,
  writesSkipped: 0,
});

export interface TierSnapshot extends TierCounters {
  readonly name: string;
  readonly capacityBytes: number;
  readonly usedBytes: number;
  readonly blocks: number;
  /** SSD only: bytes of block writes queued or being written. */
  readonly writeBacklogBytes?: number;
  readonly state: string;
  /** SSD only: how the tier started (recovered, or rebuilt / disabled and why). */
  readonly startup?: string;
  /** SSD only: what each tenant of the SSD's space owner holds (ssd-budget.ts). */
  readonly tenants?: ReadonlyArray<{ readonly name: string; readonly usedBytes: number }>;
}

/** Why a block entered a tier; prefetch accounting needs to know. */
export type BlockOrigin = 'read' | 'prefetch';

/** Observers of tier events (prefetch accounting, metrics). Called synchronously; must be cheap. */
export interface TierEvents {
  onEvict?(tier: string, key: string, origin: BlockOrigin, wasRead: boolean): void;
  /** A block that entered by prefetch was read for the first time. */
  onPrefetchHit?(tier: string, key: string): void;
}

export function pathOfKey(key: string): string {
  return key.slice(key.indexOf('\u0000', key.indexOf('\u0000') + 1) + 1);
}

/** Where a block came from when it was not in a local tier. */
export type FetchSource = 'peer' | 'backend';

export interface FetchedBlock {
  readonly data: Buffer;
  readonly source: FetchSource;
}

/**
 * Fetches a block that no local tier holds. The default reads the backend;
 * the distributed tier wraps it to ask the block's owner first.
 */
export interface BlockFetcher {
  /** `origin` lets the direct fetcher hand prefetch reads to the prefetch workers. */
  fetch(id: BlockId, length: number, origin?: BlockOrigin): Promise<FetchedBlock>;
}

// Memory tier: blocks as Buffers under a byte budget, optional TTL.
// Lookups are a Map get; admission and victims come from AdmissionPolicy.
// With adjustExternalMemory (the native addon's), the bytes of the blocks
// held are hidden from V8's external-memory GC trigger while they are held
// (hidden-external-memory.ts): a tier filling up is not garbage.

import { HiddenExternalMemory, type AdjustExternalMemory } from './hidden-external-memory';
import { KeysByPath } from './keys-by-path';
import { AdmissionPolicy } from './policy';
import { newTierCounters, type BlockOrigin, type TierEvents, type TierSnapshot } from './types';

interface MemEntry {
  readonly data: Buffer;
  readonly storedAt: number;
  origin: BlockOrigin;
  wasRead: boolean;
}

export interface MemCacheOptions {
  readonly capacityBytes: number;
  readonly blockSize: number;
  readonly ttlMs: number;
  readonly now?: () => number;
  readonly events?: TierEvents;
  readonly policy?: AdmissionPolicy;
  /** V8's external memory counter (napi_adjust_external_memory); without it nothing is hidden. */
  readonly adjustExternalMemory?: AdjustExternalMemory;
}

export class MemCache {
  readonly counters = newTierCounters();
  private readonly entries = new Map<string, MemEntry>();
  /** The keys of `entries` by file path (kept in step with it). */
  private readonly byPath = new KeysByPath();
  private readonly policy: AdmissionPolicy;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly events: TierEvents;
  /** Bytes of held blocks hidden from V8's GC trigger; kept in step with `entries`. */
  private readonly hidden: HiddenExternalMemory | undefined;

  constructor(opts: MemCacheOptions) {
    this.policy =
      opts.policy ?? new AdmissionPolicy({ capacityBytes: opts.capacityBytes, typicalEntryBytes: opts.blockSize });
    this.ttlMs = opts.ttlMs;
    this.now = opts.now ?? Date.now;
    this.events = opts.events ?? {};
    this.hidden = opts.adjustExternalMemory ? new HiddenExternalMemory(opts.adjustExternalMemory) : undefined;
  }

  /** Bytes of the blocks held that V8's external-memory trigger does not see (0 without the addon). */
  get hiddenBytes(): number {
    return this.hidden?.hiddenBytes ?? 0;
  }

  /** Looks a block up, counting a hit or a miss. */
  get(key: string): Buffer | undefined {
    this.policy.recordAccess(key);
    const e = this.entries.get(key);
    if (e === undefined) {
      this.counters.misses++;
      return undefined;
    }
    if (this.ttlMs > 0 && this.now() - e.storedAt > this.ttlMs) {
      this.drop(key, e, true);
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    this.policy.touch(key);
    if (!e.wasRead) {
      e.wasRead = true;
      if (e.origin === 'prefetch') this.events.onPrefetchHit?.('memory', key);
    }
    return e.data;
  }

  /** A reader got this block by joining the load that stored it: count it as read (prefetch accounting). */
  markRead(key: string): void {
    const e = this.entries.get(key);
    if (!e || e.wasRead) return;
    e.wasRead = true;
    if (e.origin === 'prefetch') this.events.onPrefetchHit?.('memory', key);
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** The keys of one file's blocks (every version), without scanning the tier. */
  keysOfPath(path: string): readonly string[] {
    return this.byPath.keysOf(path);
  }

  /** Presence check without counting (prefetch planning, warm-up --check). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * Offers a block. Returns true when it was stored. `origin` prefetch blocks
   * are not counted as an access (they have not been read yet).
   */
  put(key: string, data: Buffer, origin: BlockOrigin = 'read', opts: { force?: boolean } = {}): boolean {
    if (this.policy.capacityBytes === 0) return false;
    const existing = this.entries.get(key);
    if (existing) {
      if (origin === 'read') existing.wasRead = true;
      return true;
    }
    const victims = this.policy.admit(key, data.length, opts);
    if (victims === null) {
      this.counters.admissionsRejected++;
      return false;
    }
    for (const v of victims) {
      const ve = this.entries.get(v);
      if (ve) this.drop(v, ve, true);
    }
    this.entries.set(key, { data, storedAt: this.now(), origin, wasRead: origin === 'read' });
    this.byPath.add(key);
    this.policy.insert(key, data.length);
    this.hidden?.hold(data);
    return true;
  }

  /** Removes a block (invalidation); not counted as an eviction. */
  delete(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    this.drop(key, e, false);
    return true;
  }

  /** Drops every block (shutdown); not counted as evictions. */
  clear(): void {
    // Given back in one call, not one per block (each a call into V8 that may start a collection).
    this.hidden?.releaseAll();
    for (const [k, e] of this.entries) this.drop(k, e, false);
  }

  protect(key: string, on: boolean): void {
    this.policy.protect(key, on);
  }

  frequency(key: string): number {
    return this.policy.frequency(key);
  }

  /** Drops entries past their TTL; run from a background timer. */
  sweep(): number {
    if (this.ttlMs <= 0) return 0;
    const cutoff = this.now() - this.ttlMs;
    let n = 0;
    for (const [k, e] of this.entries) {
      if (e.storedAt < cutoff) {
        this.drop(k, e, true);
        n++;
      }
    }
    return n;
  }

  snapshot(): TierSnapshot {
    return {
      name: 'memory',
      ...this.counters,
      capacityBytes: this.policy.capacityBytes,
      usedBytes: this.policy.usedBytes,
      blocks: this.entries.size,
      state: this.policy.capacityBytes > 0 ? 'normal' : 'disabled',
    };
  }

  private drop(key: string, e: MemEntry, eviction: boolean): void {
    this.entries.delete(key);
    this.byPath.remove(key);
    this.policy.remove(key);
    this.hidden?.release(e.data);
    if (eviction) {
      this.counters.evictions++;
      this.events.onEvict?.('memory', key, e.origin, e.wasRead);
    }
  }
}

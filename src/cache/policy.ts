// Eviction and admission for one cache tier, by bytes.
//
// Plain LRU thrashes on training: each epoch reads the whole dataset once in a
// fresh random order, and LRU evicts exactly the blocks that the rest of the
// epoch still needs (hit ratio f + (1-f)ln(1-f) for cache fraction f; CoorDL,
// VLDB 2021). This policy keeps LRU order for choosing a victim but admits a
// new block over the victim only when the block is clearly more popular
// (TinyLFU, as in Caffeine): frequency(candidate) > frequency(victim) + margin.
// Under reshuffled epochs every block is read once per epoch, no candidate is
// clearly more popular, the cache stops churning and the hit ratio tends to f,
// the optimum. Under a skewed (Zipf) workload, popular blocks win admission
// and cold ones are kept out, which does at least as well as LRU.
// A victim that has sat unread for longer than 1.5 times the longest reuse
// distance seen on recent hits (measured in accesses) is stale: the job that
// read it has moved on, so it is replaceable whatever its past popularity,
// and a new dataset displaces a finished one within a few epochs.
//
// Pure: no I/O, no clock; the sketch's hash is injectable.

import { FrequencySketch, type HashFn } from './frequency-sketch';

export interface PolicyOptions {
  readonly capacityBytes: number;
  /** Typical entry size, to size the frequency sketch. */
  readonly typicalEntryBytes: number;
  /** A candidate must beat the victim's frequency by more than this. */
  readonly admissionMargin?: number;
  readonly hash?: HashFn;
}

interface Entry {
  size: number;
  /** Clock of the last access. */
  last: number;
}

export class AdmissionPolicy {
  /** Byte budget; lowered while others share the tier's disk budget (see DiskCache). */
  capacityBytes: number;
  private readonly margin: number;
  private readonly sketch: FrequencySketch;
  /** key -> entry; iteration order is LRU first, MRU last. */
  private readonly order = new Map<string, Entry>();
  /** Access clock: one tick per recordAccess(). */
  private clock = 0;
  /** Decaying maximum of reuse distances observed on hits, in ticks. */
  private reuseDistance = 0;
  private readonly minStaleTicks: number;
  /** Keys that must not be chosen as victims (e.g. planned to be read again soon). */
  private readonly protectedKeys = new Set<string>();
  private used = 0;

  constructor(opts: PolicyOptions) {
    this.capacityBytes = opts.capacityBytes;
    this.margin = opts.admissionMargin ?? 1;
    const entries = Math.max(16, Math.ceil(opts.capacityBytes / Math.max(1, opts.typicalEntryBytes)));
    this.sketch = new FrequencySketch(entries, opts.hash);
    this.minStaleTicks = 4 * entries;
  }

  get usedBytes(): number {
    return this.used;
  }

  get size(): number {
    return this.order.size;
  }

  has(key: string): boolean {
    return this.order.has(key);
  }

  /** Bytes of `key`, undefined when it is not in. */
  sizeOf(key: string): number | undefined {
    return this.order.get(key)?.size;
  }

  frequency(key: string): number {
    return this.sketch.frequency(key);
  }

  /** Every lookup, hit or miss, counts towards popularity. */
  recordAccess(key: string): void {
    this.clock++;
    this.sketch.increment(key);
  }

  /** A hit: the entry becomes most recently used. */
  touch(key: string): void {
    const e = this.order.get(key);
    if (e === undefined) return;
    const gap = this.clock - e.last;
    this.reuseDistance = Math.max(gap, this.reuseDistance - this.reuseDistance / 4096);
    e.last = this.clock;
    this.order.delete(key);
    this.order.set(key, e);
  }

  protect(key: string, on: boolean): void {
    if (on) this.protectedKeys.add(key);
    else this.protectedKeys.delete(key);
  }

  /**
   * Decides whether `key` (of `size` bytes) may enter. Returns the victims to
   * evict first (possibly none), or null when the entry should stay out.
   * Does not change the policy: call insert() and remove() to apply.
   */
  admit(key: string, size: number, opts: { force?: boolean } = {}): string[] | null {
    if (size > this.capacityBytes) return null;
    if (this.order.has(key)) return [];
    let need = this.used + size - this.capacityBytes;
    if (need <= 0) return [];
    const candidate = this.sketch.frequency(key);
    const staleAfter = Math.max(this.minStaleTicks, 1.5 * this.reuseDistance);
    const victims: string[] = [];
    for (const [k, e] of this.order) {
      if (this.protectedKeys.has(k)) continue;
      if (!opts.force && this.clock - e.last <= staleAfter && candidate <= this.sketch.frequency(k) + this.margin) {
        return null;
      }
      victims.push(k);
      need -= e.size;
      if (need <= 0) return victims;
    }
    return null;
  }

  insert(key: string, size: number): void {
    const prev = this.order.get(key);
    if (prev !== undefined) {
      this.used -= prev.size;
      this.order.delete(key);
    }
    this.order.set(key, { size, last: this.clock });
    this.used += size;
  }

  remove(key: string): boolean {
    const e = this.order.get(key);
    if (e === undefined) return false;
    this.order.delete(key);
    this.protectedKeys.delete(key);
    this.used -= e.size;
    return true;
  }

  /** Least recently used first; for evicting under space pressure regardless of admission. */
  lruKeys(): IterableIterator<string> {
    return this.order.keys();
  }
}

/** Plain LRU with the same interface, the baseline for benchmarks. */
export class LruPolicy extends AdmissionPolicy {
  override admit(key: string, size: number): string[] | null {
    return super.admit(key, size, { force: true });
  }
}

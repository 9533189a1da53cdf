// Count-min sketch of access frequencies with periodic aging (TinyLFU).
// Pure: the hash is injectable so tests can work answers out by hand.

export type HashFn = (key: string, seed: number) => number;

/** FNV-1a over UTF-16 code units, mixed with a seed; 32-bit unsigned. */
export function fnv1a(key: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

const DEPTH = 4;
const MAX_COUNT = 255;

export class FrequencySketch {
  private readonly width: number;
  private readonly table: Uint8Array;
  private readonly hash: HashFn;
  /** Scratch for increment(): the counters' indexes, so a lookup allocates nothing. */
  private readonly idx = new Int32Array(DEPTH);
  /** Increments since the last aging; all counters halve when it reaches sampleSize. */
  private additions = 0;
  readonly sampleSize: number;

  constructor(expectedEntries: number, hash: HashFn = fnv1a) {
    let w = 64;
    while (w < expectedEntries * 4 && w < 1 << 24) w <<= 1;
    this.width = w;
    this.table = new Uint8Array(w * DEPTH);
    this.hash = hash;
    this.sampleSize = 10 * Math.max(16, expectedEntries);
  }

  frequency(key: string): number {
    let min = MAX_COUNT;
    for (let d = 0; d < DEPTH; d++) {
      const c = this.table[d * this.width + (this.hash(key, d) & (this.width - 1))]!;
      if (c < min) min = c;
    }
    return min;
  }

  increment(key: string): void {
    // Conservative update: raise only the counters at the current minimum.
    const idx = this.idx;
    let min = MAX_COUNT;
    for (let d = 0; d < DEPTH; d++) {
      const i = d * this.width + (this.hash(key, d) & (this.width - 1));
      idx[d] = i;
      if (this.table[i]! < min) min = this.table[i]!;
    }
    if (min === MAX_COUNT) return;
    for (let d = 0; d < DEPTH; d++) {
      const i = idx[d]!;
      if (this.table[i] === min) this.table[i] = min + 1;
    }
    if (++this.additions >= this.sampleSize) this.age();
  }

  /** Halves every counter, so old popularity fades. */
  age(): void {
    for (let i = 0; i < this.table.length; i++) this.table[i] = this.table[i]! >>> 1;
    this.additions = 0;
  }
}

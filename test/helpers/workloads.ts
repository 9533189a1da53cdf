// Synthetic access traces for the eviction policy, shared by its tests and
// the cache benchmark: a seeded generator, epoch shuffles, Zipf sampling, and
// one lookup through a policy as a cache tier does it.

import type { AdmissionPolicy } from '../../src/cache/policy';

/** Deterministic uniform numbers in [0, 1) (an LCG), so traces reproduce. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A shuffled copy (Fisher–Yates): one epoch's order. */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const b = [...items];
  for (let i = b.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [b[i], b[j]] = [b[j]!, b[i]!];
  }
  return b;
}

/** Draws item ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s. */
export function zipfSampler(n: number, s: number, rand: () => number): () => number {
  const weights = Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, s));
  const total = weights.reduce((a, b) => a + b);
  const cdf: number[] = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w / total));
  return () => {
    const u = rand();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (cdf[m]! < u) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
}

/** One lookup through a policy, as a tier does it: count, hit or admit. Returns whether it hit. */
export function lookUp(p: AdmissionPolicy, key: string, size = 1): boolean {
  p.recordAccess(key);
  if (p.has(key)) {
    p.touch(key);
    return true;
  }
  const victims = p.admit(key, size);
  if (victims) {
    for (const v of victims) p.remove(v);
    p.insert(key, size);
  }
  return false;
}

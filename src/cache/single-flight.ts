// Collapses concurrent loads of one key into one call (as groupcache's
// singleflight): 32 readers missing the same block make one backend read.

export class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();
  /** Calls that joined an existing flight instead of starting one. */
  deduped = 0;

  do(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key);
    if (existing) {
      this.deduped++;
      return existing;
    }
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  has(key: string): boolean {
    return this.inflight.has(key);
  }

  get size(): number {
    return this.inflight.size;
  }
}

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
    const p = fn();
    this.inflight.set(key, p);
    // Registered before anyone can await `p`, so the flight is gone by the time its callers resume
    // (as with p.finally(), without a second promise for every caller to go through).
    const done = (): void => {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    };
    p.then(done, done);
    return p;
  }

  has(key: string): boolean {
    return this.inflight.has(key);
  }

  get size(): number {
    return this.inflight.size;
  }
}

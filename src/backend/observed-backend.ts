// Wraps a backend to tell observers how long each request took (metrics).
// Installed once by the daemon around whatever backend it built, so the
// figures include emulated latency, prefetch reads (offloaded to worker
// threads below this wrapper) and any remote backend alike. With no
// observer, a request costs two clock reads more than the inner one.

import { BackendDecorator } from './backend-decorator';
import type { Backend, BackendStat, CurrentRead, ReadOptions } from './types';

export type BackendOp = 'read' | 'stat';

/** Told after every request; `ok` is false when the request threw. */
export type BackendObserver = (op: BackendOp, seconds: number, ok: boolean) => void;

export class ObservedBackend extends BackendDecorator {
  private readonly observers: readonly BackendObserver[];

  constructor(inner: Backend, observers: readonly BackendObserver[] = []) {
    super(inner);
    this.observers = observers;
  }

  override stat(path: string): Promise<BackendStat> {
    return this.timed('stat', () => this.inner.stat(path));
  }

  override read(path: string, offset: number, length: number, version: string, opts?: ReadOptions): Promise<Buffer> {
    return this.timed('read', () => this.inner.read(path, offset, length, version, opts));
  }

  /** A read that is its own check: one request, counted as a read. */
  override readCurrent(path: string, offset: number, length: number, opts?: ReadOptions): Promise<CurrentRead> {
    return this.timed('read', () => this.inner.readCurrent(path, offset, length, opts));
  }

  private async timed<T>(op: BackendOp, fn: () => Promise<T>): Promise<T> {
    if (this.observers.length === 0) return fn();
    const started = performance.now();
    let ok = false;
    try {
      const r = await fn();
      ok = true;
      return r;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      for (const o of this.observers) o(op, seconds, ok);
    }
  }
}

// Wraps a backend to tell observers how long each request took (metrics).
// Installed once by the daemon around whatever backend it built, so the
// figures include emulated latency and any future remote backend alike.
// With no observer, a request costs two clock reads more than the inner one.

import { forwardWrites } from './forward-writes';
import type { Backend, BackendStat } from './types';

export type BackendOp = 'read' | 'stat';

/** Told after every request; `ok` is false when the request threw. */
export type BackendObserver = (op: BackendOp, seconds: number, ok: boolean) => void;

export class ObservedBackend implements Backend {
  readonly kind: string;
  readonly location: string;
  private readonly inner: Backend;
  private readonly observers: readonly BackendObserver[];

  constructor(inner: Backend, observers: readonly BackendObserver[] = []) {
    this.inner = inner;
    this.observers = observers;
    this.kind = inner.kind;
    this.location = inner.location;
    if (inner.localPath) this.localPath = (p: string) => inner.localPath!(p);
    if (inner.open) this.open = () => inner.open!();
    if (inner.close) this.close = () => inner.close!();
    if (inner.emulatedDelay) this.emulatedDelay = (b: number) => inner.emulatedDelay!(b);
    forwardWrites(inner, this);
  }

  emulatedDelay?: (bytes: number) => Promise<void>;

  localPath?: (path: string) => Promise<string>;
  open?: () => Promise<void>;
  close?: () => Promise<void>;

  get counters() {
    return this.inner.counters;
  }

  stat(path: string): Promise<BackendStat> {
    return this.timed('stat', () => this.inner.stat(path));
  }

  read(path: string, offset: number, length: number, version: string): Promise<Buffer> {
    return this.timed('read', () => this.inner.read(path, offset, length, version));
  }

  list(prefix: string, recursive: boolean): AsyncIterable<BackendStat> {
    return this.inner.list(prefix, recursive);
  }

  readdir(dir: string): Promise<string[]> {
    return this.inner.readdir(dir);
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

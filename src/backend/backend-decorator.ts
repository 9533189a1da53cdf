// The base of every backend wrapper (deadline, throttled, observed,
// offloaded): it forwards the whole Backend contract to the inner backend,
// so a wrapper overrides only what it changes and a new contract method is
// forwarded by all of them at once.

import type { Backend, BackendStat, BackendWriteOptions, CurrentRead, ReadOptions } from './types';

export abstract class BackendDecorator implements Backend {
  readonly kind: string;
  readonly location: string;
  protected readonly inner: Backend;

  constructor(inner: Backend, kind = inner.kind, location = inner.location) {
    this.inner = inner;
    this.kind = kind;
    this.location = location;
  }

  get counters() {
    return this.inner.counters;
  }

  stat(path: string): Promise<BackendStat> {
    return this.inner.stat(path);
  }

  read(path: string, offset: number, length: number, version: string, opts?: ReadOptions): Promise<Buffer> {
    return this.inner.read(path, offset, length, version, opts);
  }

  readCurrent(path: string, offset: number, length: number, opts?: ReadOptions): Promise<CurrentRead> {
    return this.inner.readCurrent(path, offset, length, opts);
  }

  list(prefix: string, recursive: boolean): AsyncIterable<BackendStat> {
    return this.inner.list(prefix, recursive);
  }

  readdir(dir: string): Promise<string[]> {
    return this.inner.readdir(dir);
  }

  write(path: string, body: AsyncIterable<Uint8Array>, opts?: BackendWriteOptions): Promise<BackendStat> {
    return this.inner.write(path, body, opts);
  }

  delete(path: string): Promise<void> {
    return this.inner.delete(path);
  }

  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }

  cleanupIncomplete(prefix: string): Promise<number> {
    return this.inner.cleanupIncomplete(prefix);
  }

  removeDir(path: string): Promise<void> {
    return this.inner.removeDir(path);
  }

  async open(): Promise<void> {
    await this.inner.open?.();
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

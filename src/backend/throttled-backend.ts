// Bench/test only: wraps a backend to emulate a remote filesystem, adding a
// fixed latency to every request and a shared bandwidth cap (token bucket).
// Enabled by the daemon's --emulate-backend-latency / --emulate-backend-bandwidth,
// which exist so benchmarks can measure the cache against a slow backend on
// one machine (tc netem is not available here).

import { setTimeout as sleep } from 'node:timers/promises';
import { forwardWrites } from './forward-writes';
import type { Backend, BackendStat } from './types';

export interface ThrottleOptions {
  readonly latencyMs: number;
  /** Bytes per second; 0 = unlimited. */
  readonly bandwidth: number;
}

export class ThrottledBackend implements Backend {
  readonly kind: string;
  readonly location: string;
  private readonly inner: Backend;
  private readonly opts: ThrottleOptions;
  /** Time (ms, monotonic) at which the emulated link is next free. */
  private linkFreeAt = 0;

  constructor(inner: Backend, opts: ThrottleOptions) {
    this.inner = inner;
    this.opts = opts;
    this.kind = `${inner.kind}+throttled`;
    this.location = `${inner.location} (emulated: ${opts.latencyMs}ms per request, ${opts.bandwidth || 'unlimited'} B/s)`;
    if (inner.localPath) this.localPath = (p: string) => inner.localPath!(p);
    // Writes cross the emulated link too: a request's latency, the bytes at the shared bandwidth.
    forwardWrites(inner, this, {
      request: () => (opts.latencyMs > 0 ? sleep(opts.latencyMs).then(() => {}) : Promise.resolve()),
      bytes: (n) => this.emulatedDelay(n),
    });
    if (inner.open) this.open = () => inner.open!();
  }

  localPath?: (path: string) => Promise<string>;
  open?: () => Promise<void>;

  get counters() {
    return this.inner.counters;
  }

  async stat(path: string): Promise<BackendStat> {
    if (this.opts.latencyMs > 0) await sleep(this.opts.latencyMs);
    return this.inner.stat(path);
  }

  async read(path: string, offset: number, length: number, version: string): Promise<Buffer> {
    const data = await this.inner.read(path, offset, length, version);
    await this.emulatedDelay(data.length);
    return data;
  }

  /**
   * Waits as long as moving `bytes` over the emulated link would take (one
   * request's latency, and the shared bandwidth). Also used by I/O that goes
   * around read(): prefetch workers and checkpoint copies.
   */
  async emulatedDelay(bytes: number): Promise<void> {
    const now = performance.now();
    let wait = this.opts.latencyMs;
    if (this.opts.bandwidth > 0) {
      const start = Math.max(now, this.linkFreeAt);
      this.linkFreeAt = start + (bytes / this.opts.bandwidth) * 1000;
      wait = Math.max(wait, this.linkFreeAt - now);
    }
    if (wait > 0) await sleep(wait);
  }

  list(prefix: string, recursive: boolean): AsyncIterable<BackendStat> {
    return this.inner.list(prefix, recursive);
  }

  async readdir(dir: string): Promise<string[]> {
    if (this.opts.latencyMs > 0) await sleep(this.opts.latencyMs);
    return this.inner.readdir(dir);
  }
}

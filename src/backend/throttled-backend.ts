// Bench/test only: wraps a backend to emulate a remote filesystem, adding a
// fixed latency to every request and a shared bandwidth cap (token bucket).
// Enabled by the daemon's --emulate-backend-latency / --emulate-backend-bandwidth,
// which exist so benchmarks can measure the cache against a slow backend on
// one machine (tc netem is not available here). Everything that reaches the
// backend goes through this wrapper (prefetch reads and checkpoint copies
// included), so nothing else knows about the emulation.

import { setTimeout as sleep } from 'node:timers/promises';
import { BackendDecorator } from './backend-decorator';
import type { Backend, BackendStat, BackendWriteOptions, CurrentRead, ReadOptions } from './types';

export interface ThrottleOptions {
  readonly latencyMs: number;
  /** Bytes per second; 0 = unlimited. */
  readonly bandwidth: number;
}

export class ThrottledBackend extends BackendDecorator {
  private readonly opts: ThrottleOptions;
  /** Time (ms, monotonic) at which the emulated link is next free. */
  private linkFreeAt = 0;

  constructor(inner: Backend, opts: ThrottleOptions) {
    super(inner, `${inner.kind}+throttled`, `${inner.location} (emulated: ${opts.latencyMs}ms per request, ${opts.bandwidth || 'unlimited'} B/s)`);
    this.opts = opts;
  }

  override async stat(path: string): Promise<BackendStat> {
    await this.latency();
    return this.inner.stat(path);
  }

  override async read(path: string, offset: number, length: number, version: string, opts?: ReadOptions): Promise<Buffer> {
    const data = await this.inner.read(path, offset, length, version, opts);
    await this.emulatedDelay(data.length);
    return data;
  }

  override async readCurrent(path: string, offset: number, length: number, opts?: ReadOptions): Promise<CurrentRead> {
    const r = await this.inner.readCurrent(path, offset, length, opts);
    await this.emulatedDelay(r.data.length);
    return r;
  }

  override async readdir(dir: string): Promise<string[]> {
    await this.latency();
    return this.inner.readdir(dir);
  }

  // Writes cross the emulated link too: a request's latency, the bytes at the shared bandwidth.
  override async write(path: string, body: AsyncIterable<Uint8Array>, opts?: BackendWriteOptions): Promise<BackendStat> {
    await this.latency();
    return this.inner.write(path, this.paced(body), opts);
  }

  override async delete(path: string): Promise<void> {
    await this.latency();
    return this.inner.delete(path);
  }

  override async rename(from: string, to: string): Promise<void> {
    await this.latency();
    return this.inner.rename(from, to);
  }

  override async removeDir(path: string): Promise<void> {
    await this.latency();
    return this.inner.removeDir(path);
  }

  /**
   * Waits as long as moving `bytes` over the emulated link would take (one
   * request's latency, and the shared bandwidth). Public for benchmarks that
   * measure a plain copy over the same emulated link as a baseline.
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

  private async latency(): Promise<void> {
    if (this.opts.latencyMs > 0) await sleep(this.opts.latencyMs);
  }

  private async *paced(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of body) {
      await this.emulatedDelay(chunk.byteLength);
      yield chunk;
    }
  }
}

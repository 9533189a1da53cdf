// Wraps a backend so that no call waits on it for longer than a deadline,
// and a hung backend cannot take the daemon's I/O threads with it.
//
// Why: a FUSE mount whose server is gone (MooseFS with its master stopped,
// NFS with its server down) does not fail a stat() or read(): the call waits
// in the kernel until the server is back, for minutes. Each such call holds
// one libuv threadpool thread, and that pool also runs every SSD-tier read,
// so a handful of hung backend calls would stop the whole daemon. Here:
//   * a call not answered within `timeoutMs` fails BACKEND_UNAVAILABLE;
//   * at most `maxInflight` inner calls are unsettled at once. A call that
//     timed out keeps its slot until the inner call really settles (its
//     thread is still blocked), so a hung backend holds at most maxInflight
//     threads; the daemon sizes the threadpool above that (see
//     cli/daemon-command.ts);
//   * after a timeout the backend counts as down: one call at a time is let
//     through as a probe and every other call fails at once, so reads of
//     cached data (which only re-check the version) answer without waiting.
//     The first inner call that succeeds (a probe, or a hung call the server
//     finally answers) brings it back up.
//   * a read that runs off the threadpool (`offloaded`: a POSIX backend's
//     large prefetch read, on a prefetch worker thread, offloaded-backend.ts)
//     is held to the deadline but takes no slot: the number of workers bounds
//     it, not the threadpool the slots protect. Every other read, a small
//     prefetch read on the threadpool included, takes a slot.

import { backendNotAnswering, backendTimedOut, ErrorCodes } from '../errors';
import { getErrorCode } from '../util/errors-message';
import type { Logger } from '../log';
import { BackendDecorator } from './backend-decorator';
import type { Backend, BackendStat, CurrentRead, ReadOptions } from './types';

export interface DeadlineOptions {
  /** 0 = no deadline (calls are still bounded by maxInflight). */
  readonly timeoutMs: number;
  readonly maxInflight: number;
  /** Whether a read runs off the threadpool and so takes no slot (default: every background read). */
  readonly offloaded?: (length: number, opts?: ReadOptions) => boolean;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class DeadlineBackend extends BackendDecorator {
  private readonly opts: DeadlineOptions;
  private readonly now: () => number;
  /** Inner calls started and not yet settled (≤ maxInflight). */
  private inflight = 0;
  /** Of `inflight`, those whose caller was already told backend-timeout. */
  private abandonedCalls = 0;
  /** Calls waiting for a slot, oldest first. */
  private readonly waiting: Array<() => void> = [];
  /** When the backend was first seen not answering; undefined while it answers. */
  private downSince: number | undefined;
  /** While down: a probe call is in flight and has not timed out. */
  private probing = false;

  constructor(inner: Backend, opts: DeadlineOptions) {
    super(inner);
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    // Not held to the deadline: the start-up check (it runs before any reader
    // waits on it) and writes (checkpoint persists: an upload's length has no
    // bound a read deadline fits, and the persister runs one at a time, so a
    // hung backend holds one thread and delays persisting, no more).
  }

  /** Inner calls that outlived their deadline and have not settled yet: each holds an I/O thread (a hung mount's never settle). */
  get abandoned(): number {
    return this.abandonedCalls;
  }

  /** True while the backend is considered down (for health and diagnose). */
  get down(): boolean {
    return this.downSince !== undefined;
  }

  override stat(path: string): Promise<BackendStat> {
    return this.call(`stat of ${path || '/'}`, () => this.inner.stat(path));
  }

  override read(path: string, offset: number, length: number, version: string, opts?: ReadOptions): Promise<Buffer> {
    return this.call(`read of ${path} at ${offset}`, () => this.inner.read(path, offset, length, version, opts), !(this.opts.offloaded ? this.opts.offloaded(length, opts) : opts?.background === true));
  }

  /** Always on the threadpool (offloaded-backend.ts offloads only reads of a known version), so it takes a slot. */
  override readCurrent(path: string, offset: number, length: number, opts?: ReadOptions): Promise<CurrentRead> {
    return this.call(`read of ${path} at ${offset}`, () => this.inner.readCurrent(path, offset, length, opts));
  }

  override readdir(dir: string): Promise<string[]> {
    return this.call(`listing of ${dir || '/'}`, () => this.inner.readdir(dir));
  }

  /** Each step of the listing (a readdir or stat underneath) is one deadline-bound call. */
  override async *list(prefix: string, recursive: boolean): AsyncIterable<BackendStat> {
    const it = this.inner.list(prefix, recursive)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const r = await this.call(`listing of ${prefix || '/'}`, () => it.next());
        if (r.done) return;
        yield r.value;
      }
    } finally {
      // Do not wait on a hung iterator to close.
      void it.return?.()?.catch(() => {});
    }
  }

  /** `slotted`: the call waits for one of the maxInflight slots (every call but an offloaded background read). */
  private call<T>(what: string, fn: () => Promise<T>, slotted = true): Promise<T> {
    let probe = false;
    if (this.downSince !== undefined) {
      if (this.probing) {
        this.inner.counters.errors++;
        return Promise.reject(backendNotAnswering(what, this.downSince));
      }
      this.probing = probe = true;
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let running = false;
      let abandoned = false;
      let timer: NodeJS.Timeout | undefined;
      const finished = (): void => {
        if (abandoned) this.abandonedCalls--;
        if (slotted) this.release();
      };
      const start = () => {
        if (slotted) this.inflight++;
        running = true;
        fn().then(
          (v) => {
            finished();
            this.markUp();
            if (probe) this.probing = false;
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(v);
          },
          (err: unknown) => {
            finished();
            // NOT_FOUND and the like are answers too; only an I/O failure is not.
            if (getErrorCode(err) !== ErrorCodes.BACKEND_UNAVAILABLE) this.markUp();
            if (probe) this.probing = false;
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            reject(err);
          },
        );
      };
      if (this.opts.timeoutMs > 0) {
        timer = setTimeout(() => {
          if (settled) return;
          settled = true;
          if (running) {
            abandoned = true;
            this.abandonedCalls++;
          }
          if (probe) this.probing = false;
          const queued = this.waiting.indexOf(start);
          if (queued >= 0) this.waiting.splice(queued, 1);
          this.inner.counters.errors++;
          this.markDown(what);
          reject(backendTimedOut(what, this.opts.timeoutMs));
        }, this.opts.timeoutMs);
      }
      if (!slotted || (this.inflight < this.opts.maxInflight && this.waiting.length === 0)) start();
      else this.waiting.push(start);
    });
  }

  /** An inner call settled: its slot goes to the oldest waiter. */
  private release(): void {
    this.inflight--;
    const next = this.waiting.shift();
    if (next) next();
  }

  private markDown(what: string): void {
    if (this.downSince !== undefined) return;
    this.downSince = this.now();
    this.opts.logger.warn('backend not answering: failing backend calls with UNAVAILABLE, serving cached data', {
      backend: this.location,
      timeoutMs: this.opts.timeoutMs,
      call: what,
      inflight: this.inflight,
    });
  }

  private markUp(): void {
    if (this.downSince === undefined) return;
    this.opts.logger.info('backend answering again', {
      backend: this.location,
      downMs: this.now() - this.downSince,
    });
    this.downSince = undefined;
  }
}

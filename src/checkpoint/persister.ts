// Phase 2 of a save: copies complete local checkpoints to the backend, one
// at a time in the order they were saved. A failure is counted, logged and
// retried with exponential back-off (capped); the item stays at the head of
// the queue, so a backend outage delays persisting but never loses order.
// Timers are unref()ed; stop() aborts the copy in progress (it resumes on
// the next start, from the local copy).

import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';

export const PERSIST_BACKOFF_BASE_MS = 200;
export const PERSIST_BACKOFF_CAP_MS = 30_000;

export interface PersistKey {
  readonly jobId: string;
  readonly id: string;
}

export interface PersisterOptions {
  /**
   * Copies one checkpoint; resolves true once its backend manifest exists,
   * false when there is nothing left to persist (deleted, or its local copy
   * turned out corrupt and was dropped).
   */
  readonly persist: (key: PersistKey, signal: AbortSignal) => Promise<boolean>;
  readonly onSuccess?: (key: PersistKey) => void;
  readonly onFailure?: (key: PersistKey, err: unknown) => void;
  readonly log: Logger;
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

const keyOf = (k: PersistKey): string => `${k.jobId}/${k.id}`;

export function backoffDelay(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export class Persister {
  /** Insertion-ordered: the head is being persisted or waiting for its retry. */
  private readonly queue = new Map<string, PersistKey>();
  /** Guarded by the queue: waiters of keys still queued. */
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly opts: PersisterOptions;
  private running = false;
  private stopped = true;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(opts: PersisterOptions) {
    this.opts = opts;
  }

  get pending(): number {
    return this.queue.size;
  }

  has(key: PersistKey): boolean {
    return this.queue.has(keyOf(key));
  }

  enqueue(key: PersistKey): void {
    this.queue.set(keyOf(key), key);
    this.kick();
  }

  /** Resolves once `key` is persisted; rejects at its next failed attempt, or if it is dropped. */
  waitFor(key: PersistKey): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.queue.has(keyOf(key))) return resolve();
      const list = this.waiters.get(keyOf(key)) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(keyOf(key), list);
    });
  }

  /** Forgets a queued key (deleted checkpoint). */
  drop(key: PersistKey, why: Error): void {
    this.queue.delete(keyOf(key));
    this.settle(key, why);
  }

  start(): void {
    this.stopped = false;
    this.abort = new AbortController();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.abort.abort(new Error('daemon stopping'));
    await this.loop;
  }

  private kick(): void {
    if (this.running || this.stopped || this.retryTimer) return;
    this.running = true;
    this.loop = this.run().finally(() => {
      this.running = false;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const head = this.queue.values().next();
      if (head.done) return;
      const key = head.value;
      try {
        const done = await this.opts.persist(key, this.abort.signal);
        this.attempt = 0;
        this.queue.delete(keyOf(key));
        if (done) {
          this.opts.onSuccess?.(key);
          this.settle(key);
        } else {
          this.settle(key, new Error(`checkpoint ${keyOf(key)} was dropped before it could be persisted`));
        }
      } catch (err) {
        if (this.stopped) return;
        this.attempt++;
        const delay = backoffDelay(this.attempt, this.opts.backoffBaseMs ?? PERSIST_BACKOFF_BASE_MS, this.opts.backoffCapMs ?? PERSIST_BACKOFF_CAP_MS);
        this.opts.onFailure?.(key, err);
        this.opts.log.warn('persisting a checkpoint failed; will retry', {
          job: key.jobId,
          id: key.id,
          attempt: this.attempt,
          retryInMs: delay,
          err: getErrorMessage(err),
        });
        // A failing backend fails every sync save behind the head too.
        this.rejectAllWaiters(err);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, delay);
        this.retryTimer.unref();
        return;
      }
    }
  }

  private settle(key: PersistKey, err?: Error): void {
    const list = this.waiters.get(keyOf(key));
    this.waiters.delete(keyOf(key));
    for (const w of list ?? []) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  private rejectAllWaiters(err: unknown): void {
    const all = [...this.waiters.values()].flat();
    this.waiters.clear();
    for (const w of all) w.reject(err);
  }
}

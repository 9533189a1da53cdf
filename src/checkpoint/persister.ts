// Phase 2 of a save: copies complete local checkpoints to the backend, one
// at a time in the order they were saved. A failure is counted, logged and
// retried with exponential back-off (capped); the item stays at the head of
// the queue, so a backend outage delays persisting but never loses order.
// Timers are unref()ed; stop() aborts the copy in progress (it resumes on
// the next start, from the local copy).

import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';
import { HeadRetryLoop } from '../util/head-retry-loop';

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

export class Persister {
  /** Insertion-ordered: the head is being persisted or waiting for its retry. */
  private readonly queue = new Map<string, PersistKey>();
  /** Guarded by the queue: waiters of keys still queued. */
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly opts: PersisterOptions;
  private readonly loop: HeadRetryLoop<PersistKey>;

  constructor(opts: PersisterOptions) {
    this.opts = opts;
    this.loop = new HeadRetryLoop({
      head: () => this.queue.values().next().value,
      work: (key, signal) => this.persistHead(key, signal),
      onFailure: (key, err, attempt, retryInMs) => {
        this.opts.onFailure?.(key, err);
        this.opts.log.warn('persisting a checkpoint failed; will retry', { job: key.jobId, id: key.id, attempt, retryInMs, err: getErrorMessage(err) });
        // A failing backend fails every sync save behind the head too.
        this.rejectAllWaiters(err);
      },
      backoffBaseMs: opts.backoffBaseMs ?? PERSIST_BACKOFF_BASE_MS,
      backoffCapMs: opts.backoffCapMs ?? PERSIST_BACKOFF_CAP_MS,
    });
  }

  get pending(): number {
    return this.queue.size;
  }

  has(key: PersistKey): boolean {
    return this.queue.has(keyOf(key));
  }

  enqueue(key: PersistKey): void {
    this.queue.set(keyOf(key), key);
    this.loop.kick();
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
    this.loop.start();
  }

  /** Aborts the copy in progress (it resumes on the next start, from the local copy). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async persistHead(key: PersistKey, signal: AbortSignal): Promise<void> {
    const done = await this.opts.persist(key, signal);
    this.queue.delete(keyOf(key));
    if (done) {
      this.opts.onSuccess?.(key);
      this.settle(key);
    } else {
      this.settle(key, new Error(`checkpoint ${keyOf(key)} was dropped before it could be persisted`));
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

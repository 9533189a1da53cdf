// The write-back persister: runs the journal's ops against the backend one
// at a time, in the order they happened, so a rename or delete reaches the
// backend after the data it depends on, and the backend only ever shows a
// prefix of what the training job did. A put is one WritableBackend.write,
// which makes the file appear complete or not at all.
//
// A failed op stays at the head and is retried with capped exponential
// back-off (a backend outage delays persisting, never reorders it). A queued
// put that a later put or delete of the same path makes pointless (Lightning
// rewriting last.ckpt every N steps) is superseded before it starts, unless
// a rename in between reads it.

import { PERSIST_BACKOFF_BASE_MS, PERSIST_BACKOFF_CAP_MS } from '../checkpoint/persister';
import type { Logger } from '../log';
import { ErrorCodes, hasCode } from '../errors';
import { getErrorMessage } from '../util/errors-message';
import { HeadRetryLoop } from '../util/head-retry-loop';
import type { Journal } from './journal';
import type { PersistBackend, PersistOp } from './types';

type PutOp = Extract<PersistOp, { op: 'put' }>;
export type NewOp = PersistOp extends infer O ? (O extends PersistOp ? Omit<O, 'seq'> : never) : never;

export type OpOutcome = 'persisted' | 'superseded' | 'skipped';

export interface PersistQueueOptions {
  readonly backend: PersistBackend;
  /** Backend path of the mount's root ("" for the backend root). */
  readonly root: string;
  readonly journal: Journal;
  /** The bytes of a staged file, in chunks. */
  readonly body: (op: PutOp, signal: AbortSignal) => AsyncIterable<Uint8Array>;
  /** An op left the queue (release staged references, invalidate caches). */
  readonly onDone: (op: PersistOp, outcome: OpOutcome, version: string | undefined) => void;
  readonly log: Logger;
  readonly now?: () => number;
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
}

interface Entry {
  readonly op: PersistOp;
  readonly queuedAt: number;
}

interface Waiter {
  readonly remaining: Set<number>;
  resolve(): void;
}

export const underPrefix = (path: string, prefix: string): boolean =>
  prefix === '' || path === prefix || path.startsWith(prefix + '/');

const pathsOf = (op: PersistOp): string[] => (op.op === 'mv' ? [op.path, op.to] : [op.path]);

export class PersistQueue {
  /** Insertion (= sequence) ordered; the head is running or waiting for its retry. */
  private readonly queue = new Map<number, Entry>();
  /** path -> seq of a queued put a later put/del of the path supersedes. */
  private readonly supersedable = new Map<string, number>();
  /** path -> queued ops naming it (a backend refresh must not undo them). */
  private readonly touched = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();
  private readonly opts: PersistQueueOptions;
  private readonly now: () => number;
  private seq = 0;
  private readonly loop: HeadRetryLoop<PersistOp>;
  private lastError: string | undefined;
  // Counters (stats and metrics).
  filesPersisted = 0;
  bytesPersisted = 0;
  failures = 0;
  private uploadMs = 0;

  constructor(opts: PersistQueueOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.loop = new HeadRetryLoop({
      head: () => this.queue.values().next().value?.op,
      work: (op, signal) => this.applyHead(op, signal),
      onFailure: (op, err, attempt, retryInMs) => {
        this.failures++;
        this.lastError = getErrorMessage(err);
        this.opts.log.warn('persisting to the backend failed; will retry', { op: op.op, path: op.path, attempt, retryInMs, err: this.lastError });
      },
      backoffBaseMs: opts.backoffBaseMs ?? PERSIST_BACKOFF_BASE_MS,
      backoffCapMs: opts.backoffCapMs ?? PERSIST_BACKOFF_CAP_MS,
    });
  }

  /** Puts back the ops a journal left pending (start-up), without journaling them again. */
  restore(ops: readonly PersistOp[], maxSeq: number): void {
    this.seq = Math.max(this.seq, maxSeq);
    for (const op of ops) this.enqueue(op);
  }

  /** Journals an op and queues it; returns it with its sequence number. */
  push(o: NewOp): PersistOp {
    const op = { ...o, seq: ++this.seq } as PersistOp;
    this.opts.journal.append(op);
    if (op.op === 'mv') {
      this.supersedable.delete(op.path);
      this.supersedable.delete(op.to);
    } else if (op.op !== 'rmdir') {
      const older = this.supersedable.get(op.path);
      if (older !== undefined && older !== this.loop.current?.seq) {
        const e = this.queue.get(older);
        if (e) this.finish(e.op, 'superseded', undefined);
      }
      if (op.op === 'put') this.supersedable.set(op.path, op.seq);
      else this.supersedable.delete(op.path);
    }
    this.enqueue(op);
    this.loop.kick();
    return op;
  }

  /** True while a queued op names `path` (as source, target or file). */
  isTouched(path: string): boolean {
    return this.touched.has(path);
  }

  /** Resolves once every op queued now that names a path under `prefix` is done. Returns how many. */
  waitFor(prefix: string): Promise<number> {
    const remaining = new Set<number>();
    for (const [seq, e] of this.queue) if (pathsOf(e.op).some((p) => underPrefix(p, prefix))) remaining.add(seq);
    const n = remaining.size;
    if (n === 0) return Promise.resolve(0);
    return new Promise((resolve) => this.waiters.add({ remaining, resolve: () => resolve(n) }));
  }

  get pendingOps(): number {
    return this.queue.size;
  }

  get pendingPuts(): { files: number; bytes: number } {
    let files = 0;
    let bytes = 0;
    for (const { op } of this.queue.values()) {
      if (op.op !== 'put') continue;
      files++;
      bytes += op.size;
    }
    return { files, bytes };
  }

  get oldestQueuedAt(): number | undefined {
    return this.queue.values().next().value?.queuedAt;
  }

  get persistBytesPerSecond(): number {
    return this.uploadMs > 0 ? this.bytesPersisted / (this.uploadMs / 1000) : 0;
  }

  /** The last failure's message while the head is failing (for wait's message). */
  get failing(): string | undefined {
    return this.lastError;
  }

  /** Records still to keep in a compacted journal. */
  pendingRecords(): PersistOp[] {
    return [...this.queue.values()].map((e) => e.op);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private enqueue(op: PersistOp): void {
    this.queue.set(op.seq, { op, queuedAt: this.now() });
    for (const p of pathsOf(op)) this.touched.set(p, (this.touched.get(p) ?? 0) + 1);
  }

  private async applyHead(op: PersistOp, signal: AbortSignal): Promise<void> {
    const outcome = await this.apply(op, signal);
    this.lastError = undefined;
    // Superseded while running? It ran anyway; the newer op follows.
    if (this.queue.has(op.seq)) this.finish(op, outcome.outcome, outcome.version);
  }

  private async apply(op: PersistOp, signal: AbortSignal): Promise<{ outcome: OpOutcome; version?: string }> {
    const b = this.opts.backend;
    const at = (p: string) => (this.opts.root === '' ? p : `${this.opts.root}/${p}`);
    if (op.op === 'put') {
      const started = performance.now();
      const stat = await b.write(at(op.path), this.opts.body(op, signal), { sizeHint: op.size, signal });
      this.uploadMs += performance.now() - started;
      this.filesPersisted++;
      this.bytesPersisted += op.size;
      return { outcome: 'persisted', version: stat.version };
    }
    if (op.op === 'del') {
      await b.delete(at(op.path));
      return { outcome: 'persisted' };
    }
    if (op.op === 'rmdir') {
      await b.removeDir?.(at(op.path));
      return { outcome: 'persisted' };
    }
    try {
      await b.rename(at(op.path), at(op.to));
      return { outcome: 'persisted' };
    } catch (err) {
      if (!hasCode(err, ErrorCodes.NOT_FOUND)) throw err;
      // Only an outside change to the backend gets here: nothing to move.
      this.opts.log.warn('rename source is not on the backend; skipped', { from: op.path, to: op.to });
      return { outcome: 'skipped' };
    }
  }

  private finish(op: PersistOp, outcome: OpOutcome, version: string | undefined): void {
    this.queue.delete(op.seq);
    this.opts.journal.append({ op: 'done', seq: op.seq });
    if (op.op === 'put' && this.supersedable.get(op.path) === op.seq) this.supersedable.delete(op.path);
    for (const p of pathsOf(op)) {
      const n = (this.touched.get(p) ?? 1) - 1;
      if (n <= 0) this.touched.delete(p);
      else this.touched.set(p, n);
    }
    this.opts.onDone(op, outcome, version);
    for (const w of this.waiters) {
      w.remaining.delete(op.seq);
      if (w.remaining.size === 0) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }
}

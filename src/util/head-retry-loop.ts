// Works a queue from its head, one item at a time, in order: the engine of
// the checkpoint persister and of the checkpoint mount's persist queue. A
// failed item stays at the head and is retried after an exponential
// back-off (capped), so an outage delays the queue but nothing overtakes
// the item in front. The retry timer is unref()ed; stop() aborts the item in
// progress (its owner retries it at the next start) and waits for the loop.
//
// The owner keeps the queue: `head()` reads it, `work()` does one item and
// removes it when done. Items added while the loop is finishing are picked
// up by the kick() in the loop's own `finally`.

export interface HeadRetryLoopOptions<T> {
  /** The item at the head of the owner's queue; undefined when it is empty. */
  readonly head: () => T | undefined;
  /** Does one item and takes it off the queue; throws to have it retried later. */
  readonly work: (item: T, signal: AbortSignal) => Promise<void>;
  /** Told of each failure with its attempt number (1, 2, ...) and the delay before the retry. */
  readonly onFailure: (item: T, err: unknown, attempt: number, retryInMs: number) => void;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
}

/** Exponential back-off: base, 2x base, 4x base ... up to cap. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export class HeadRetryLoop<T> {
  /** The item being worked on, if any. */
  current: T | undefined;
  private readonly o: HeadRetryLoopOptions<T>;
  private stopped = true;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(opts: HeadRetryLoopOptions<T>) {
    this.o = opts;
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

  /** Starts working the queue unless it is already, or is waiting for a retry, or stopped. */
  kick(): void {
    if (this.loop !== undefined || this.stopped || this.retryTimer) return;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      this.current = undefined;
      if (!this.retryTimer && this.o.head() !== undefined) this.kick();
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const item = this.o.head();
      if (item === undefined) return;
      this.current = item;
      try {
        await this.o.work(item, this.abort.signal);
      } catch (err) {
        this.current = undefined;
        if (this.stopped) return;
        this.attempt++;
        const delay = backoffDelay(this.attempt, this.o.backoffBaseMs, this.o.backoffCapMs);
        this.o.onFailure(item, err, this.attempt, delay);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, delay);
        this.retryTimer.unref();
        return;
      }
      this.current = undefined;
      this.attempt = 0;
    }
  }
}

// Health's truth about the daemon's file I/O. Node runs every file system
// call on libuv's thread pool (UV_THREADPOOL_SIZE): a hung mount can occupy
// every slot, and then every read queues forever while Health, answered from
// memory, would still say SERVING and no probe would restart the daemon.
// The watchdog queues a trivial call (a stat of the state directory) every
// interval; one not done after `stuckMs` means every slot has been busy that
// long, and the daemon answers NOT_SERVING until a probe finishes again.
// The probe and the clock are injected, so a test drives it by hand.

export interface IoWatchdogOptions {
  /** A cheap call that goes through the file I/O pool. */
  readonly probe: () => Promise<unknown>;
  readonly stuckMs: number;
  readonly intervalMs: number;
  /** Called on each change: true when the pool is stuck, false when it answers again. */
  readonly onChange: (stuck: boolean, waitedMs: number) => void;
  readonly now?: () => number;
}

export class IoWatchdog {
  readonly name = 'io-watchdog';
  private readonly opts: IoWatchdogOptions;
  private readonly now: () => number;
  /** Start time of the probe in flight (at most one), or undefined. */
  private probeStarted: number | undefined;
  private stuck = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: IoWatchdogOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  get isStuck(): boolean {
    return this.stuck;
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round: start a probe if none is in flight, else judge the one that is. */
  tick(): void {
    if (this.probeStarted === undefined) {
      const started = this.now();
      this.probeStarted = started;
      this.opts.probe().then(
        () => this.finished(started),
        () => this.finished(started),
      );
      return;
    }
    const waited = this.now() - this.probeStarted;
    if (!this.stuck && waited >= this.opts.stuckMs) {
      this.stuck = true;
      this.opts.onChange(true, waited);
    }
  }

  private finished(started: number): void {
    this.probeStarted = undefined;
    if (this.stuck) {
      this.stuck = false;
      this.opts.onChange(false, this.now() - started);
    }
  }
}

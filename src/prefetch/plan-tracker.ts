// Epoch plans: the order in which a job will read its files this epoch.
// Pure: the engine tells it what was read, it says what to fetch next and
// which files enter and leave the protected look-ahead window.

interface Plan {
  readonly epoch: number;
  readonly paths: string[];
  readonly sizes: number[];
  /** First index of each path not yet passed. */
  readonly indexOf: Map<string, number>;
  /** Position of the client: index of the latest planned file it read (-1 before the first). */
  pos: number;
  /** Files [0, issued) have been handed out for fetching. */
  issued: number;
}

export interface PlanAdvance {
  /** Files to fetch now, in plan order. */
  readonly fetch: string[];
  /** Files the client has now read: they will not be read again this epoch. */
  readonly done: string[];
}

export class PlanTracker {
  private readonly plans = new Map<string, Plan>();
  private readonly lookaheadFiles: number;
  private readonly lookaheadBytes: number;

  constructor(lookaheadFiles: number, lookaheadBytes: number) {
    this.lookaheadFiles = lookaheadFiles;
    this.lookaheadBytes = lookaheadBytes;
  }

  /** Replaces the job's plan; returns the first files to fetch. */
  submit(job: string, epoch: number, paths: readonly string[], sizes: readonly number[]): PlanAdvance {
    const indexOf = new Map<string, number>();
    paths.forEach((p, i) => {
      if (!indexOf.has(p)) indexOf.set(p, i);
    });
    const plan: Plan = { epoch, paths: [...paths], sizes: [...sizes], indexOf, pos: -1, issued: 0 };
    this.plans.set(job, plan);
    return { fetch: this.issue(plan), done: [] };
  }

  /**
   * Adds files to the end of the job's plan for `epoch` (a long plan arrives
   * in parts, so fetching starts before the whole plan is known).
   */
  append(job: string, epoch: number, paths: readonly string[], sizes: readonly number[]): PlanAdvance {
    const plan = this.plans.get(job);
    if (!plan || plan.epoch !== epoch) return this.submit(job, epoch, paths, sizes);
    paths.forEach((p, i) => {
      if (!plan.indexOf.has(p)) plan.indexOf.set(p, plan.paths.length + i);
    });
    // One at a time: push(...xs) passes every element as an argument and overflows the stack past ~100k.
    for (const p of paths) plan.paths.push(p);
    for (const n of sizes) plan.sizes.push(n);
    return { fetch: this.issue(plan), done: [] };
  }

  get size(): number {
    return this.plans.size;
  }

  /** The job whose plan holds `path` (the reader's own job first). */
  jobFor(job: string, path: string): string | undefined {
    if (this.plans.get(job)?.indexOf.has(path)) return job;
    for (const [j, p] of this.plans) if (p.indexOf.has(path)) return j;
    return undefined;
  }

  /** The client of `job` read `path`: advance its position and top up the window. */
  onRead(job: string, path: string): PlanAdvance | undefined {
    const plan = this.plans.get(job);
    const idx = plan?.indexOf.get(path);
    if (!plan || idx === undefined || idx <= plan.pos) return undefined;
    const done = plan.paths.slice(Math.max(0, plan.pos + 1), idx + 1);
    plan.pos = idx;
    for (const p of done) plan.indexOf.delete(p);
    const fetch = this.issue(plan);
    if (plan.pos >= plan.paths.length - 1) this.plans.delete(job);
    return { fetch, done };
  }

  private issue(plan: Plan): string[] {
    const out: string[] = [];
    const start = Math.max(plan.issued, plan.pos + 1);
    let bytes = 0;
    for (let i = plan.pos + 1; i < start; i++) bytes += plan.sizes[i] ?? 0;
    let i = start;
    for (; i < plan.paths.length && i <= plan.pos + this.lookaheadFiles; i++) {
      const b = plan.sizes[i] ?? 0;
      if (bytes + b > this.lookaheadBytes && out.length + (start - plan.pos - 1) > 0) break;
      bytes += b;
      out.push(plan.paths[i]!);
    }
    plan.issued = Math.max(plan.issued, i);
    return out;
  }
}

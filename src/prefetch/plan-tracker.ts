// Epoch plans: the order in which a job will read its files this epoch.
// Pure: the engine tells it what was read and what a fetch learned, it says
// what to fetch next and which files enter and leave the protected
// look-ahead window.
//
// A file's size may be unknown when it is planned (only the plan's head is
// stat'ed; every other file's first fetch is its check). The window counts
// such a file as one block, the most its first fetch brings in. When that
// fetch learns the file is bigger, the rest of it is fetched only once the
// window has room for it (or it is the next file the client reads, as a
// file bigger than the whole window always is): the byte bound holds for
// sizes learned late as for sizes known up front.

/** A size not known yet. */
export const UNKNOWN_SIZE = -1;

const NONE_WAITING: ReadonlySet<number> = new Set();

interface Plan {
  readonly epoch: number;
  readonly paths: string[];
  /** Bytes by index; UNKNOWN_SIZE until stat'ed or fetched. */
  readonly sizes: number[];
  /** First index of each path not yet passed. */
  readonly indexOf: Map<string, number>;
  /** Position of the client: index of the latest planned file it read (-1 before the first). */
  pos: number;
  /** Files [0, issued) have been handed out for fetching. */
  issued: number;
  /** Issued files learned to be bigger than a block whose rest waits for room, ascending. */
  readonly waiting: number[];
}

export interface PlanAdvance {
  /** Files to fetch now, in plan order. */
  readonly fetch: string[];
  /** Files the client has now read: they will not be read again this epoch. */
  readonly done: string[];
  /** Files whose blocks past the first may now be fetched (present only when there are some). */
  readonly rest?: string[];
}

/** What learning a file's size gives. */
export interface LearnedAdvance extends PlanAdvance {
  /** The whole file may be fetched now; false: its blocks past the first wait for a later advance's `rest`. */
  readonly whole: boolean;
}

export class PlanTracker {
  private readonly plans = new Map<string, Plan>();
  private readonly lookaheadFiles: number;
  private readonly lookaheadBytes: number;
  private readonly firstFetchBytes: number;

  /** `firstFetchBytes`: what a file of unknown size counts for in the window (a block: its first fetch). */
  constructor(lookaheadFiles: number, lookaheadBytes: number, firstFetchBytes = lookaheadBytes) {
    this.lookaheadFiles = lookaheadFiles;
    this.lookaheadBytes = lookaheadBytes;
    this.firstFetchBytes = firstFetchBytes;
  }

  /** Replaces the job's plan; returns the first files to fetch. `sizes`: by path, UNKNOWN_SIZE where not known. */
  submit(job: string, epoch: number, paths: readonly string[], sizes: readonly number[]): PlanAdvance {
    const indexOf = new Map<string, number>();
    paths.forEach((p, i) => {
      if (!indexOf.has(p)) indexOf.set(p, i);
    });
    const plan: Plan = { epoch, paths: [...paths], sizes: [...sizes], indexOf, pos: -1, issued: 0, waiting: [] };
    this.plans.set(job, plan);
    return this.issue(plan, []);
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
    return this.issue(plan, []);
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
    while (plan.waiting.length > 0 && plan.waiting[0]! <= idx) plan.waiting.shift();
    const adv = this.issue(plan, done);
    if (plan.pos >= plan.paths.length - 1) this.plans.delete(job);
    return adv;
  }

  /**
   * A fetch of `path` learned its size (0 for a file found missing). Returns
   * what that frees or allows, or undefined when the file is no longer ahead
   * of the client in the job's plan (read meanwhile, or the plan replaced):
   * then nothing of it is to be fetched or protected.
   */
  learned(job: string, path: string, size: number): LearnedAdvance | undefined {
    const plan = this.plans.get(job);
    const idx = plan?.indexOf.get(path);
    if (!plan || idx === undefined || idx <= plan.pos || idx >= plan.issued) return undefined;
    const was = plan.sizes[idx]!;
    plan.sizes[idx] = size;
    const waits = was === UNKNOWN_SIZE && size > this.firstFetchBytes;
    if (waits) {
      let at = plan.waiting.length;
      while (at > 0 && plan.waiting[at - 1]! > idx) at--;
      plan.waiting.splice(at, 0, idx);
    }
    const adv = this.issue(plan, []);
    const rest = adv.rest?.filter((p) => p !== path);
    const whole = !waits || rest?.length !== adv.rest?.length;
    return rest !== undefined && rest.length > 0 ? { fetch: adv.fetch, done: [], rest, whole } : { fetch: adv.fetch, done: [], whole };
  }

  /** What the window holds of file `i`: a waiting or unsized file its first block, any other its size. */
  private windowBytes(plan: Plan, i: number, waiting: ReadonlySet<number>): number {
    const size = plan.sizes[i] ?? 0;
    if (size === UNKNOWN_SIZE) return this.firstFetchBytes;
    return waiting.has(i) ? Math.min(size, this.firstFetchBytes) : size;
  }

  private issue(plan: Plan, done: string[]): PlanAdvance {
    const rest: string[] = [];
    const waiting: ReadonlySet<number> = plan.waiting.length === 0 ? NONE_WAITING : new Set(plan.waiting);
    let bytes = 0;
    for (let i = plan.pos + 1; i < plan.issued; i++) bytes += this.windowBytes(plan, i, waiting);
    // Waiting rests first, in plan order: the next file the client reads always gets its rest.
    while (plan.waiting.length > 0) {
      const i = plan.waiting[0]!;
      const more = plan.sizes[i]! - this.firstFetchBytes;
      if (bytes + more > this.lookaheadBytes && i !== plan.pos + 1) break;
      plan.waiting.shift();
      bytes += more;
      rest.push(plan.paths[i]!);
    }
    const fetch: string[] = [];
    // A file still waiting for room holds back the files after it.
    if (plan.waiting.length === 0) {
      const start = Math.max(plan.issued, plan.pos + 1);
      let i = start;
      for (; i < plan.paths.length && i <= plan.pos + this.lookaheadFiles; i++) {
        const b = this.windowBytes(plan, i, waiting);
        if (bytes + b > this.lookaheadBytes && fetch.length + (start - plan.pos - 1) > 0) break;
        bytes += b;
        fetch.push(plan.paths[i]!);
      }
      plan.issued = Math.max(plan.issued, i);
    }
    return rest.length > 0 ? { fetch, done, rest } : { fetch, done };
  }
}

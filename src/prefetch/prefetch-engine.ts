// The prefetch engine: watches reads, decides what comes next (sequential
// readahead, next file of an ordered directory walk, submitted epoch plans,
// explicit hints), and fetches it through the store under a bound on bytes in
// flight. A planned file beyond the plan's head is not stat'ed ahead: its
// first block's fetch is its check (a probe, CachedStore.prefetchCurrent),
// learning its size and version, and the rest of it is queued at that
// version. Foreground reads never wait for it: enqueueing is O(1) and drops
// when the queue is full, prefetch reads are background backend reads (a
// POSIX backend runs large ones on the worker threads, small ones on the I/O
// thread pool: backend/offloaded-backend.ts),
// and a reader that needs a block being prefetched joins that fetch
// (single-flight). Access-pattern analysis runs on the same worker pool.

import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { normalizeRequestPath } from '../backend/path-guard';
import type { BackendStat } from '../backend/types';
import type { CachedStore, ReadEvent } from '../cache/cached-store';
import { blockKey } from '../cache/types';
import type { Config } from '../config/types';
import { ErrorCodes, hasCode, invalidArgument } from '../errors';
import type { Logger } from '../log';
import { forEachConcurrently } from '../util/concurrency';
import { getErrorMessage } from '../util/errors-message';
import { AccessHistory } from './access-history';
import { FairShare, cutMessage } from './fair-share';
import { PlanTracker, UNKNOWN_SIZE, type PlanAdvance } from './plan-tracker';
import { PrefetchQueue } from './prefetch-queue';
import { StreamTracker, WalkTracker, dirListing, type DirListing } from './stream-tracker';
import { SingleFlight } from '../cache/single-flight';
import { DEFAULT_PRIORITY, newPrefetchCounters, type PrefetchReason, type PrefetchTask } from './types';
import type { AccessPatternsResponse } from '../protocol/types';
import type { AnalyzeTask } from './worker';
import type { PrefetchWorkerPool } from './worker-pool';
import type { PrefetchStats } from '../protocol/types';

/** Files fetched ahead of an ordered directory walk. */
const NEXT_FILES = 4;
/** Directory listings are trusted this long for next-file decisions. */
const LISTING_TTL_MS = 30_000;
const MAX_LISTINGS = 1000;
/** Entries of a directory beyond which next-file prefetch is not attempted. */
const MAX_LISTING_ENTRIES = 200_000;
/** Prefetched keys remembered for hit/waste accounting. */
const MAX_OUTSTANDING = 200_000;
/** Parallel stats of the head of a plan (the client waits for these). */
const PLAN_STAT_CONCURRENCY = 32;
/**
 * Paths of a plan beyond its head taken into it per step (normalised and
 * indexed, about 2 us each), reads served between steps: a plan of millions
 * of paths never holds the event loop for long.
 */
const PLAN_APPEND_CHUNK = 2048;
/** The queue key of a probe: never a block key. */
const probeKey = (path: string): string => `\u0000probe\u0000${path}`;
/** Rows of history the analysis reads at most. */
const ANALYSIS_ROWS = 500_000;

export class PrefetchEngine {
  readonly counters = newPrefetchCounters();
  readonly history: AccessHistory;
  private readonly store: CachedStore;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly workers: PrefetchWorkerPool;
  private readonly queue: PrefetchQueue;
  private readonly streams: StreamTracker;
  private readonly walks = new WalkTracker(NEXT_FILES);
  private readonly plans: PlanTracker;
  private readonly listings = new Map<string, { listing: DirListing | undefined; at: number }>();
  private readonly listingFlights = new SingleFlight<DirListing | undefined>();
  /** Prefetched, not yet read or evicted: key -> true. */
  private readonly outstanding = new Map<string, true>();
  /** Blocks of planned files protected from eviction: path -> keys. */
  private readonly protectedFiles = new Map<string, string[]>();
  /** Planned files queued again after FILE_CHANGED (at most once each, until read): a subset of protectedFiles' paths. */
  private readonly requeued = new Set<string>();
  /** Explicit prefetches' unread blocks per job, bounded (fair-share.ts). */
  readonly fair: FairShare;
  private inflightBytes = 0;
  private active = 0;
  private readonly maxActive: number;
  private readonly maxInflight: number;
  /** The latest plan submitted per job: one whose head is still being stat'ed when a newer one arrives is dropped. */
  private readonly planGeneration = new Map<string, number>();
  private planGenerations = 0;
  /** Probes queued or in flight: path -> the job whose plan issued it (plan_files_unchecked is its size). */
  private readonly probing = new Map<string, string>();
  /** Paths of submitted plans not yet taken into them (appendRest), over all jobs. */
  private planUnappended = 0;
  /** Jobs whose current plan has logged a file missing (once per plan). */
  private readonly saidMissing = new Set<string>();
  private stopped = false;

  /** `workers`: the pool the backend's offloaded reads run on too; its owner destroys it. */
  constructor(store: CachedStore, config: Config, log: Logger, workers: PrefetchWorkerPool) {
    this.store = store;
    this.workers = workers;
    this.config = config;
    this.log = log.child({ component: 'prefetch' });
    this.queue = new PrefetchQueue(config.prefetchQueueSize);
    // Readahead beyond a quarter of the cache would evict itself before it is read.
    const cacheBytes = config.ssdCacheSize > 0 ? Math.max(config.ssdCacheSize, config.memoryCacheSize) : config.memoryCacheSize;
    this.streams = new StreamTracker(config.blockSize, Math.min(config.maxReadahead, Math.max(config.blockSize, Math.floor(cacheBytes / 4))));
    // Bytes in flight end up in the memory tier; more than half of it would churn it.
    this.maxInflight = Math.min(config.prefetchMaxInflight, Math.max(config.blockSize, Math.floor(config.memoryCacheSize / 2)));
    // A file whose size is not known yet counts as one block: the most its first fetch brings in.
    this.plans = new PlanTracker(config.planLookahead, Math.max(config.blockSize, Math.floor(config.memoryCacheSize / 2)), config.blockSize);
    // Small prefetch reads run on the I/O thread pool (offloaded-backend.ts), which serves
    // many at once: up to half of backend-max-inflight, leaving the rest to foreground reads.
    this.maxActive = Math.max(config.prefetchWorkers * 2, Math.floor(config.backendMaxInflight / 2));
    this.fair = new FairShare(Math.max(config.blockSize, Math.floor(config.prefetchMaxShare * config.memoryCacheSize)));
    this.history = new AccessHistory(join(config.stateDir, 'history.sqlite'), {
      maxRows: config.historyMaxRows,
      maxAgeMs: config.historyMaxAgeMs,
      logger: this.log,
    });
  }

  start(): void {
    this.history.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.removeWhere(() => true);
    this.probing.clear();
    this.history.close();
  }

  // --- tier events (prefetch accounting) ---

  onPrefetchHit(key: string): void {
    this.fair.release(key);
    if (this.outstanding.delete(key)) this.counters.prefetchHits++;
  }

  onEvict(key: string, origin: string, wasRead: boolean): void {
    this.fair.release(key);
    if (origin !== 'prefetch' || wasRead || !this.outstanding.has(key)) return;
    // Gone from every tier unread: the fetch was wasted.
    if (!this.store.mem.has(key) && !this.store.disk.has(key)) {
      this.outstanding.delete(key);
      this.counters.wastedPrefetches++;
    }
  }

  // --- the read observer: cheap, synchronous, never throws into the read path ---

  onRead(ev: ReadEvent): void {
    if (this.stopped) return;
    this.history.record({ time: ev.time, job: ev.job, path: ev.path, offset: ev.offset, length: ev.length, size: ev.stat.size });
    try {
      const planJob = this.plans.size > 0 ? this.plans.jobFor(ev.job, ev.path) : undefined;
      if (planJob !== undefined) {
        this.unprotect(ev.path);
        const adv = this.plans.onRead(planJob, ev.path);
        if (adv) for (const p of adv.done) this.unprotect(p);
        if (adv) this.planned(planJob, adv);
        return;
      }
      const ra = this.streams.onRead(`${ev.job}\u0000${ev.path}`, ev.offset, ev.length, ev.stat.size);
      if (ra) this.enqueueRange(ev.stat, ra.start, ra.end, DEFAULT_PRIORITY.readahead, 'readahead');
      if (ev.offset === 0) void this.nextFiles(ev);
    } catch (err) {
      this.log.warn('prefetch decision failed', { err: getErrorMessage(err), path: ev.path });
    }
  }

  private async nextFiles(ev: ReadEvent): Promise<void> {
    const slash = ev.path.lastIndexOf('/');
    const dir = slash < 0 ? '' : ev.path.slice(0, slash);
    const listing = await this.listing(dir);
    if (!listing) return;
    const next = this.walks.onFileStart(`${ev.job}\u0000${dir}`, listing, ev.path);
    if (next.length > 0) await this.enqueuePaths(next, DEFAULT_PRIORITY['next-file'], 'next-file', false);
  }

  /** The directory's sorted entries, one readdir per LISTING_TTL_MS (single-flighted). */
  private async listing(dir: string): Promise<DirListing | undefined> {
    const cached = this.listings.get(dir);
    if (cached && Date.now() - cached.at < LISTING_TTL_MS) return cached.listing;
    return this.listingFlights.do(dir, async () => {
      let listing: DirListing | undefined;
      try {
        const names = await this.store.backend.readdir(dir);
        // A huge directory is not worth holding for next-file prefetch.
        listing = names.length <= MAX_LISTING_ENTRIES ? dirListing(names) : undefined;
      } catch {
        listing = undefined;
      }
      this.listings.set(dir, { listing, at: Date.now() });
      if (this.listings.size > MAX_LISTINGS) this.listings.delete(this.listings.keys().next().value!);
      return listing;
    });
  }

  // --- enqueueing ---

  /** Queues the blocks of whole files; returns blocks queued and dropped. */
  async enqueuePaths(
    paths: readonly string[],
    priority: number,
    reason: PrefetchReason,
    protect: boolean,
    job?: string,
  ): Promise<{ queued: number; dropped: number; cut: number }> {
    let queued = 0;
    let dropped = 0;
    let cut = 0;
    for (const p of paths) {
      let stat: BackendStat;
      try {
        stat = await this.store.stat(p);
      } catch {
        continue;
      }
      if (stat.isDir) continue;
      const r = this.enqueueBlocks(stat, 0, stat.size, priority, reason, job, protect ? this.protect(stat) : undefined);
      queued += r.queued;
      dropped += r.dropped;
      cut += r.cut;
    }
    return { queued, dropped, cut };
  }

  /**
   * Acts on what the plan tracker says: files to fetch, and files whose rest
   * now fits in the window. A file of a known version (the plan's head, or a
   * file seen before, even past metadata-ttl: the block read checks the
   * version, and FILE_CHANGED queues the file once more in fetch()) is queued
   * at it without asking the backend; any other file is probed.
   */
  private planned(job: string, first: PlanAdvance): void {
    const bs = this.config.blockSize;
    const work = [first];
    for (let i = 0; i < work.length; i++) {
      const adv = work[i]!;
      if (adv.rest) {
        for (const p of adv.rest) {
          const stat = this.store.lastKnownStat(p);
          if (stat === undefined || stat.isDir) this.queueProbe(job, p);
          else this.enqueueBlocks(stat, bs, stat.size, DEFAULT_PRIORITY.plan, 'plan', undefined, this.protect(stat));
        }
      }
      for (const p of adv.fetch) {
        const stat = this.store.lastKnownStat(p);
        if (stat === undefined || stat.isDir) {
          this.queueProbe(job, p);
          continue;
        }
        const keys = this.protect(stat);
        const more = this.plans.learned(job, p, stat.size);
        this.enqueueBlocks(stat, 0, more?.whole === false ? bs : stat.size, DEFAULT_PRIORITY.plan, 'plan', undefined, keys);
        if (more) work.push(more);
      }
    }
  }

  /** Queues the first block of a planned file not checked yet: its fetch is the check (probe()). */
  private queueProbe(job: string, path: string): void {
    const key = probeKey(path);
    if (this.probing.has(path) || this.queue.has(key)) return;
    const task: PrefetchTask = { key, path, stat: undefined, index: 0, bytes: this.config.blockSize, priority: DEFAULT_PRIORITY.plan, reason: 'plan' };
    if (!this.queue.push(task)) {
      this.counters.droppedTasks++;
      return;
    }
    this.probing.set(path, job);
    this.pump();
  }

  enqueueRange(
    stat: BackendStat,
    start: number,
    end: number,
    priority: number,
    reason: PrefetchReason,
    job?: string,
  ): { queued: number; dropped: number; cut: number } {
    return this.enqueueBlocks(stat, start, end, priority, reason, job, undefined);
  }

  /** `keys`: the file's block keys by index when the caller has them (protect()), so none is built twice. */
  private enqueueBlocks(
    stat: BackendStat,
    start: number,
    end: number,
    priority: number,
    reason: PrefetchReason,
    job: string | undefined,
    keys: readonly string[] | undefined,
  ): { queued: number; dropped: number; cut: number } {
    let queued = 0;
    let dropped = 0;
    let cut = 0;
    const bs = this.config.blockSize;
    const last = Math.ceil(Math.min(end, stat.size) / bs);
    const { mem, disk } = this.store;
    for (let index = Math.floor(start / bs); index < last; index++) {
      const key = keys?.[index] ?? blockKey({ path: stat.path, version: stat.version, index });
      if (mem.has(key) || disk.has(key) || this.queue.has(key)) continue;
      const bytes = Math.min(bs, stat.size - index * bs);
      if (job !== undefined && !this.takeShare(job, key, bytes, last - index)) {
        cut = last - index;
        break;
      }
      if (this.queue.push({ key, path: stat.path, stat, index, bytes, priority, reason, job })) queued++;
      else {
        if (job !== undefined) this.fair.release(key);
        dropped++;
        this.counters.droppedTasks++;
      }
    }
    if (queued > 0) this.pump();
    return { queued, dropped, cut };
  }

  // --- the fair share of explicit hints (Prefetch, Warmup) ---

  /**
   * Takes `job`'s fair share for the next block of an explicit hint; false
   * when the share is used up, and then the hint's `remaining` blocks (this
   * one included) are cut, not fetched, and counted.
   */
  takeShare(job: string, key: string, bytes: number, remaining: number): boolean {
    if (this.fair.take(job, key, bytes)) return true;
    this.counters.cutBlocks += remaining;
    return false;
  }

  /** Fetches a block its caller took the share of; the share is given back when nothing was fetched or the fetch failed. */
  async fetchTaken(stat: BackendStat, index: number): Promise<number> {
    const key = blockKey({ path: stat.path, version: stat.version, index });
    try {
      const fetched = await this.store.prefetchBlock(stat, index);
      if (fetched === 0) this.fair.release(key);
      return fetched;
    } catch (err) {
      this.fair.release(key);
      throw err;
    }
  }

  /** Counts and logs a hint of `job` that was cut by `cutBlocks` blocks; returns what its answer says. */
  cutNotice(job: string, cutBlocks: number): string {
    this.counters.cutRequests++;
    this.log.info('prefetch cut to the job\'s fair share', { job, cutBlocks, shareBytes: this.fair.shareBytes });
    return cutMessage(cutBlocks, this.fair.held(job), this.fair.shareBytes);
  }

  /** Protects the blocks of a planned file from eviction until it is read; returns their keys by index. */
  private protect(stat: BackendStat): readonly string[] {
    // A file queued again at a new version: the old version's keys are not kept protected.
    this.releaseKeys(stat.path);
    const keys: string[] = [];
    for (let i = 0; i < this.store.blockCount(stat); i++) {
      const key = blockKey({ path: stat.path, version: stat.version, index: i });
      this.store.mem.protect(key, true);
      keys.push(key);
    }
    this.protectedFiles.set(stat.path, keys);
    return keys;
  }

  /** The client read the file (or its plan was replaced): its blocks may be evicted again. */
  private unprotect(path: string): void {
    this.releaseKeys(path);
    this.requeued.delete(path);
  }

  private releaseKeys(path: string): void {
    const keys = this.protectedFiles.get(path);
    if (!keys) return;
    for (const k of keys) this.store.mem.protect(k, false);
    this.protectedFiles.delete(path);
  }

  // --- dispatch ---

  private pump(): void {
    while (!this.stopped && this.active < this.maxActive) {
      const t = this.queue.peek();
      if (!t) return;
      if (this.inflightBytes > 0 && this.inflightBytes + t.bytes > this.maxInflight) return;
      this.queue.shift();
      this.active++;
      this.inflightBytes += t.bytes;
      void this.run(t);
    }
  }

  /** Runs one task taken off the queue by pump(), then gives its slot back and pumps again; never rejects. */
  private async run(t: PrefetchTask): Promise<void> {
    try {
      await this.fetch(t);
    } finally {
      this.active--;
      this.inflightBytes -= t.bytes;
      this.pump();
    }
  }

  /** Remembers a prefetched block until it is read or evicted (hit and waste accounting); false when it already was. */
  private track(key: string): boolean {
    const tracked = !this.outstanding.has(key);
    this.outstanding.set(key, true);
    if (this.outstanding.size > MAX_OUTSTANDING) this.outstanding.delete(this.outstanding.keys().next().value!);
    return tracked;
  }

  private async fetch(t: PrefetchTask): Promise<void> {
    if (t.stat === undefined) return this.probe(t.path);
    // Tracked before the fetch: a reader may join it and count as a hit before it resolves here.
    const tracked = this.track(t.key);
    try {
      const fetched = await this.store.prefetchBlock(t.stat, t.index, t.key);
      if (fetched > 0) {
        this.counters.prefetchedBlocks++;
        this.counters.prefetchedBytes += fetched;
      } else {
        this.counters.skippedTasks++;
        this.fair.release(t.key);
        if (tracked) this.outstanding.delete(t.key);
      }
    } catch (err) {
      this.fair.release(t.key);
      if (tracked) this.outstanding.delete(t.key);
      this.counters.failedTasks++;
      if (hasCode(err, ErrorCodes.FILE_CHANGED)) {
        const path = t.path;
        const version = t.stat.version;
        this.store.invalidate(path);
        this.queue.removeWhere((q) => {
          const gone = q.path === path && q.stat?.version === version;
          if (gone) this.fair.release(q.key);
          return gone;
        });
        // A planned file not read yet changed since its check: probed once more, so fetched at its new version.
        const job = this.plans.size > 0 ? this.plans.jobFor('', path) : undefined;
        if (t.reason === 'plan' && job !== undefined && this.protectedFiles.has(path) && !this.requeued.has(path)) {
          this.requeued.add(path);
          this.queueProbe(job, path);
        }
      } else if (this.counters.failedTasks === 1 || this.counters.failedTasks % 1000 === 0) {
        this.log.warn('prefetch failed (counted, not retried)', { path: t.path, block: t.index, err: getErrorMessage(err) });
      }
    }
  }

  /**
   * Fetches the first block of a planned file not checked yet, at whatever
   * version it is at; what that learns (size, version) is the file's check.
   * The rest of the file is queued at that version when the window has room
   * for it, and the file is protected until read. A missing file (or a
   * directory) is left out, counted, and logged once per plan; a file that
   * changed during the read is probed once more. Never rejects.
   */
  private async probe(path: string): Promise<void> {
    const issuedBy = this.probing.get(path);
    let stat: BackendStat;
    try {
      const r = await this.store.prefetchCurrent(path, (key) => this.track(key));
      stat = r.stat;
      if (r.fetched > 0) {
        this.counters.prefetchedBlocks++;
        this.counters.prefetchedBytes += r.fetched;
      } else {
        this.counters.skippedTasks++;
      }
    } catch (err) {
      this.probing.delete(path);
      this.probeFailed(issuedBy, path, err);
      return;
    }
    this.probing.delete(path);
    const job = this.probedFor(issuedBy, path);
    if (job === undefined) return;
    if (stat.isDir) return this.planFileMissing(job, path, 'a directory');
    const more = this.plans.learned(job, path, stat.size);
    // Read meanwhile, or its plan replaced: nothing more of it is wanted.
    if (more === undefined) return;
    const keys = this.protect(stat);
    if (more.whole) this.enqueueBlocks(stat, this.config.blockSize, stat.size, DEFAULT_PRIORITY.plan, 'plan', undefined, keys);
    this.planned(job, more);
  }

  /** The job whose current plan still wants a probed file, if any (none once stopped). */
  private probedFor(issuedBy: string | undefined, path: string): string | undefined {
    if (issuedBy === undefined || this.plans.size === 0 || this.stopped) return undefined;
    return this.plans.jobFor(issuedBy, path);
  }

  private probeFailed(issuedBy: string | undefined, path: string, err: unknown): void {
    const job = this.probedFor(issuedBy, path);
    if (job === undefined) return;
    if (hasCode(err, ErrorCodes.NOT_FOUND) || hasCode(err, ErrorCodes.IS_DIRECTORY)) {
      return this.planFileMissing(job, path, hasCode(err, ErrorCodes.NOT_FOUND) ? 'no such file' : 'a directory');
    }
    if (hasCode(err, ErrorCodes.FILE_CHANGED) && !this.requeued.has(path)) {
      // It changed during its read: probed once more, at whatever version it is at then.
      this.requeued.add(path);
      this.queueProbe(job, path);
      return;
    }
    this.counters.failedTasks++;
    if (this.counters.failedTasks === 1 || this.counters.failedTasks % 1000 === 0) {
      this.log.warn('prefetch of a planned file failed (counted, not retried; the client reads it from the backend)', { path, err: getErrorMessage(err) });
    }
    this.holdsNothing(job, path);
  }

  /** A planned file of which nothing is held (its fetch failed or found it missing): the window's room goes to the next files. */
  private holdsNothing(job: string, path: string): void {
    const more = this.plans.learned(job, path, 0);
    if (more) this.planned(job, more);
  }

  /** A planned file its fetch found missing: left out of the window, counted, logged once per plan. */
  private planFileMissing(job: string, path: string, what: string): void {
    this.counters.planFilesMissing++;
    if (!this.saidMissing.has(job)) {
      this.saidMissing.add(job);
      this.log.info('planned file left out of the plan (logged once per plan; counted in plan_files_missing)', { job, path, found: what });
    }
    this.holdsNothing(job, path);
  }

  // --- analysis ---

  async analyze(prefix: string, limit: number): Promise<AccessPatternsResponse> {
    this.history.flush();
    const task: AnalyzeTask = { dbPath: this.history.dbPath, prefix, limit, maxRows: ANALYSIS_ROWS };
    const r = await this.workers.analyze(task);
    return { patterns: r.patterns, history_rows: r.rows };
  }

  // --- plans ---

  /**
   * Answers once the head of the plan (plan-lookahead files) is stat'ed and
   * queued: the answer says how much of the plan's start exists
   * (files_accepted, bytes_planned) while the client waits for no more than
   * a look-ahead's worth of stats. The rest is not stat'ed at all: each file
   * is checked by its own first fetch when the look-ahead window reaches it
   * (probe()), so it costs the backend what reading it directly costs.
   * `files_accepted` counts the head's files found plus the rest
   * (`files_pending`: not checked yet; a missing one is left out when its
   * fetch finds it missing); `bytes_planned` is the head's bytes. A long
   * plan is taken in PLAN_APPEND_CHUNK paths at a time (appendRest).
   */
  async submitPlan(
    job: string,
    epoch: number,
    paths: readonly string[],
  ): Promise<{ files_accepted: number; bytes_planned: number; files_pending: number }> {
    if (paths.length > this.config.maxPlanPaths) {
      throw invalidArgument(
        `a plan of ${paths.length} paths is over the limit of ${this.config.maxPlanPaths} (max-plan-paths); split the epoch or raise the limit`,
      );
    }
    const generation = ++this.planGenerations;
    this.planGeneration.set(job, generation);
    for (const p of [...this.protectedFiles.keys()]) this.unprotect(p);
    const headLength = Math.min(paths.length, this.config.planLookahead);
    const head = await this.statAll(paths.slice(0, headLength), PLAN_STAT_CONCURRENCY);
    const pending = paths.length - headLength;
    // A plan for the job submitted while this head was stat'ed replaces this one.
    if (this.isCurrent(job, generation)) {
      this.saidMissing.delete(job);
      // The replaced plan's files not fetched yet are not wanted any more (its blocks queued at known versions run, as before).
      this.queue.removeWhere((q) => {
        const gone = q.stat === undefined && this.probing.get(q.path) === job;
        if (gone) this.probing.delete(q.path);
        return gone;
      });
      const first = Math.min(paths.length, headLength + PLAN_APPEND_CHUNK);
      const rest = normalizedPaths(paths, headLength, first);
      const planPaths = head.map((s) => s.path);
      const sizes = head.map((s) => s.size);
      for (const p of rest.paths) {
        planPaths.push(p);
        sizes.push(UNKNOWN_SIZE);
      }
      this.planned(job, this.plans.submit(job, epoch, planPaths, sizes));
      if (first < paths.length || rest.invalid > 0) {
        this.appendRest(job, epoch, generation, paths, first, rest).catch((err: unknown) =>
          this.log.warn('plan: taking in its paths in the background failed', { job, epoch, err: getErrorMessage(err) }),
        );
      }
    }
    let bytes = 0;
    for (const s of head) bytes += s.size;
    return { files_accepted: head.length + pending, bytes_planned: bytes, files_pending: pending };
  }

  /**
   * Appends paths[from..] to the job's plan PLAN_APPEND_CHUNK at a time,
   * until done or a newer plan; paths that are not valid request paths are
   * left out and logged once for the plan (the head's would have failed SubmitPlan).
   */
  private async appendRest(
    job: string,
    epoch: number,
    generation: number,
    paths: readonly string[],
    from: number,
    firstChunk: NormalizedPaths,
  ): Promise<void> {
    let invalid = firstChunk.invalid;
    let firstInvalid = firstChunk.firstInvalid;
    let left = paths.length - from;
    this.planUnappended += left;
    try {
      for (let start = from; start < paths.length; start += PLAN_APPEND_CHUNK) {
        await nextTurn();
        if (!this.isCurrent(job, generation)) return;
        const end = Math.min(paths.length, start + PLAN_APPEND_CHUNK);
        const chunk = normalizedPaths(paths, start, end);
        left -= end - start;
        this.planUnappended -= end - start;
        invalid += chunk.invalid;
        if (firstInvalid === '') firstInvalid = chunk.firstInvalid;
        const sizes = new Array<number>(chunk.paths.length).fill(UNKNOWN_SIZE);
        this.planned(job, this.plans.append(job, epoch, chunk.paths, sizes));
      }
      if (invalid > 0) this.log.warn('plan paths left out: not valid request paths', { job, epoch, paths: invalid, first: firstInvalid });
    } finally {
      this.planUnappended -= left;
    }
  }

  private isCurrent(job: string, generation: number): boolean {
    return !this.stopped && this.planGeneration.get(job) === generation;
  }

  /** Stats in parallel (each is a round trip on a remote filesystem); missing files and directories are left out, other failures thrown. */
  private async statAll(paths: readonly string[], concurrency: number): Promise<BackendStat[]> {
    const stats: Array<BackendStat | undefined> = new Array(paths.length);
    await forEachConcurrently(paths.length, concurrency, async (i) => {
      try {
        const s = await this.store.stat(paths[i]!);
        stats[i] = s.isDir ? undefined : s;
      } catch (err) {
        if (!hasCode(err, ErrorCodes.NOT_FOUND)) throw err;
      }
    });
    return stats.filter((s): s is BackendStat => s !== undefined);
  }

  snapshot(): PrefetchStats {
    const c = this.counters;
    return {
      prefetched_blocks: c.prefetchedBlocks,
      prefetch_hits: c.prefetchHits,
      prefetch_hit_ratio: c.prefetchedBlocks === 0 ? 0 : c.prefetchHits / c.prefetchedBlocks,
      wasted_prefetches: c.wastedPrefetches,
      queue_depth: this.queue.size,
      dropped_tasks: c.droppedTasks,
      inflight_bytes: this.inflightBytes,
      cut_blocks: c.cutBlocks,
      plan_files_unchecked: this.probing.size + this.planUnappended,
      plan_files_missing: c.planFilesMissing,
    };
  }
}

interface NormalizedPaths {
  readonly paths: string[];
  readonly invalid: number;
  readonly firstInvalid: string;
}

/** paths[from..to) as normalised request paths; invalid ones (absolute, escaping the root, NUL) counted and left out. */
function normalizedPaths(paths: readonly string[], from: number, to: number): NormalizedPaths {
  const out: string[] = [];
  let invalid = 0;
  let firstInvalid = '';
  for (let i = from; i < to; i++) {
    try {
      out.push(normalizeRequestPath(paths[i]!));
    } catch (err) {
      invalid++;
      if (firstInvalid === '') firstInvalid = getErrorMessage(err);
    }
  }
  return { paths: out, invalid, firstInvalid };
}

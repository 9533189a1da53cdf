// The checkpoint manager (the one orchestrator of src/checkpoint/): two-phase
// save, list, load with verification and fallback, delete, retention, and
// the start-up recovery that makes kill -9 safe.
//
// Invariants:
// - `local` holds exactly the complete local copies (manifest written); it
//   is rebuilt from disk at start, after partials are removed.
// - A checkpoint is shown or loaded only from a complete copy whose size
//   matches its manifest; a load also verifies the sha256 before the first
//   byte is sent, so a client never receives a torn checkpoint.
// - Per job, persist commits, retention and deletes run under one lock.
// - Every byte of a local copy, or of a save being written, is held on this
//   manager's tenant of the SSD's space owner (cache/ssd-budget.ts): a save
//   may pass ssd-cache-size (it has nowhere else to go) and is refused with
//   NO_SPACE only when the disk cannot take it; local copies of persisted
//   checkpoints are what it gives back when anyone needs room.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { backendUnavailable, cancelled, invalidArgument, notFound, hasCode, TiercacheError, ErrorCodes } from '../errors';
import type { Backend } from '../backend/types';
import { SsdTenants, type SsdBudget, type SsdTenant } from '../cache/ssd-budget';
import type { Logger } from '../log';
import { getErrorCode, getErrorMessage } from '../util/errors-message';
import { fsyncDir, mkdirDurable } from './atomic-file';
import { BackendStore } from './backend-store';
import { HandoffDir } from './handoff-dir';
import { CheckpointMetrics } from './checkpoint-metrics';
import { IdGenerator, byNewest, checkCheckpointId, checkJobId } from './ids';
import { KeyedLock } from './keyed-lock';
import { LocalStore, type CheckpointWriter } from './local-store';
import { SaveSpace } from './save-space';
import { CheckpointLoader, type LoadSink } from './checkpoint-loader';
import { toInfo } from './manifest';
import { Persister, type PersistKey } from './persister';
import { retentionVictims, spaceVictims } from './retention';
import { CheckpointStates, DurationKinds, type CheckpointInfo, type DurationObserver, type Manifest, type SaveHeader } from './types';

export interface CheckpointManagerOptions {
  readonly localDir: string;
  /** Where local clients drop files for hand-off saves. */
  readonly handoffDir?: string;
  /** The SSD's space owner: local copies are one of its tenants, beside cache blocks. */
  readonly budget: SsdBudget;
  readonly backend: Backend;
  readonly root: string;
  readonly maxCheckpoints: number;
  readonly streamChunkSize: number;
  readonly log: Logger;
  /** Told the duration of every save phase and restore (the metrics histograms). */
  readonly onDuration?: DurationObserver;
  readonly now?: () => number;
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
}

export interface LocalEntry {
  readonly manifest: Manifest;
  persisted: boolean;
}

export class CheckpointManager {
  readonly metrics: CheckpointMetrics;
  readonly localStore: LocalStore;
  readonly backendStore: BackendStore;
  /** job -> id -> complete local copy. */
  private readonly local = new Map<string, Map<string, LocalEntry>>();
  private localBytesTotal = 0;
  private readonly persister: Persister;
  private readonly space: SsdTenant;
  /** Removals of local copies dropped for space, still running (a save waits for them before writing on). */
  private readonly dropping = new Set<Promise<void>>();
  private readonly ids: IdGenerator;
  private readonly lock = new KeyedLock();
  private readonly loader: CheckpointLoader;
  private readonly saveStarted = new Map<string, number>();
  private readonly handoff: HandoffDir;
  private readonly opts: CheckpointManagerOptions;
  private readonly now: () => number;

  constructor(opts: CheckpointManagerOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.localStore = new LocalStore(opts.localDir, opts.log);
    this.handoff = new HandoffDir(opts.handoffDir ?? join(opts.localDir, '..', 'handoff'), opts.log);
    this.backendStore = new BackendStore({ backend: opts.backend, root: opts.root, log: opts.log });
    this.ids = new IdGenerator(this.now, () => randomBytes(4).toString('hex'));
    this.persister = new Persister({
      persist: (k, signal) => this.persistOne(k, signal),
      onSuccess: (k) => void this.afterPersist(k.jobId),
      onFailure: () => this.metrics.counters.persistFailures++,
      log: opts.log,
      backoffBaseMs: opts.backoffBaseMs,
      backoffCapMs: opts.backoffCapMs,
    });
    this.metrics = new CheckpointMetrics(
      () => this.persister.pending,
      () => this.localBytesTotal,
      opts.onDuration,
    );
    this.space = opts.budget.tenant(SsdTenants.CHECKPOINTS, {
      priority: true,
      mayExceedSize: true,
      minFreeBytes: 0,
      what: 'the checkpoint',
      giveBack: {
        bytes: () => spaceVictims(this.localCopies()).reduce((n, c) => n + c.size, 0),
        free: (bytes) => this.dropPersistedCopies(bytes),
      },
    });
    this.loader = new CheckpointLoader({
      local: this.localStore,
      backend: this.backendStore,
      space: () => this.saveSpace(),
      metrics: this.metrics,
      log: opts.log,
      chunkSize: opts.streamChunkSize,
      now: this.now,
      localEntry: (j, id) => this.local.get(j)?.get(id),
      addLocal: (m) => this.addLocal(m, true),
      dropLocal: (j, id) => this.removeLocal(j, id),
    });
  }

  /** Recovers after a crash: removes partials, re-queues complete local copies not yet on the backend. */
  async start(): Promise<void> {
    await this.handoff.start();
    // What a persist cut by a crash left on the backend (temporary files, unfinished multipart uploads) goes first.
    const leftovers = await this.backendStore.cleanupIncomplete().catch((err: unknown) => {
      this.opts.log.warn('cannot clean up incomplete checkpoint writes on the backend', { err: getErrorMessage(err) });
      return 0;
    });
    if (leftovers > 0) this.opts.log.info('removed incomplete checkpoint writes from the backend', { count: leftovers });
    const { complete, partialsRemoved } = await this.localStore.scan();
    this.metrics.counters.partialsCleaned += partialsRemoved;
    complete.sort((a, b) => -byNewest(a.id, b.id));
    const toPersist: PersistKey[] = [];
    for (const m of complete) {
      let persisted = false;
      try {
        const remote = await this.backendStore.readManifest(m.job_id, m.id);
        persisted = remote?.sha256 === m.sha256;
      } catch {
        // Unknown: the persister will find out.
      }
      this.space.adopt(m.size);
      this.addLocal(m, persisted);
      if (!persisted) toPersist.push({ jobId: m.job_id, id: m.id });
    }
    this.opts.log.info('checkpoints recovered', {
      dir: this.opts.localDir,
      complete: complete.length,
      pendingPersist: toPersist.length,
      partialsRemoved,
    });
    for (const k of toPersist) this.persister.enqueue(k);
    this.persister.start();
    for (const job of this.local.keys()) void this.applyRetention(job);
  }

  async stop(): Promise<void> {
    this.handoff.stop();
    await this.persister.stop();
  }

  /** Phase 1 (and phase 2 with sync): stores `chunks` as a new checkpoint of `header.jobId`. */
  async save(header: SaveHeader, chunks: AsyncIterable<Buffer>, isCancelled: () => boolean = () => false): Promise<CheckpointInfo> {
    const started = this.now();
    const jobId = checkHeader(header);
    const id = this.ids.next(jobId, header.step);
    let writer: CheckpointWriter | undefined;
    let manifest: Manifest;
    const room = this.saveSpace();
    try {
      writer = await this.localStore.create(jobId, id, (n) => room.ensure(n));
      for await (const chunk of chunks) await writer.write(chunk);
      const { size, sha256 } = await writer.finish();
      // A client that cancelled can look like a clean end of stream for a moment: check again before committing.
      if (isCancelled()) throw cancelled('the checkpoint save');
      manifest = manifestOf(header, jobId, id, size, sha256);
      await this.localStore.commit(manifest);
      room.keep(size);
    } catch (err) {
      await writer?.abort();
      room.drop();
      this.saveFailed(jobId, id, err);
      throw err;
    }
    return this.saved(header, manifest, started);
  }

  /**
   * Phase 1 of a hand-off save: takes over the file the client wrote in the
   * hand-off directory (a rename), so the save costs the client's own local
   * write. The client's SHA-256 is recorded and checked when persisting.
   */
  async adopt(header: SaveHeader, handoffName: string, clientSha256: string, isCancelled: () => boolean = () => false): Promise<CheckpointInfo> {
    const started = this.now();
    const jobId = checkHeader(header);
    if (clientSha256 !== '' && !/^[0-9a-f]{64}$/.test(clientSha256)) {
      throw invalidArgument(`invalid sha256 ${JSON.stringify(clientSha256)}: 64 lowercase hex digits expected`);
    }
    const id = this.ids.next(jobId, header.step);
    let manifest: Manifest;
    const room = this.saveSpace();
    try {
      await mkdirDurable(this.localStore.checkpointDir(jobId, id));
      const dataPath = this.localStore.dataPath(jobId, id);
      const size = await this.handoff.take(handoffName, dataPath);
      // Already on the SSD: counted, then the others give way if it took the disk under its floor.
      room.adopt(size);
      await room.ensure(0);
      const sha256 = clientSha256 || (await sha256OfFile(dataPath));
      await fsyncDir(this.localStore.checkpointDir(jobId, id));
      if (isCancelled()) throw cancelled('the checkpoint save');
      manifest = manifestOf(header, jobId, id, size, sha256);
      await this.localStore.commit(manifest);
      room.keep(size);
    } catch (err) {
      room.drop();
      await fsp.rm(this.localStore.checkpointDir(jobId, id), { recursive: true, force: true }).catch(() => {});
      this.saveFailed(jobId, id, err);
      throw err;
    }
    return this.saved(header, manifest, started);
  }

  private saveFailed(jobId: string, id: string, err: unknown): void {
    this.metrics.counters.saveFailures++;
    // NO_SPACE and CANCELLED are answered to the client (and a cancel logged once, at debug, by the call adapter).
    if (!hasCode(err, ErrorCodes.NO_SPACE) && !hasCode(err, ErrorCodes.CANCELLED)) {
      this.opts.log.warn('checkpoint save failed', { job: jobId, id, err: getErrorMessage(err) });
    }
  }

  /** After the local commit: account, queue for persisting, and wait for it with sync. */
  private async saved(header: SaveHeader, manifest: Manifest, started: number): Promise<CheckpointInfo> {
    const { job_id: jobId, id } = manifest;
    this.addLocal(manifest, false);
    this.metrics.counters.saves++;
    this.metrics.counters.bytesSaved += manifest.size;
    this.metrics.observe(DurationKinds.SAVE_LOCAL, started, this.now());
    const key = { jobId, id };
    this.saveStarted.set(`${jobId}/${id}`, started);
    this.persister.enqueue(key);
    if (header.sync) {
      try {
        await this.persister.waitFor(key);
      } catch (err) {
        throw backendUnavailable(
          `checkpoint ${jobId}/${id} (saved locally, state LOCAL; persisting is retried in the background)`,
          err,
        );
      }
    }
    return this.infoOf(manifest, this.local.get(jobId)?.get(id)?.persisted ?? false);
  }

  /** Complete checkpoints of a job, newest first: local copies and those on the backend. */
  async list(jobIdRaw: string): Promise<CheckpointInfo[]> {
    const jobId = checkJobId(jobIdRaw);
    const merged = new Map<string, { manifest: Manifest; persisted: boolean }>();
    try {
      for (const m of (await this.backendStore.list(jobId)).complete) merged.set(m.id, { manifest: m, persisted: true });
    } catch (err) {
      this.opts.log.warn('cannot list checkpoints on the backend; showing local copies only', { job: jobId, err: getErrorMessage(err) });
    }
    for (const [id, e] of this.local.get(jobId) ?? []) {
      if (!merged.has(id)) merged.set(id, { manifest: e.manifest, persisted: e.persisted });
    }
    return [...merged.values()]
      .sort((a, b) => byNewest(a.manifest.id, b.manifest.id))
      .map((e) => this.infoOf(e.manifest, e.persisted));
  }

  /** Streams a checkpoint (the newest that verifies, or `id`): first its info, then its bytes. */
  async load(jobIdRaw: string, idRaw: string, sink: LoadSink): Promise<void> {
    const jobId = checkJobId(jobIdRaw);
    const id = idRaw === '' ? undefined : checkCheckpointId(idRaw);
    let candidates = await this.list(jobId);
    if (id !== undefined) candidates = candidates.filter((c) => c.id === id);
    if (candidates.length === 0) {
      throw notFound(id === undefined ? `checkpoints of job ${JSON.stringify(jobId)}` : `checkpoint ${id} of job ${JSON.stringify(jobId)}`);
    }
    await this.loader.load(candidates, sink);
  }

  async delete(jobIdRaw: string, idRaw: string): Promise<boolean> {
    const jobId = checkJobId(jobIdRaw);
    const id = checkCheckpointId(idRaw);
    return this.lock.run(jobId, async () => {
      const hadLocal = this.local.get(jobId)?.has(id) ?? false;
      const hadRemote = await this.backendStore.hasManifest(jobId, id);
      if (!hadLocal && !hadRemote) return false;
      await this.removeEverywhere(jobId, id);
      return true;
    });
  }

  infoOf(m: Manifest, persisted: boolean): CheckpointInfo {
    return toInfo(m, persisted ? CheckpointStates.PERSISTED : CheckpointStates.LOCAL, this.backendStore.relPath(m.job_id, m.id));
  }

  private async persistOne(key: PersistKey, signal: AbortSignal): Promise<boolean> {
    return this.lock.run(key.jobId, async () => {
      const entry = this.local.get(key.jobId)?.get(key.id);
      if (!entry) return false;
      if (entry.persisted) return true;
      const m = entry.manifest;
      let fh: FileHandle;
      try {
        fh = await this.localStore.openData(key.jobId, key.id);
      } catch (err) {
        if (getErrorCode(err) !== 'ENOENT') throw err;
        this.forgetLocal(key.jobId, key.id);
        return false;
      }
      try {
        await this.backendStore.persist(fh, m, signal);
      } catch (err) {
        if (!hasCode(err, ErrorCodes.DATA_LOSS)) throw err;
        this.opts.log.error('a local checkpoint is corrupt and cannot be persisted; dropping it', { job: key.jobId, id: key.id });
        this.metrics.counters.corruptLocal++;
        await this.removeLocal(key.jobId, key.id);
        return false;
      } finally {
        await fh.close().catch(() => {});
      }
      entry.persisted = true;
      this.metrics.counters.persists++;
      this.metrics.counters.bytesPersisted += m.size;
      const started = this.saveStarted.get(`${key.jobId}/${key.id}`);
      this.saveStarted.delete(`${key.jobId}/${key.id}`);
      if (started !== undefined) this.metrics.observe(DurationKinds.SAVE_PERSISTED, started, this.now());
      return true;
    });
  }

  private async afterPersist(jobId: string): Promise<void> {
    await this.applyRetention(jobId);
    // Best effort: a save that passed the size or the floor gives back its now persisted copies.
    try {
      this.space.tryReserve(0);
    } catch (err) {
      this.opts.log.warn('cannot check the SSD space after a persist', { err: getErrorMessage(err) });
    }
  }

  /** Deletes what retention allows (see retention.ts); a failure is logged and retried after the next persist. */
  private applyRetention(jobId: string): Promise<void> {
    return this.lock.run(jobId, async () => {
      try {
        const listing = await this.backendStore.list(jobId);
        const persisted = new Set(listing.complete.map((m) => m.id));
        const entries = new Map<string, boolean>();
        for (const id of persisted) entries.set(id, true);
        for (const [id, e] of this.local.get(jobId) ?? []) entries.set(id, e.persisted || persisted.has(id));
        const victims = retentionVictims(
          [...entries].map(([id, p]) => ({ id, persisted: p })),
          this.opts.maxCheckpoints,
        );
        for (const id of victims) {
          await this.removeEverywhere(jobId, id);
          this.metrics.counters.retentionDeletes++;
        }
        // Backend directories left by a persist cut short, older than what we keep.
        const newestPersisted = [...persisted].sort(byNewest)[0];
        for (const id of listing.partial) {
          if (newestPersisted !== undefined && id < newestPersisted && !this.local.get(jobId)?.has(id)) {
            await this.backendStore.remove(jobId, id);
          }
        }
      } catch (err) {
        this.opts.log.warn('checkpoint retention failed; nothing more was deleted', { job: jobId, err: getErrorMessage(err) });
      }
    });
  }

  /** Backend first: a failure there leaves the local copy, and the checkpoint, intact. Caller holds the job lock. */
  private async removeEverywhere(jobId: string, id: string): Promise<void> {
    await this.backendStore.remove(jobId, id);
    this.persister.drop({ jobId, id }, new TiercacheError(ErrorCodes.NOT_FOUND, `checkpoint ${jobId}/${id} was deleted`));
    await this.removeLocal(jobId, id);
  }

  private addLocal(m: Manifest, persisted: boolean): void {
    let job = this.local.get(m.job_id);
    if (!job) this.local.set(m.job_id, (job = new Map()));
    if (!job.has(m.id)) this.localBytesTotal += m.size;
    job.set(m.id, { manifest: m, persisted });
    this.ids.observe(m.job_id, m.id);
  }

  private forgetLocal(jobId: string, id: string): void {
    const job = this.local.get(jobId);
    const e = job?.get(id);
    if (!job || !e) return;
    job.delete(id);
    this.localBytesTotal -= e.manifest.size;
    this.space.release(e.manifest.size);
    if (job.size === 0) this.local.delete(jobId);
  }

  private async removeLocal(jobId: string, id: string): Promise<void> {
    this.forgetLocal(jobId, id);
    await this.localStore.remove(jobId, id);
  }

  /** Bytes of local checkpoint copies on the SSD (they count against the SSD budget). */
  get localBytes(): number {
    return this.localBytesTotal;
  }

  /** Room for one file written locally, on this manager's SSD tenant. */
  private saveSpace(): SaveSpace {
    return new SaveSpace(this.space, async () => {
      while (this.dropping.size > 0) await Promise.all([...this.dropping]);
    });
  }

  /**
   * The SSD's owner needs room: local copies of persisted checkpoints go,
   * oldest first, until `bytes` are freed. Accounted at once; their files are
   * removed in the background (a save waits for that before writing on).
   */
  private dropPersistedCopies(bytes: number): void {
    let freed = 0;
    for (const e of spaceVictims(this.localCopies())) {
      if (freed >= bytes) break;
      this.opts.log.info('dropping the local copy of a persisted checkpoint for SSD space', { job: e.jobId, id: e.id });
      this.metrics.counters.spaceEvictions++;
      this.forgetLocal(e.jobId, e.id);
      freed += e.size;
      const removal = this.localStore.remove(e.jobId, e.id).catch((err: unknown) => {
        this.opts.log.warn('cannot remove a dropped local checkpoint copy', { job: e.jobId, id: e.id, err: getErrorMessage(err) });
      });
      this.dropping.add(removal);
      void removal.finally(() => this.dropping.delete(removal));
    }
  }

  private localCopies(): Array<{ jobId: string; id: string; size: number; persisted: boolean }> {
    const out = [];
    for (const [jobId, job] of this.local) {
      for (const [id, e] of job) out.push({ jobId, id, size: e.manifest.size, persisted: e.persisted });
    }
    return out;
  }
}

function checkHeader(header: SaveHeader): string {
  const jobId = checkJobId(header.jobId);
  if (!Number.isSafeInteger(header.step) || header.step < 0) throw invalidArgument(`invalid step ${header.step}`);
  for (const [k, v] of Object.entries(header.metrics)) {
    if (!Number.isFinite(v)) throw invalidArgument(`metric ${JSON.stringify(k)} must be a finite number, got ${v}`);
  }
  return jobId;
}

function manifestOf(header: SaveHeader, jobId: string, id: string, size: number, sha256: string): Manifest {
  return { format: 1, id, job_id: jobId, step: header.step, timestamp_ms: Number(id.slice(0, 13)), size, sha256, metrics: { ...header.metrics } };
}

async function sha256OfFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

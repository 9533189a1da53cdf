// Load path: picks the first candidate (newest first) with an intact copy and
// streams it. Every copy is verified (size and sha256) BEFORE its info is
// sent, so a failed check can fall back to the next source without the
// client having seen a byte: local copy -> backend copy -> older checkpoint.
// A backend copy is staged onto the SSD while it is checked (one slow pass),
// and kept there as a PERSISTED local copy for the next load.

import type { FileHandle } from 'node:fs/promises';
import { dataLoss, ErrorCodes, hasCode, notFound } from '../errors';
import { SingleFlight } from '../cache/single-flight';
import type { Logger } from '../log';
import { getErrorCode, getErrorMessage } from '../util/errors-message';
import type { BackendStore } from './backend-store';
import type { CheckpointMetrics } from './checkpoint-metrics';
import { IO_CHUNK, hashHandle, streamHandle, type DataReader } from './data-file';
import type { CheckpointWriter, LocalStore } from './local-store';
import type { SaveSpace } from './save-space';
import { CheckpointStates, DurationKinds, type CheckpointInfo, type Manifest, type RestoreSource } from './types';

export interface LoadSink {
  info(info: CheckpointInfo): Promise<void>;
  data(chunk: Buffer): Promise<void>;
}

export interface CheckpointLoaderOptions {
  readonly local: LocalStore;
  readonly backend: BackendStore;
  /** Room on the SSD for a backend copy staged locally. */
  readonly space: () => SaveSpace;
  readonly metrics: CheckpointMetrics;
  readonly log: Logger;
  readonly chunkSize: number;
  readonly now: () => number;
  readonly localEntry: (jobId: string, id: string) => { manifest: Manifest; persisted: boolean } | undefined;
  readonly addLocal: (m: Manifest) => void;
  readonly dropLocal: (jobId: string, id: string) => Promise<void>;
}

class Mismatch extends Error {}

export class CheckpointLoader {
  private readonly opts: CheckpointLoaderOptions;
  private readonly staging = new SingleFlight<boolean>();

  constructor(opts: CheckpointLoaderOptions) {
    this.opts = opts;
  }

  async load(candidates: readonly CheckpointInfo[], sink: LoadSink): Promise<void> {
    const started = this.opts.now();
    const seen = { bad: false };
    for (const c of candidates) {
      if (await this.fromLocal(c, sink, started, seen)) return;
      if (c.state === CheckpointStates.PERSISTED && (await this.fromBackend(c, sink, started, seen))) return;
    }
    const c = candidates[0]!;
    if (!seen.bad) {
      // Every copy vanished between the listing and the read: deleted (retention, Delete), not damaged.
      throw notFound(`checkpoint ${c.id} of job ${JSON.stringify(c.job_id)} (deleted while it was being loaded)`);
    }
    this.opts.metrics.counters.loadFailures++;
    throw dataLoss(
      `no intact copy of ${candidates.length === 1 ? `checkpoint ${c.id}` : 'any checkpoint'} of job ${JSON.stringify(c.job_id)}: ` +
        'every copy failed its size or sha256 check',
    );
  }

  private async fromLocal(
    c: CheckpointInfo,
    sink: LoadSink,
    started: number,
    seen: { bad: boolean },
    source: RestoreSource = 'local',
  ): Promise<boolean> {
    const entry = this.opts.localEntry(c.job_id, c.id);
    if (!entry) return false;
    let fh: FileHandle | undefined;
    try {
      fh = await this.opts.local.openData(c.job_id, c.id);
      await this.verify(fh, entry.manifest);
    } catch (err) {
      await fh?.close().catch(() => {});
      if (getErrorCode(err) === 'ENOENT') return false; // deleted meanwhile
      seen.bad = true;
      if (!(err instanceof Mismatch)) {
        this.opts.log.warn('cannot read a local checkpoint copy; trying the backend', { job: c.job_id, id: c.id, err: getErrorMessage(err) });
        return false;
      }
      this.opts.metrics.counters.corruptLocal++;
      this.opts.log.warn('dropping a corrupt local checkpoint copy', { job: c.job_id, id: c.id, err: getErrorMessage(err) });
      await this.opts.dropLocal(c.job_id, c.id).catch(() => {});
      return false;
    }
    try {
      await this.send(fh, c, sink, started, source);
    } finally {
      await fh.close().catch(() => {});
    }
    return true;
  }

  private async fromBackend(c: CheckpointInfo, sink: LoadSink, started: number, seen: { bad: boolean }): Promise<boolean> {
    let m: Manifest | undefined;
    try {
      m = await this.opts.backend.readManifest(c.job_id, c.id);
    } catch (err) {
      seen.bad = true;
      this.opts.log.warn('cannot read a backend checkpoint manifest', { job: c.job_id, id: c.id, err: getErrorMessage(err) });
    }
    if (!m) return false;
    const manifest = m;
    let staged = false;
    try {
      staged = await this.staging.do(`${c.job_id}/${c.id}`, () => this.stage(manifest));
    } catch (err) {
      if (err instanceof Mismatch) {
        seen.bad = true;
        return false;
      }
      if (getErrorCode(err) === 'ENOENT' || hasCode(err, ErrorCodes.NOT_FOUND)) return false; // deleted meanwhile
      if (!hasCode(err, ErrorCodes.NO_SPACE)) {
        this.opts.log.warn('cannot stage a backend checkpoint locally; streaming it from the backend', {
          job: c.job_id,
          id: c.id,
          err: getErrorMessage(err),
        });
      }
    }
    if (staged && (await this.fromLocal(c, sink, started, seen, 'backend'))) return true;
    // No room on the SSD: check, then stream, straight from the backend (two passes).
    let fh: DataReader | undefined;
    try {
      fh = await this.opts.backend.openData(c.job_id, c.id);
      await this.verify(fh, manifest);
    } catch (err) {
      await fh?.close().catch(() => {});
      if (getErrorCode(err) === 'ENOENT' || hasCode(err, ErrorCodes.NOT_FOUND)) return false;
      seen.bad = true;
      this.opts.log.warn('a backend checkpoint copy does not verify', { job: c.job_id, id: c.id, err: getErrorMessage(err) });
      return false;
    }
    try {
      await this.send(fh, c, sink, started, 'backend');
    } finally {
      await fh.close().catch(() => {});
    }
    return true;
  }

  /** Copies a backend checkpoint into the local store, checking its sha256 on the way. */
  private async stage(m: Manifest): Promise<boolean> {
    if (this.opts.localEntry(m.job_id, m.id)) return true;
    // The whole size up front: no download starts that the SSD cannot keep.
    const room = this.opts.space();
    await room.ensure(m.size);
    let src: DataReader;
    let writer: CheckpointWriter;
    try {
      src = await this.opts.backend.openData(m.job_id, m.id);
    } catch (err) {
      room.drop();
      throw err;
    }
    try {
      writer = await this.opts.local.create(m.job_id, m.id, async () => {});
    } catch (err) {
      room.drop();
      await src.close().catch(() => {});
      throw err;
    }
    try {
      for (let off = 0; off < m.size; ) {
        const n = Math.min(IO_CHUNK, m.size - off);
        const buf = Buffer.allocUnsafe(n);
        const { bytesRead } = await src.read(buf, 0, n, off);
        if (bytesRead === 0) throw new Mismatch(`backend data ends at ${off} bytes, manifest says ${m.size}`);
        await writer.write(bytesRead === n ? buf : buf.subarray(0, bytesRead));
        off += bytesRead;
      }
      const { sha256 } = await writer.finish();
      if (sha256 !== m.sha256) throw new Mismatch('backend data does not match its sha256');
      await this.opts.local.commit(m);
      room.keep(m.size);
    } catch (err) {
      await writer.abort();
      room.drop();
      throw err;
    } finally {
      await src.close().catch(() => {});
    }
    this.opts.addLocal(m);
    return true;
  }

  private async verify(fh: DataReader, m: Manifest): Promise<void> {
    const st = await fh.stat();
    if (st.size !== m.size) throw new Mismatch(`data is ${st.size} bytes, manifest says ${m.size}`);
    const sha = await hashHandle(fh, m.size);
    if (sha !== m.sha256) throw new Mismatch('data does not match its sha256');
  }

  private async send(fh: DataReader, c: CheckpointInfo, sink: LoadSink, started: number, source: RestoreSource): Promise<void> {
    await sink.info(c);
    await streamHandle(fh, c.size, this.opts.chunkSize, (b) => sink.data(b));
    const mt = this.opts.metrics;
    mt.counters.loads++;
    mt.counters.bytesLoaded += c.size;
    mt.observe(DurationKinds.RESTORE, started, this.opts.now(), source);
  }
}

// The local staging area on the SSD: <checkpoint-dir>/<job>/<id>/{data, manifest.json}.
// A checkpoint is complete locally once its manifest exists (written last,
// atomically); a directory without one is a partial save and is removed at
// start-up, as are leftover temporary files.

import { createHash, type Hash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { noSpace } from '../errors';
import type { Logger } from '../log';
import { getErrorCode, getErrorMessage } from '../util/errors-message';
import { TMP_PREFIX, fsyncDir, mkdirDurable, writeFileAtomic } from './atomic-file';
import { writeFully } from './data-file';
import { checkJobId, isCheckpointId } from './ids';
import { DATA_FILE, MANIFEST_FILE, decodeManifest, encodeManifest } from './manifest';
import type { Manifest } from './types';

/** How often (bytes written) a save re-checks free space. */
const SPACE_CHECK_BYTES = 16 * 1024 * 1024;
/** Bytes of a save being written at once. */
const MAX_INFLIGHT_BYTES = 8 * 1024 * 1024;

/** Makes room for `bytes` more on the SSD or throws NO_SPACE (see save-space.ts). */
export type EnsureSpace = (bytes: number) => Promise<void>;

export interface ScanResult {
  readonly complete: Manifest[];
  readonly partialsRemoved: number;
}

export class LocalStore {
  readonly dir: string;
  private readonly log: Logger;

  constructor(dir: string, log: Logger) {
    this.dir = dir;
    this.log = log;
  }

  checkpointDir(jobId: string, id: string): string {
    return join(this.dir, jobId, id);
  }

  dataPath(jobId: string, id: string): string {
    return join(this.dir, jobId, id, DATA_FILE);
  }

  /** Finds complete checkpoints; removes partial ones, bad manifests and temporary files. */
  async scan(): Promise<ScanResult> {
    await fsp.mkdir(this.dir, { recursive: true });
    const complete: Manifest[] = [];
    let partialsRemoved = 0;
    for (const job of await fsp.readdir(this.dir)) {
      if (job.startsWith(TMP_PREFIX)) {
        await fsp.rm(join(this.dir, job), { recursive: true, force: true });
        continue;
      }
      try {
        checkJobId(job);
      } catch {
        continue; // not ours
      }
      for (const name of await fsp.readdir(join(this.dir, job)).catch(() => [] as string[])) {
        const path = join(this.dir, job, name);
        if (!isCheckpointId(name)) {
          if (name.startsWith(TMP_PREFIX)) await fsp.rm(path, { recursive: true, force: true });
          continue;
        }
        const m = await this.readComplete(job, name);
        if (m) {
          complete.push(m);
          continue;
        }
        await fsp.rm(path, { recursive: true, force: true });
        partialsRemoved++;
      }
    }
    return { complete, partialsRemoved };
  }

  /** The manifest of a complete local checkpoint, or undefined (partial, torn or unreadable). */
  private async readComplete(jobId: string, id: string): Promise<Manifest | undefined> {
    const dir = this.checkpointDir(jobId, id);
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      if (name.startsWith(TMP_PREFIX)) await fsp.rm(join(dir, name), { force: true });
    }
    let raw: Buffer;
    try {
      raw = await fsp.readFile(join(dir, MANIFEST_FILE));
    } catch {
      return undefined;
    }
    try {
      const m = decodeManifest(raw, jobId, id);
      const st = await fsp.stat(join(dir, DATA_FILE));
      if (st.size !== m.size) throw new Error(`data is ${st.size} bytes, manifest says ${m.size}`);
      return m;
    } catch (err) {
      this.log.warn('dropping a local checkpoint with a bad manifest or data', { job: jobId, id, err: getErrorMessage(err) });
      return undefined;
    }
  }

  async create(jobId: string, id: string, ensureSpace: EnsureSpace): Promise<CheckpointWriter> {
    const dir = this.checkpointDir(jobId, id);
    await mkdirDurable(dir);
    const fh = await fsp.open(join(dir, DATA_FILE), 'wx', 0o644);
    return new CheckpointWriter(dir, fh, ensureSpace);
  }

  /** Writes the manifest: from here on the checkpoint is complete locally. */
  async commit(m: Manifest): Promise<void> {
    await writeFileAtomic(join(this.checkpointDir(m.job_id, m.id), MANIFEST_FILE), encodeManifest(m));
  }

  /** Manifest first, so a crash half-way leaves a partial that start-up removes. */
  async remove(jobId: string, id: string): Promise<void> {
    const dir = this.checkpointDir(jobId, id);
    await fsp.rm(join(dir, MANIFEST_FILE), { force: true });
    await fsp.rm(dir, { recursive: true, force: true });
  }

  openData(jobId: string, id: string): Promise<FileHandle> {
    return fsp.open(this.dataPath(jobId, id), 'r');
  }
}

/**
 * Streams one checkpoint's data to disk. Writes are positional and up to
 * MAX_INFLIGHT_BYTES of them run at once, so receiving and hashing the next
 * chunks overlaps with the disk; a failed write fails the next call.
 */
export class CheckpointWriter {
  readonly dir: string;
  size = 0;
  private readonly fh: FileHandle;
  private readonly hash: Hash = createHash('sha256');
  private readonly ensureSpace: EnsureSpace;
  private nextSpaceCheck = 0;
  /** Writes in flight, oldest first; each settles to undefined (failures go to `failure`). */
  private readonly inflight: Array<{ bytes: number; done: Promise<void> }> = [];
  private inflightBytes = 0;
  private failure: unknown;
  private closed = false;

  constructor(dir: string, fh: FileHandle, ensureSpace: EnsureSpace) {
    this.dir = dir;
    this.fh = fh;
    this.ensureSpace = ensureSpace;
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    if (this.size + chunk.length > this.nextSpaceCheck) {
      await this.ensureSpace(Math.max(SPACE_CHECK_BYTES, chunk.length));
      this.nextSpaceCheck = this.size + Math.max(SPACE_CHECK_BYTES, chunk.length);
    }
    this.hash.update(chunk);
    const position = this.size;
    this.size += chunk.length;
    while (this.inflight.length > 0 && this.inflightBytes + chunk.length > MAX_INFLIGHT_BYTES) await this.settleOldest();
    this.throwIfFailed();
    // The rejection is kept, not left unhandled, and rethrown by the next call.
    const done = writeFully(this.fh, chunk, position).catch((err: unknown) => {
      this.failure ??= err;
    });
    this.inflight.push({ bytes: chunk.length, done });
    this.inflightBytes += chunk.length;
  }

  /** Flushes, fsyncs and closes; returns the size and hex SHA-256. */
  async finish(): Promise<{ size: number; sha256: string }> {
    while (this.inflight.length > 0) await this.settleOldest();
    this.throwIfFailed();
    try {
      await this.fh.sync();
    } catch (err) {
      throw mapWriteError(err);
    }
    this.closed = true;
    await this.fh.close();
    await fsyncDir(this.dir);
    return { size: this.size, sha256: this.hash.digest('hex') };
  }

  /** Removes everything written; never throws. */
  async abort(): Promise<void> {
    while (this.inflight.length > 0) await this.settleOldest();
    if (!this.closed) {
      this.closed = true;
      await this.fh.close().catch(() => {});
    }
    await fsp.rm(this.dir, { recursive: true, force: true }).catch(() => {});
  }

  private async settleOldest(): Promise<void> {
    const w = this.inflight.shift()!;
    await w.done;
    this.inflightBytes -= w.bytes;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw mapWriteError(this.failure);
  }
}

function mapWriteError(err: unknown): unknown {
  const code = getErrorCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return noSpace(`the checkpoint disk is full (${code}); the checkpoint was not saved and nothing of it was kept`);
  }
  return err;
}

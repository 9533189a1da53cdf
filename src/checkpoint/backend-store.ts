// Checkpoints on the backend: <checkpoint-root>/<job>/<id>/{data, manifest.json},
// through the Backend contract only (write, stat, read, readdir, delete), so
// an object store keeps checkpoints as a POSIX mount does. Persisting writes
// the data object, then the manifest object, each complete or not at all: a
// checkpoint exists on the backend once (and only once) its manifest does.
// Every path goes through the backend's own path guard (a POSIX backend
// refuses a symlink out of its root, and creates nothing through one).

import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ErrorCodes, dataLoss, hasCode } from '../errors';
import type { Backend, BackendStat } from '../backend/types';
import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';
import { IO_CHUNK, type DataReader } from './data-file';
import { isCheckpointId } from './ids';
import { DATA_FILE, MANIFEST_FILE, decodeManifest, encodeManifest } from './manifest';
import type { Manifest } from './types';

export interface BackendStoreOptions {
  readonly backend: Backend;
  /** Relative to the backend root, validated by the config loader. */
  readonly root: string;
  readonly log: Logger;
}

export interface BackendListing {
  /** Complete checkpoints (manifest present and data of the right size). */
  readonly complete: Manifest[];
  /** Directories without a manifest: a persist in progress or one cut by a crash. */
  readonly partial: string[];
}

/** Reads a backend object like a file handle, pinned to the version it had when opened. */
class BackendReader implements DataReader {
  private readonly backend: Backend;
  private readonly st: BackendStat;

  constructor(backend: Backend, st: BackendStat) {
    this.backend = backend;
    this.st = st;
  }

  async stat(): Promise<{ size: number }> {
    return { size: this.st.size };
  }

  async read(buf: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    const data = await this.backend.read(this.st.path, position, length, this.st.version);
    data.copy(buf, offset);
    return { bytesRead: data.length };
  }

  async close(): Promise<void> {}
}

export class BackendStore {
  private readonly opts: BackendStoreOptions;
  private readonly backend: Backend;

  constructor(opts: BackendStoreOptions) {
    this.opts = opts;
    this.backend = opts.backend;
  }

  /** Backend-relative path of a checkpoint directory (CheckpointInfo.path). */
  relPath(jobId: string, id: string): string {
    return `${this.opts.root}/${jobId}/${id}`;
  }

  /**
   * Removes what crashed persists left under the checkpoint root (POSIX:
   * temporary files; S3: multipart uploads never completed). Called at
   * start-up, before this daemon persists anything.
   */
  cleanupIncomplete(): Promise<number> {
    return this.backend.cleanupIncomplete(this.opts.root);
  }

  /** The stat of an existing object, or undefined when it does not exist. */
  private async existing(rel: string): Promise<BackendStat | undefined> {
    try {
      return await this.backend.stat(rel);
    } catch (err) {
      if (hasCode(err, ErrorCodes.NOT_FOUND)) return undefined;
      throw err;
    }
  }

  async hasManifest(jobId: string, id: string): Promise<boolean> {
    return (await this.existing(`${this.relPath(jobId, id)}/${MANIFEST_FILE}`)) !== undefined;
  }

  /** Copies a complete local checkpoint; the manifest goes last. Verifies the bytes it sent. */
  async persist(src: FileHandle, m: Manifest, signal?: AbortSignal): Promise<void> {
    const dir = this.relPath(m.job_id, m.id);
    await this.backend.write(`${dir}/${DATA_FILE}`, verifiedChunks(src, m, signal), { sizeHint: m.size, signal });
    await this.backend.write(`${dir}/${MANIFEST_FILE}`, oneChunk(encodeManifest(m)), { signal });
  }

  async readManifest(jobId: string, id: string): Promise<Manifest | undefined> {
    const st = await this.existing(`${this.relPath(jobId, id)}/${MANIFEST_FILE}`);
    if (!st || st.isDir) return undefined;
    const raw = await this.backend.read(st.path, 0, st.size, st.version);
    return decodeManifest(raw, jobId, id);
  }

  async list(jobId: string): Promise<BackendListing> {
    const complete: Manifest[] = [];
    const partial: string[] = [];
    let entries: string[];
    try {
      entries = await this.backend.readdir(`${this.opts.root}/${jobId}`);
    } catch (err) {
      if (hasCode(err, ErrorCodes.NOT_FOUND)) return { complete, partial };
      throw err;
    }
    for (const entry of entries) {
      const id = entry.slice(entry.lastIndexOf('/') + 1);
      if (!isCheckpointId(id)) continue;
      try {
        const m = await this.readManifest(jobId, id);
        if (!m) {
          partial.push(id);
          continue;
        }
        const st = await this.backend.stat(`${this.relPath(jobId, id)}/${DATA_FILE}`);
        if (st.size !== m.size) throw new Error(`data is ${st.size} bytes, manifest says ${m.size}`);
        complete.push(m);
      } catch (err) {
        if (hasCode(err, ErrorCodes.NOT_FOUND)) continue; // deleted while we listed
        this.opts.log.warn('ignoring a backend checkpoint that does not verify', { job: jobId, id, err: getErrorMessage(err) });
      }
    }
    return { complete, partial };
  }

  /** The data object, read through the backend at the version it has now. */
  async openData(jobId: string, id: string): Promise<DataReader> {
    return new BackendReader(this.backend, await this.backend.stat(`${this.relPath(jobId, id)}/${DATA_FILE}`));
  }

  /** Manifest first: from that moment the checkpoint no longer counts. */
  async remove(jobId: string, id: string): Promise<void> {
    const dir = this.relPath(jobId, id);
    await this.backend.delete(`${dir}/${MANIFEST_FILE}`);
    await this.backend.cleanupIncomplete(dir);
    await this.backend.delete(`${dir}/${DATA_FILE}`);
    await this.backend.removeDir(dir);
  }
}

/**
 * The local copy's bytes in IO_CHUNK pieces (a fresh buffer each: a backend
 * may keep them, as a multipart upload does), hashed on the way; a copy that
 * no longer matches its sha256 fails at the end, which aborts the write.
 */
async function* verifiedChunks(src: FileHandle, m: Manifest, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const h = createHash('sha256');
  for (let off = 0; off < m.size; ) {
    signal?.throwIfAborted();
    const n = Math.min(IO_CHUNK, m.size - off);
    const buf = Buffer.allocUnsafe(n);
    for (let filled = 0; filled < n; ) {
      const { bytesRead } = await src.read(buf, filled, n - filled, off + filled);
      if (bytesRead === 0) throw dataLoss(`local copy of checkpoint ${m.job_id}/${m.id} ends at ${off + filled} bytes, manifest says ${m.size}`);
      filled += bytesRead;
    }
    h.update(buf);
    off += n;
    yield buf;
  }
  if (h.digest('hex') !== m.sha256) throw dataLoss(`local copy of checkpoint ${m.job_id}/${m.id} no longer matches its sha256`);
}

async function* oneChunk(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

// Checkpoints on the backend: <checkpoint-root>/<job>/<id>/{data, manifest.json}.
// Persisting writes data under a temporary name, fsyncs, renames, then does
// the same for the manifest: a checkpoint exists on the backend once (and
// only once) its manifest does. Every path goes through the backend's path
// guard (localPath), so a symlink out of the backend root is refused.

import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, dataLoss, hasCode } from '../errors';
import type { Backend } from '../backend/types';
import type { Logger } from '../log';
import { getErrorCode, getErrorMessage } from '../util/errors-message';
import { TMP_PREFIX, fsyncDir, readIfExists, tmpNameFor, writeFileAtomic } from './atomic-file';
import { copyHandle, type Pace } from './data-file';
import { isCheckpointId } from './ids';
import { DATA_FILE, MANIFEST_FILE, decodeManifest, encodeManifest } from './manifest';
import type { Manifest } from './types';

export interface BackendStoreOptions {
  readonly backend: Backend & { localPath(path: string): Promise<string> };
  /** Relative to the backend root, validated by the config loader. */
  readonly root: string;
  readonly log: Logger;
  /** Emulated link speed (bench only). */
  readonly pace?: Pace;
}

export interface BackendListing {
  /** Complete checkpoints (manifest present and data of the right size). */
  readonly complete: Manifest[];
  /** Directories without a manifest: a persist in progress or one cut by a crash. */
  readonly partial: string[];
}

export class BackendStore {
  readonly pace: Pace | undefined;
  private readonly opts: BackendStoreOptions;

  constructor(opts: BackendStoreOptions) {
    this.opts = opts;
    this.pace = opts.pace;
  }

  /** Backend-relative path of a checkpoint directory (CheckpointInfo.path). */
  relPath(jobId: string, id: string): string {
    return `${this.opts.root}/${jobId}/${id}`;
  }

  /** Validated absolute path of an existing relative path, or undefined when it does not exist. */
  private async existing(rel: string): Promise<string | undefined> {
    try {
      return await this.opts.backend.localPath(rel);
    } catch (err) {
      if (hasCode(err, ErrorCodes.NOT_FOUND)) return undefined;
      throw err;
    }
  }

  /**
   * Creates a directory under the backend root one level at a time, each
   * level validated before the next is made in it: a symlink out of the root
   * is refused before anything is created through it.
   */
  private async ensureDir(rel: string): Promise<string> {
    let abs = await this.opts.backend.localPath('');
    let cur = '';
    for (const part of rel.split('/')) {
      cur = cur === '' ? part : `${cur}/${part}`;
      const found = await this.existing(cur);
      if (found) {
        abs = found;
        continue;
      }
      await fsp.mkdir(join(abs, part)).catch((err: unknown) => {
        if (getErrorCode(err) !== 'EEXIST') throw err;
      });
      await fsyncDir(abs);
      abs = await this.opts.backend.localPath(cur);
    }
    return abs;
  }

  async hasManifest(jobId: string, id: string): Promise<boolean> {
    const dir = await this.existing(this.relPath(jobId, id));
    if (!dir) return false;
    return (await readIfExists(join(dir, MANIFEST_FILE))) !== undefined;
  }

  /** Copies a complete local checkpoint; the manifest goes last. Verifies the bytes it sent. */
  async persist(src: FileHandle, m: Manifest, signal?: AbortSignal): Promise<void> {
    const dir = await this.ensureDir(this.relPath(m.job_id, m.id));
    const dataPath = join(dir, DATA_FILE);
    const tmp = tmpNameFor(dataPath);
    const dst = await fsp.open(tmp, 'w', 0o644);
    try {
      const sha = await copyHandle(src, dst, m.size, { pace: this.pace, signal });
      if (sha !== m.sha256) throw dataLoss(`local copy of checkpoint ${m.job_id}/${m.id} no longer matches its sha256`);
      await dst.sync();
      await dst.close();
      await fsp.rename(tmp, dataPath);
    } catch (err) {
      await dst.close().catch(() => {});
      await fsp.rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
    await fsyncDir(dir);
    await writeFileAtomic(join(dir, MANIFEST_FILE), encodeManifest(m));
  }

  async readManifest(jobId: string, id: string): Promise<Manifest | undefined> {
    const dir = await this.existing(this.relPath(jobId, id));
    if (!dir) return undefined;
    const raw = await readIfExists(join(dir, MANIFEST_FILE));
    if (!raw) return undefined;
    return decodeManifest(raw, jobId, id);
  }

  async list(jobId: string): Promise<BackendListing> {
    const complete: Manifest[] = [];
    const partial: string[] = [];
    const jobDir = await this.existing(`${this.opts.root}/${jobId}`);
    if (!jobDir) return { complete, partial };
    for (const id of await fsp.readdir(jobDir)) {
      if (!isCheckpointId(id)) continue;
      try {
        const m = await this.readManifest(jobId, id);
        if (!m) {
          partial.push(id);
          continue;
        }
        const st = await fsp.stat(await this.opts.backend.localPath(`${this.relPath(jobId, id)}/${DATA_FILE}`));
        if (st.size !== m.size) throw new Error(`data is ${st.size} bytes, manifest says ${m.size}`);
        complete.push(m);
      } catch (err) {
        if (hasCode(err, ErrorCodes.NOT_FOUND)) continue; // deleted while we listed
        this.opts.log.warn('ignoring a backend checkpoint that does not verify', { job: jobId, id, err: getErrorMessage(err) });
      }
    }
    return { complete, partial };
  }

  async openData(jobId: string, id: string): Promise<FileHandle> {
    return fsp.open(await this.opts.backend.localPath(`${this.relPath(jobId, id)}/${DATA_FILE}`), 'r');
  }

  /** Manifest first: from that moment the checkpoint no longer counts. */
  async remove(jobId: string, id: string): Promise<void> {
    const dir = await this.existing(this.relPath(jobId, id));
    if (!dir) return;
    await fsp.rm(join(dir, MANIFEST_FILE), { force: true });
    await fsyncDir(dir).catch(() => {});
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      if (name === DATA_FILE || name.startsWith(TMP_PREFIX)) await fsp.rm(join(dir, name), { force: true });
    }
    await fsp.rmdir(dir).catch(() => {});
  }
}

// Staged files on the SSD: one file per version of a checkpoint file, named
// by a number that is never reused. A version is written while its file is
// open, then sealed (immutable) when it is closed; the persister reads the
// sealed bytes while training goes on. A version is deleted when nothing
// refers to it any more (the tree moved on, its put ran or was superseded).
//
// Space: every byte staged is asked of the SSD's space owner first
// (StagingSpace.reserve); a refusal is the caller's cue to write through.

import { promises as fsp, constants as fsc, mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { StagingSpace } from './types';

export const DATA_DIR = 'data';
/** Chunk of a staged file read for a persist upload. */
export const UPLOAD_CHUNK_BYTES = 4 * 2 ** 20;

export class StagedFile {
  readonly id: number;
  readonly path: string;
  /** Bytes in the file (grows while it is written). */
  size: number;
  /** Holders: the tree's node, queued puts. Guarded by Staging.ref/unref. */
  refs = 0;

  constructor(id: number, path: string, size: number) {
    this.id = id;
    this.path = path;
    this.size = size;
  }
}

export class Staging {
  readonly dir: string;
  private readonly space: StagingSpace;
  private nextId: number;
  /** Bytes of every staged file on disk. */
  bytes = 0;
  readonly files = new Map<number, StagedFile>();

  constructor(dir: string, space: StagingSpace, firstId = 1) {
    this.dir = join(dir, DATA_DIR);
    this.space = space;
    this.nextId = firstId;
    mkdirSync(this.dir, { recursive: true });
  }

  /** Ids of the files on disk (start-up recovery). */
  listIds(): number[] {
    return readdirSync(this.dir)
      .map((n) => Number(n))
      .filter((n) => Number.isSafeInteger(n) && n > 0);
  }

  /** Takes an existing file back into account (start-up recovery). */
  adopt(id: number, size: number): StagedFile {
    const f = new StagedFile(id, join(this.dir, String(id)), size);
    this.files.set(id, f);
    this.bytes += size;
    this.space.adopt(size);
    this.nextId = Math.max(this.nextId, id + 1);
    return f;
  }

  /** Removes a file no record refers to (start-up recovery). */
  removeOrphan(id: number): void {
    rmSync(join(this.dir, String(id)), { force: true });
  }

  bumpId(atLeast: number): void {
    this.nextId = Math.max(this.nextId, atLeast);
  }

  /** A new empty version, open for writing. */
  async create(): Promise<{ staged: StagedFile; fh: FileHandle }> {
    const id = this.nextId++;
    const path = join(this.dir, String(id));
    const fh = await fsp.open(path, fsc.O_RDWR | fsc.O_CREAT | fsc.O_EXCL, 0o600);
    const staged = new StagedFile(id, path, 0);
    this.files.set(id, staged);
    return { staged, fh };
  }

  /** A new version holding a copy of `from` (a reflink where the filesystem has them). */
  async copy(from: StagedFile): Promise<{ staged: StagedFile; fh: FileHandle }> {
    const id = this.nextId++;
    const path = join(this.dir, String(id));
    await fsp.copyFile(from.path, path, fsc.COPYFILE_EXCL | fsc.COPYFILE_FICLONE);
    const fh = await fsp.open(path, fsc.O_RDWR);
    const staged = new StagedFile(id, path, from.size);
    this.files.set(id, staged);
    this.bytes += from.size;
    this.space.adopt(from.size);
    return { staged, fh };
  }

  /** Asks the space owner for `bytes` more; false = the SSD cannot take them. */
  reserve(bytes: number): boolean {
    return this.space.reserve(bytes);
  }

  /** A staged file grew (or shrank) to `size`; the growth was reserved. */
  resized(f: StagedFile, size: number): void {
    const delta = size - f.size;
    f.size = size;
    this.bytes += delta;
    if (delta < 0) this.space.release(-delta);
  }

  ref(f: StagedFile): void {
    f.refs++;
  }

  /** Drops one holder; the last one deletes the file. */
  unref(f: StagedFile): void {
    if (--f.refs > 0) return;
    this.files.delete(f.id);
    this.bytes -= f.size;
    this.space.release(f.size);
    fsp.rm(f.path, { force: true }).catch(() => {});
  }

  /**
   * The bytes of a sealed file in upload-sized chunks. The next chunk is read
   * while the consumer handles this one: an upload then pays the disk read
   * once, not once per chunk on top of the backend's time (a plain copy's
   * ReadStream reads ahead the same way).
   */
  async *read(f: StagedFile, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    const fh = await fsp.open(f.path, fsc.O_RDONLY);
    const chunkAt = async (pos: number): Promise<Buffer> => {
      const want = Math.min(UPLOAD_CHUNK_BYTES, f.size - pos);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) throw new Error(`staged file ${f.path} is shorter than its ${f.size} bytes`);
      return bytesRead === want ? buf : buf.subarray(0, bytesRead);
    };
    let next: Promise<Buffer> | undefined;
    const ahead = (pos: number): void => {
      next = pos < f.size ? chunkAt(pos) : undefined;
      // Awaited on the next turn; until then its failure must not count as unhandled.
      next?.catch(() => {});
    };
    try {
      let pos = 0;
      ahead(pos);
      while (next) {
        signal?.throwIfAborted();
        const chunk = await next;
        pos += chunk.length;
        ahead(pos);
        yield chunk;
      }
    } finally {
      // A read still in flight finishes before its handle closes.
      await next?.catch(() => {});
      await fh.close();
    }
  }
}

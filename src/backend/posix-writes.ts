// The write operations of a POSIX backend (WritableBackend in types.ts): a
// file appears complete or not at all (temporary name in the same
// directory, fsync, rename, fsync the directory), parents are created, and
// nothing is written outside the root (the parent's real path is checked
// after it is created).

import { randomBytes } from 'node:crypto';
import { promises as fsp, constants as fsc } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { backendUnavailable, invalidPath, isDirectory, noSpace, notFound, pathEscapesRoot } from '../errors';
import { getErrorCode } from '../util/errors-message';
import { SOLE_WRITER, WRITE_TMP_PREFIX, isStaleTmp, tmpName, type IncompletePolicy } from './incomplete-writes';
import { isInsideRoot, normalizeRequestPath } from './path-guard';
import type { BackendStat, BackendWriteOptions } from './types';


async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function mapWriteError(err: unknown, path: string): Error {
  const code = getErrorCode(err);
  if (code?.startsWith('TC_')) return err as Error;
  if (code === 'ENOSPC' || code === 'EDQUOT') return noSpace(`the backend is full writing ${path}`);
  if (code === 'EISDIR') return isDirectory(path);
  if (code === 'ENOENT') return notFound(path);
  return backendUnavailable(path, err);
}

export class PosixWrites {
  private readonly root: string;
  private readonly stat: (path: string) => Promise<BackendStat>;
  private readonly incomplete: IncompletePolicy;

  constructor(root: string, stat: (path: string) => Promise<BackendStat>, incomplete: IncompletePolicy = SOLE_WRITER) {
    this.root = root;
    this.stat = stat;
    this.incomplete = incomplete;
  }

  /**
   * Absolute path of a file to write, its parent created and checked to be
   * inside the root. Parents are made one level at a time, each checked
   * before the next is made in it, so nothing is ever created through a
   * symlink out of the root; each level made is fsynced into its parent.
   */
  private async target(path: string): Promise<{ rel: string; abs: string; dir: string }> {
    const rel = normalizeRequestPath(path);
    if (rel === '') throw invalidPath(path, 'names the backend root, not a file');
    const parent = dirname(rel);
    let dir = this.root;
    for (const part of parent === '.' ? [] : parent.split('/')) {
      const next = join(dir, part);
      let made = true;
      await fsp.mkdir(next).catch((err: unknown) => {
        if (getErrorCode(err) !== 'EEXIST') throw err;
        made = false;
      });
      if (made) await fsyncDir(dir);
      const real = await fsp.realpath(next);
      if (!isInsideRoot(this.root, real)) throw pathEscapesRoot(path);
      dir = real;
    }
    return { rel, abs: join(dir, basename(rel)), dir };
  }

  async write(path: string, body: AsyncIterable<Uint8Array>, opts: BackendWriteOptions = {}): Promise<BackendStat> {
    let t;
    try {
      t = await this.target(path);
    } catch (err) {
      throw mapWriteError(err, path);
    }
    // NAME_MAX is 255 bytes: the prefix and a tag of at most 41, the name cut to 180 bytes' worth, 9 random.
    const tmp = join(t.dir, tmpName(this.incomplete, Buffer.from(basename(t.rel)).subarray(0, 180).toString().replace(/\uFFFD+$/, ''), randomBytes(4).toString('hex')));
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644);
      for await (const chunk of body) {
        opts.signal?.throwIfAborted();
        let done = 0;
        while (done < chunk.byteLength) done += (await fh.write(chunk, done, chunk.byteLength - done)).bytesWritten;
      }
      opts.signal?.throwIfAborted();
      await fh.sync();
      await fh.close();
      fh = undefined;
      await fsp.rename(tmp, t.abs);
      await fsyncDir(t.dir);
    } catch (err) {
      await fh?.close().catch(() => {});
      await fsp.rm(tmp, { force: true }).catch(() => {});
      throw mapWriteError(err, t.rel);
    }
    return this.stat(t.rel);
  }

  async delete(path: string): Promise<void> {
    const rel = normalizeRequestPath(path);
    const abs = join(this.root, rel);
    try {
      const real = await fsp.realpath(dirname(abs));
      if (!isInsideRoot(this.root, real)) throw pathEscapesRoot(path);
      await fsp.unlink(join(real, basename(abs)));
      await fsyncDir(real);
    } catch (err) {
      const code = getErrorCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw mapWriteError(err, rel);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const src = normalizeRequestPath(from);
    let t;
    try {
      const srcDir = await fsp.realpath(dirname(join(this.root, src)));
      if (!isInsideRoot(this.root, srcDir)) throw pathEscapesRoot(from);
      t = await this.target(to);
      await fsp.rename(join(srcDir, basename(src)), t.abs);
      await fsyncDir(t.dir);
      if (srcDir !== t.dir) await fsyncDir(srcDir);
    } catch (err) {
      throw mapWriteError(err, getErrorCode(err) === 'ENOENT' ? src : (t?.rel ?? src));
    }
  }

  async removeDir(path: string): Promise<void> {
    const rel = normalizeRequestPath(path);
    if (rel === '') return;
    try {
      const real = await fsp.realpath(join(this.root, rel));
      if (!isInsideRoot(this.root, real) || real === this.root) return;
      await fsp.rmdir(real);
    } catch (err) {
      const code = getErrorCode(err);
      if (code === 'ENOENT' || code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') return;
      throw mapWriteError(err, rel);
    }
  }

  /** Removes this writer's temporary files under `prefix`, and others' unchanged for the policy's min age (incomplete-writes.ts). */
  async cleanupIncomplete(prefix: string): Promise<number> {
    const rel = normalizeRequestPath(prefix);
    const now = Date.now();
    let removed = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (getErrorCode(err) === 'ENOENT' || getErrorCode(err) === 'ENOTDIR') return;
        throw err;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile() && e.name.startsWith(WRITE_TMP_PREFIX)) {
          const st = await fsp.lstat(p).catch(() => undefined);
          if (!st || !isStaleTmp(e.name, st.mtimeMs, now, this.incomplete)) continue;
          await fsp.rm(p, { force: true });
          removed++;
        }
      }
    };
    await walk(join(this.root, rel));
    return removed;
  }
}

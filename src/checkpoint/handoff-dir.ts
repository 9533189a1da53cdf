// The hand-off directory: a local client writes its checkpoint there (and
// fsyncs it), then names the file in Save; the daemon takes the file over by
// a rename, so a save costs one local write instead of a copy through gRPC.
//
// The directory is sticky and world-writable like /tmp (training pods run as
// various uids). What the daemon takes: a plain name (no path), a regular
// file (never a symlink) with one link, moved into its own staging area
// before anything else reads it. Files nobody claimed are swept after a while.

import { promises as fsp, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument, notFound } from '../errors';
import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';

/** Unclaimed hand-off files older than this are removed. */
const STALE_MS = 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export class HandoffDir {
  readonly dir: string;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;

  constructor(dir: string, log: Logger) {
    this.dir = dir;
    this.log = log;
  }

  async start(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    await fsp.chmod(this.dir, 0o1777);
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Moves the named hand-off file to `dest` (durably); returns its size. */
  async take(name: string, dest: string): Promise<number> {
    if (!NAME.test(name)) {
      throw invalidArgument(`invalid handoff_file ${JSON.stringify(name)}: a plain file name in ${this.dir} is expected`);
    }
    const src = join(this.dir, name);
    let st;
    try {
      st = await fsp.lstat(src);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`hand-off file ${src}`);
      throw err;
    }
    if (!st.isFile()) throw invalidArgument(`hand-off file ${src} is not a regular file`);
    if (st.nlink !== 1) throw invalidArgument(`hand-off file ${src} has ${st.nlink} links; write a new file for each save`);
    try {
      await fsp.rename(src, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      // Another filesystem (e.g. a tmpfs /run): one copy, then the source goes.
      await fsp.copyFile(src, dest, fsc.COPYFILE_FICLONE);
      await fsp.rm(src, { force: true });
    }
    const fh = await fsp.open(dest, 'r');
    try {
      await fh.sync();
      return (await fh.stat()).size;
    } finally {
      await fh.close();
    }
  }

  private async sweep(): Promise<void> {
    const cutoff = Date.now() - STALE_MS;
    try {
      for (const name of await fsp.readdir(this.dir)) {
        const p = join(this.dir, name);
        const st = await fsp.lstat(p).catch(() => undefined);
        if (st && st.isFile() && st.mtimeMs < cutoff) {
          await fsp.rm(p, { force: true });
          this.log.info('removed an unclaimed checkpoint hand-off file', { file: p });
        }
      }
    } catch (err) {
      this.log.warn('sweeping the checkpoint hand-off directory failed', { dir: this.dir, err: getErrorMessage(err) });
    }
  }
}

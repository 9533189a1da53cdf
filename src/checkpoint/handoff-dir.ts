// The hand-off directory: a local client writes its checkpoint there (and
// fsyncs it), then names the file in Save; the daemon takes the file over by
// a rename, so a save costs one local write instead of a copy through gRPC.
//
// Clients may race the daemon (swap the name for a symlink to /etc/shadow or
// a FIFO between any two steps), so nothing is checked by name and then used
// by name:
//   1. The directory is 1733: anyone may create a file, nobody else may list
//      it, and names carry 128 random bits, so no client can name another's
//      file. The file must be mode 0600: private to its writer.
//   2. rename() moves the directory entry itself, whatever it is, into the
//      daemon's own staging directory, where no client can touch it.
//   3. Only then is it opened (no symlink following, non-blocking), and what
//      was opened is checked: a regular file, one link, private, and really
//      at the staging path (/proc/self/fd/N). Anything else is removed.
//   On another filesystem (EXDEV, e.g. a tmpfs /run) step 2 is a copy: the
//   hand-off file is opened the same way, checked, and copied from that
//   descriptor. Files nobody claimed are swept after a while.

import { promises as fsp, constants as fsc } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { invalidArgument, notFound } from '../errors';
import type { Logger } from '../log';
import { getErrorCode, getErrorMessage } from '../util/errors-message';
import { openNonBlocking, realPathOf } from '../util/safe-open';

/** Unclaimed hand-off files older than this are removed. */
const STALE_MS = 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** A plain name ending in 128 random bits (32 hex digits) and .ckpt. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,160}-[0-9a-f]{32}\.ckpt$/;
const DIR_MODE = 0o1733;
const COPY_CHUNK = 4 * 1024 * 1024;

export class HandoffDir {
  readonly dir: string;
  private readonly log: Logger;
  private realDir: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(dir: string, log: Logger) {
    this.dir = dir;
    this.realDir = dir;
    this.log = log;
  }

  async start(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    await fsp.chmod(this.dir, DIR_MODE);
    this.realDir = await fsp.realpath(this.dir);
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
      throw invalidArgument(
        `invalid handoff_file ${JSON.stringify(name)}: a plain file name in ${this.dir} ending in -<32 random hex digits>.ckpt is expected (so other clients cannot guess it)`,
      );
    }
    const src = join(this.dir, name);
    try {
      await fsp.rename(src, dest);
    } catch (err) {
      const code = getErrorCode(err);
      if (code === 'ENOENT') throw notFound(`hand-off file ${src}`);
      if (code === 'EXDEV') return this.copy(src, join(this.realDir, name), dest);
      if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENOTEMPTY') throw invalidArgument(`hand-off file ${src} is not a regular file`);
      throw err;
    }
    try {
      const real = join(await fsp.realpath(dirname(dest)), basename(dest));
      const fh = await this.openChecked(dest, real, src);
      try {
        await fh.sync();
        return (await fh.stat()).size;
      } finally {
        await fh.close();
      }
    } catch (err) {
      await fsp.rm(dest, { force: true, recursive: true }).catch(() => {});
      throw err;
    }
  }

  /** The cross-filesystem take: copy from the checked descriptor, then remove the hand-off file. */
  private async copy(src: string, realSrc: string, dest: string): Promise<number> {
    const from = await this.openChecked(src, realSrc, src);
    let size = 0;
    try {
      const ino = (await from.stat()).ino;
      const to = await fsp.open(dest, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
      try {
        const buf = Buffer.allocUnsafe(COPY_CHUNK);
        for (;;) {
          const { bytesRead } = await from.read(buf, 0, buf.length, size);
          if (bytesRead === 0) break;
          let off = 0;
          while (off < bytesRead) off += (await to.write(buf, off, bytesRead - off, size + off)).bytesWritten;
          size += bytesRead;
        }
        await to.sync();
      } catch (err) {
        await to.close().catch(() => {});
        await fsp.rm(dest, { force: true });
        throw err;
      }
      await to.close();
      // Remove the hand-off file only if the name still points at what was copied.
      const now = await fsp.lstat(src).catch(() => undefined);
      if (now && now.ino === ino) await fsp.rm(src, { force: true });
    } finally {
      await from.close();
    }
    return size;
  }

  /** Opens `path` (no symlinks, non-blocking) and checks what was opened; the handle is the caller's. */
  private async openChecked(path: string, expectedReal: string, label: string): Promise<fsp.FileHandle> {
    let fh: fsp.FileHandle;
    try {
      fh = await openNonBlocking(path, { follow: false });
    } catch (err) {
      const code = getErrorCode(err);
      if (code === 'ENOENT') throw notFound(`hand-off file ${label}`);
      if (code === 'ELOOP' || code === 'ENXIO' || code === 'EISDIR') throw invalidArgument(`hand-off file ${label} is not a regular file`);
      throw err;
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw invalidArgument(`hand-off file ${label} is not a regular file`);
      if (st.nlink !== 1) throw invalidArgument(`hand-off file ${label} has ${st.nlink} links; write a new file for each save`);
      if ((st.mode & 0o077) !== 0) {
        throw invalidArgument(
          `hand-off file ${label} has mode 0${(st.mode & 0o777).toString(8)}; create it with mode 0600 so that only its writer (and the daemon) can open it`,
        );
      }
      const real = await realPathOf(fh);
      if (real !== expectedReal) throw invalidArgument(`hand-off file ${label} is not in ${this.dir} (it resolves to ${real})`);
      return fh;
    } catch (err) {
      await fh.close();
      throw err;
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

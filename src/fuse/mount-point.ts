// Checks a mount point before mounting, and repairs the one case that can be
// repaired: a dead FUSE mount left by a daemon killed with kill -9 ("Transport
// endpoint is not connected") is detached (lazy unmount) so the new daemon
// can mount on the same path, and pods that see it through mount propagation
// read again without a restart. Everything else stops the start-up with a
// message naming the path and what to do.

import { spawnSync } from 'node:child_process';
import { promises as fsp, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors';
import type { Logger } from '../log';
import { getErrorCode, getErrorMessage } from '../util/errors-message';

const bad = (dir: string, why: string): ConfigError => new ConfigError(`invalid mount: ${dir} ${why}`);

/** Resolves to the absolute mount point, ready to mount on. */
export async function prepareMountPoint(dir: string, log: Logger): Promise<string> {
  const abs = resolve(dir);
  let dead = false;
  try {
    await checkDir(abs);
  } catch (err) {
    if (getErrorCode(err) !== 'ENOTCONN') throw err;
    dead = true;
  }
  if (dead) {
    log.warn('found a dead FUSE mount (transport endpoint is not connected); detaching it and mounting again', {
      mount: abs,
    });
    lazyUnmount(abs);
    await checkDir(abs);
  }
  const fuseMount = mountsAt(abs).find((m) => m.fstype.startsWith('fuse'));
  if (fuseMount) {
    throw bad(abs, `is already a FUSE mount (${fuseMount.fstype}): another daemon may be serving it; stop it, or unmount it (fusermount3 -u ${abs}), or choose another --mount`);
  }
  return abs;
}

async function checkDir(abs: string): Promise<void> {
  let st;
  try {
    st = await fsp.stat(abs);
  } catch (err) {
    const code = getErrorCode(err);
    if (code === 'ENOTCONN') throw err;
    if (code === 'ENOENT') throw bad(abs, `does not exist; create it (mkdir -p ${abs}) or choose another --mount`);
    if (code === 'EACCES') throw bad(abs, 'cannot be reached (permission denied); run the daemon as a user that can, or choose another --mount');
    throw bad(abs, `cannot be checked: ${getErrorMessage(err)}`);
  }
  if (!st.isDirectory()) throw bad(abs, 'is not a directory; a mount point must be an empty directory');
  let names: string[];
  try {
    names = await fsp.readdir(abs);
  } catch (err) {
    if (getErrorCode(err) === 'ENOTCONN') throw err;
    throw bad(abs, `cannot be listed: ${getErrorMessage(err)}`);
  }
  if (names.length > 0) {
    const shown = names.slice(0, 3).map((n) => JSON.stringify(n)).join(', ');
    throw bad(abs, `is not empty (${names.length} entries: ${shown}${names.length > 3 ? ', ...' : ''}); mounting over it would hide them: empty it or choose another --mount`);
  }
}

/** Detaches whatever is mounted at `abs` (fusermount3 -uz, else umount -l as root). */
export function lazyUnmount(abs: string): boolean {
  const fm = spawnSync('fusermount3', ['-u', '-z', '-q', abs], { stdio: 'ignore' });
  if (fm.status === 0) return true;
  const um = spawnSync('umount', ['-l', abs], { stdio: 'ignore' });
  return um.status === 0;
}

export interface MountInfo {
  readonly mountPoint: string;
  readonly fstype: string;
  /** major:minor of the mounted filesystem (its bdi in /sys/class/bdi). */
  readonly dev: string;
}

/** Mounts of this process's namespace whose mount point is `abs` (from /proc/self/mountinfo). */
export function mountsAt(abs: string): MountInfo[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (fields.length < 5 || sep < 0) continue;
    const mountPoint = unescapeMountField(fields[4]!);
    if (mountPoint === abs) out.push({ mountPoint, fstype: fields[sep + 1] ?? '', dev: fields[2]! });
  }
  return out;
}

function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

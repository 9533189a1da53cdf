// Small durable-file helpers: a file appears under its final name only once
// its bytes are on disk (tmp -> fsync -> rename -> fsync the directory).

import { randomBytes } from 'node:crypto';
import { promises as fsp, constants as fsc } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Prefix of every temporary name we create; start-up sweeps remove leftovers. */
export const TMP_PREFIX = '.tmp-';

export function tmpNameFor(path: string): string {
  return join(dirname(path), `${TMP_PREFIX}${basename(path)}-${randomBytes(4).toString('hex')}`);
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `data` to `path` atomically and durably. */
export async function writeFileAtomic(path: string, data: Buffer): Promise<void> {
  const tmp = tmpNameFor(path);
  const fh = await fsp.open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  await fsyncDir(dirname(path));
}

/** Creates `dir` (and parents) and fsyncs the parent of each created level. */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await fsp.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let d = dir; d.length >= first.length; d = dirname(d)) await fsyncDir(dirname(d));
}

export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

// The test data diagnose writes into the backend: one directory with a
// unique name at the backend root, holding a file of random bytes. It is
// written to a temporary name, fsynced and renamed, so the daemon never
// sees a partial file; remove() takes the whole directory (fio's files too).

import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { ThroughputResult } from './types';

const WRITE_CHUNK = 1024 * 1024;

export class TestFile {
  /** Absolute directory under the backend root. */
  readonly dir: string;
  /** Path of the file relative to the backend root, as the daemon names it. */
  readonly relPath: string;
  readonly size: number;
  private readonly absPath: string;

  constructor(backendDir: string, size: number, tag = `${process.pid}-${randomBytes(4).toString('hex')}`) {
    const name = `.tiercache-diagnose-${tag}`;
    this.dir = join(backendDir, name);
    this.relPath = `${name}/sequential.bin`;
    this.absPath = join(this.dir, 'sequential.bin');
    this.size = size;
  }

  /** Writes the file and reports how fast the backend took it (fsync included). */
  async write(): Promise<ThroughputResult> {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.absPath}.tmp`;
    const started = performance.now();
    const fh = await open(tmp, 'w');
    try {
      const chunk = randomBytes(Math.min(WRITE_CHUNK, this.size));
      for (let done = 0; done < this.size; ) {
        const n = Math.min(chunk.length, this.size - done);
        await fh.write(chunk, 0, n, done);
        // Vary the bytes per chunk so no layer below can dedupe or compress them away.
        chunk.writeUInt32LE(done >>> 0, 0);
        done += n;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.absPath);
    const seconds = (performance.now() - started) / 1000;
    return { bytes: this.size, seconds, bytes_per_second: this.size / seconds };
  }

  /** Removes everything diagnose wrote. */
  async remove(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

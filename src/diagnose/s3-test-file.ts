// The test data diagnose writes when the daemon's backend is a bucket: one
// object under a unique prefix, written through the same S3 backend the
// daemon uses (so a multipart upload, checksummed parts, all or nothing).
// Credentials come from the AWS SDK chain of the diagnose process itself,
// which runs beside the daemon (kubectl exec into its pod).

import { randomBytes } from 'node:crypto';
import { S3Backend } from '../backend/s3-backend';
import type { S3BackendConfig } from '../config/types';
import { silentLogger } from '../log';
import type { ThroughputResult } from './types';

const WRITE_CHUNK = 1024 * 1024;
/** A few sockets: diagnose uploads one object. */
const MAX_SOCKETS = 8;

export class S3TestFile {
  /** Where the data goes, for messages and the report. */
  readonly dir: string;
  readonly relPath: string;
  readonly size: number;
  private readonly backend: S3Backend;
  private written = false;

  constructor(s3: S3BackendConfig, size: number, tag = `${process.pid}-${randomBytes(4).toString('hex')}`) {
    const name = `.tiercache-diagnose-${tag}`;
    this.relPath = `${name}/sequential.bin`;
    this.dir = `s3://${s3.bucket}/${s3.prefix}${name}/`;
    this.size = size;
    this.backend = new S3Backend({ ...s3, maxSockets: MAX_SOCKETS, log: silentLogger });
  }

  /** Uploads the object and reports how fast the store took it (complete upload included). */
  async write(): Promise<ThroughputResult> {
    const size = this.size;
    async function* body(): AsyncIterable<Uint8Array> {
      const chunk = randomBytes(Math.min(WRITE_CHUNK, size));
      for (let done = 0; done < size; ) {
        const n = Math.min(chunk.length, size - done);
        // Vary the bytes per chunk so no layer below can dedupe or compress them away.
        chunk.writeUInt32LE(done >>> 0, 0);
        yield Buffer.from(chunk.subarray(0, n));
        done += n;
      }
    }
    const started = performance.now();
    this.written = true;
    await this.backend.write(this.relPath, body(), { sizeHint: size });
    const seconds = (performance.now() - started) / 1000;
    return { bytes: size, seconds, bytes_per_second: size / seconds };
  }

  /** Deletes the object (idempotent) and closes the client. */
  async remove(): Promise<void> {
    try {
      if (this.written) await this.backend.delete(this.relPath);
    } finally {
      await this.backend.close();
    }
  }
}

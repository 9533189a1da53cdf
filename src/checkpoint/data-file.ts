// Sequential I/O on checkpoint data: hash and stream out in chunks, from a
// local file handle or a backend object (backend-store.ts), both DataReaders.

import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** Chunk of sequential reads and copies; big enough to amortise syscalls. */
export const IO_CHUNK = 4 * 1024 * 1024;

/** What hashing and streaming need of a data file: a FileHandle is one. */
export interface DataReader {
  read(buf: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

/** Reads exactly `length` bytes at `position` (fails on a short file). */
async function readExactly(fh: DataReader, buf: Buffer, length: number, position: number): Promise<void> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buf, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new Error(`file ended at ${position + filled} bytes, expected more`);
    filled += bytesRead;
  }
}

export async function writeFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/** Hex SHA-256 of the first `size` bytes. */
export async function hashHandle(fh: DataReader, size: number): Promise<string> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(IO_CHUNK, Math.max(size, 1)));
  for (let off = 0; off < size; ) {
    const n = Math.min(buf.length, size - off);
    await readExactly(fh, buf, n, off);
    h.update(buf.subarray(0, n));
    off += n;
  }
  return h.digest('hex');
}

/** Sends the first `size` bytes in chunks of `chunkSize` (a fresh buffer each: gRPC keeps them). */
export async function streamHandle(fh: DataReader, size: number, chunkSize: number, send: (data: Buffer) => Promise<void>): Promise<void> {
  for (let off = 0; off < size; ) {
    const n = Math.min(chunkSize, size - off);
    const buf = Buffer.allocUnsafe(n);
    await readExactly(fh, buf, n, off);
    await send(buf);
    off += n;
  }
}

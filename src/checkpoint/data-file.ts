// Sequential I/O on checkpoint data files: hash, stream out in chunks, copy.
// `pace` (optional) is awaited per chunk to emulate a slow backend link
// (see backend/throttled-backend.ts); `signal` lets a stopping daemon cut a copy.

import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** Chunk of sequential reads and copies; big enough to amortise syscalls. */
export const IO_CHUNK = 4 * 1024 * 1024;

export type Pace = (bytes: number) => Promise<void>;

/** Reads exactly `length` bytes at `position` (fails on a short file). */
async function readExactly(fh: FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
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
export async function hashHandle(fh: FileHandle, size: number, pace?: Pace): Promise<string> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(IO_CHUNK, Math.max(size, 1)));
  for (let off = 0; off < size; ) {
    const n = Math.min(buf.length, size - off);
    await readExactly(fh, buf, n, off);
    if (pace) await pace(n);
    h.update(buf.subarray(0, n));
    off += n;
  }
  return h.digest('hex');
}

/** Sends the first `size` bytes in chunks of `chunkSize` (a fresh buffer each: gRPC keeps them). */
export async function streamHandle(
  fh: FileHandle,
  size: number,
  chunkSize: number,
  send: (data: Buffer) => Promise<void>,
  pace?: Pace,
): Promise<void> {
  for (let off = 0; off < size; ) {
    const n = Math.min(chunkSize, size - off);
    const buf = Buffer.allocUnsafe(n);
    await readExactly(fh, buf, n, off);
    if (pace) await pace(n);
    await send(buf);
    off += n;
  }
}

/** Copies `size` bytes from `src` to `dst` (both at offset 0); returns the hex SHA-256. */
export async function copyHandle(
  src: FileHandle,
  dst: FileHandle,
  size: number,
  opts: { pace?: Pace; signal?: AbortSignal } = {},
): Promise<string> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(IO_CHUNK, Math.max(size, 1)));
  for (let off = 0; off < size; ) {
    opts.signal?.throwIfAborted();
    const n = Math.min(buf.length, size - off);
    await readExactly(src, buf, n, off);
    h.update(buf.subarray(0, n));
    if (opts.pace) await opts.pace(n);
    await writeFully(dst, buf.subarray(0, n), off);
    off += n;
  }
  return h.digest('hex');
}

// Cuts a checkpoint's bytes into messages of a fixed size. A Buffer is cut
// with subarray (no copy); a stream's small pieces are gathered into fresh
// buffers, one copy, so a message is never reused while grpc still holds it.

import type { CheckpointSource } from './types';

export const SAVE_CHUNK_SIZE = 1024 * 1024;

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/** A Uint8Array as a Buffer over the same memory (no copy). */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export async function* chunksOf(source: CheckpointSource, size = SAVE_CHUNK_SIZE): AsyncGenerator<Buffer> {
  if (isBytes(source)) {
    const buf = asBuffer(source);
    for (let p = 0; p < buf.length; p += size) yield buf.subarray(p, Math.min(p + size, buf.length));
    return;
  }
  let acc = Buffer.allocUnsafe(size);
  let fill = 0;
  for await (const piece of source) {
    let b = typeof piece === 'string' ? Buffer.from(piece) : asBuffer(piece);
    while (b.length > 0) {
      // A whole aligned piece goes out as it is.
      if (fill === 0 && b.length >= size) {
        yield b.subarray(0, size);
        b = b.subarray(size);
        continue;
      }
      const n = Math.min(size - fill, b.length);
      b.copy(acc, fill, 0, n);
      fill += n;
      b = b.subarray(n);
      if (fill === size) {
        yield acc;
        acc = Buffer.allocUnsafe(size);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield acc.subarray(0, fill);
}

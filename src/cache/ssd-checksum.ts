// The SSD tier's block checksums. Each index row names the one its block was
// written with, so an index written by an older daemon (zlib's CRC-32 only)
// still verifies, and a tier written natively is still read on the fs path:
//   crc32   zlib's CRC-32, on the event loop: the fs path's writes and every
//           row from before the native write job computed the checksum.
//   crc32c  CRC-32C (Castagnoli), computed by the native write and read jobs
//           on the threadpool with the SSE4.2 instruction where the CPU has
//           it (src/native/crc32c.c), about 5 us per 100 KB block where zlib
//           took 40 us on the event loop; here in TypeScript only for the fs
//           path reading a natively written block.

import { crc32 } from 'node:zlib';

export const Checksums = { CRC32: 'crc32', CRC32C: 'crc32c' } as const;
export type Checksum = (typeof Checksums)[keyof typeof Checksums];

const KNOWN = new Set<string>(Object.values(Checksums));

export function isChecksum(s: string): s is Checksum {
  return KNOWN.has(s);
}

/** The checksum `kind` of `data`, as an unsigned 32-bit number. */
export function checksumOf(kind: Checksum, data: Uint8Array): number {
  return kind === Checksums.CRC32C ? crc32c(data) : crc32(data);
}

/** Slicing-by-8 tables of the reflected Castagnoli polynomial: TABLE[k * 256 + n]. */
const TABLE = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/** CRC-32C of `data` (the check value of "123456789" is 0xe3069283). */
export function crc32c(data: Uint8Array): number {
  const t = TABLE;
  let c = -1;
  let i = 0;
  const end8 = data.length - (data.length & 7);
  for (; i < end8; i += 8) {
    const lo = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      t[7 * 256 + (lo & 0xff)]! ^
      t[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      t[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      t[4 * 256 + (lo >>> 24)]! ^
      t[3 * 256 + data[i + 4]!]! ^
      t[2 * 256 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

// Writes one object so that it appears complete or not at all: a single PUT
// when the body ends before one part is full, else a multipart upload whose
// parts carry CRC-32 checksums (the store rejects a part that arrived
// damaged) and which is completed only after every part is stored. A failed
// upload is aborted so its parts do not linger (and cleanupIncomplete aborts
// what a crash left).

import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { withRetries, type RetryCounters } from './s3-client';

export interface UploadOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** Bytes per part; also the threshold below which one PUT is sent. */
  readonly partSize: number;
  /** Parts uploaded at once. */
  readonly concurrency: number;
  readonly counters: RetryCounters;
  readonly signal?: AbortSignal;
}

/** S3's x-amz-checksum-crc32: the big-endian CRC-32 in base64. */
export function crc32Base64(data: Uint8Array): string {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(crc32(data) >>> 0);
  return b.toString('base64');
}

/** Cuts a byte stream into parts of exactly `size` bytes (the last may be shorter). */
async function* parts(body: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let yielded = 0;
  for await (const chunk of body) {
    let c = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (pendingBytes + c.length >= size) {
      const take = size - pendingBytes;
      pending.push(c.subarray(0, take));
      // Copied: the caller may reuse its chunk buffers once we return to it.
      yield Buffer.concat(pending, size);
      yielded++;
      pending = [];
      pendingBytes = 0;
      c = c.subarray(take);
    }
    if (c.length > 0) {
      pending.push(Buffer.from(c));
      pendingBytes += c.length;
    }
  }
  if (pendingBytes > 0 || yielded === 0) yield Buffer.concat(pending, pendingBytes);
}

export async function uploadObject(o: UploadOptions, body: AsyncIterable<Uint8Array>): Promise<void> {
  const send = <T>(fn: () => Promise<T>) => withRetries(fn, o.counters);
  const opts = { abortSignal: o.signal };
  const it = parts(body, o.partSize)[Symbol.asyncIterator]();
  const first = await it.next();
  const firstPart = first.done ? Buffer.alloc(0) : first.value;
  const second = firstPart.length < o.partSize ? { done: true as const, value: undefined } : await it.next();
  if (second.done) {
    await send(() =>
      o.client.send(
        new PutObjectCommand({ Bucket: o.bucket, Key: o.key, Body: firstPart, ContentLength: firstPart.length, ChecksumCRC32: crc32Base64(firstPart) }),
        opts,
      ),
    );
    return;
  }
  const created = await send(() =>
    o.client.send(new CreateMultipartUploadCommand({ Bucket: o.bucket, Key: o.key, ChecksumAlgorithm: 'CRC32' }), opts),
  );
  const uploadId = created.UploadId!;
  const done: CompletedPart[] = [];
  const inflight = new Set<Promise<void>>();
  let failed: unknown;
  const upload = (n: number, data: Buffer): void => {
    const checksum = crc32Base64(data);
    const p = send(() =>
      o.client.send(
        new UploadPartCommand({ Bucket: o.bucket, Key: o.key, UploadId: uploadId, PartNumber: n, Body: data, ContentLength: data.length, ChecksumCRC32: checksum }),
        opts,
      ),
    ).then(
      (r) => void done.push({ PartNumber: n, ETag: r.ETag, ChecksumCRC32: checksum }),
      (err: unknown) => void (failed ??= err),
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  try {
    upload(1, firstPart);
    let n = 2;
    for (let next: IteratorResult<Buffer> = second; !next.done; next = await it.next()) {
      if (failed) break;
      upload(n++, next.value);
      while (inflight.size >= o.concurrency) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    if (failed) throw failed;
    done.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await send(() =>
      o.client.send(
        new CompleteMultipartUploadCommand({ Bucket: o.bucket, Key: o.key, UploadId: uploadId, MultipartUpload: { Parts: done } }),
        opts,
      ),
    );
  } catch (err) {
    await Promise.allSettled(inflight);
    await o.client.send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: o.key, UploadId: uploadId })).catch(() => {});
    throw err;
  }
}

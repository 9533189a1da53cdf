// S3 backend benchmarks against a local S3 API (s3rver behind a proxy that
// adds an emulated distance to the store, S3_LATENCY_MS per request). Ratios
// in one run:
//   - warm epoch vs cold epoch through the daemon;
//   - cold epoch through the daemon (block reads, readahead) vs a client
//     reading each object with one plain GET;
//   - the backend's object write (one PUT or a multipart upload with 4 parts
//     in flight and CRC-32 part checksums: the path checkpoint persistence
//     takes once it runs on the Backend contract) vs a direct multipart upload
//     that sends its parts one after another.

import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { S3Backend } from '../src/backend/s3-backend';
import type { TiercacheClient } from '../src/client/client';
import { silentLogger } from '../src/log';
import { TestS3Server, s3Env, S3_ACCESS_KEY, S3_SECRET_KEY } from '../test/helpers/s3-server';
import { TestDaemon, log, now } from './harness';
import type { BenchResult } from './types';

const MiB = 2 ** 20;
const BUCKET = 'bench';
const FILES = 16;
const FILE_SIZE = 8 * MiB;
const S3_LATENCY_MS = 20;
const CHECKPOINT_SIZE = 96 * MiB;
const PART_SIZE = 8 * MiB;
const ROUNDS = 2;

const names = Array.from({ length: FILES }, (_, i) => `ds/train/shard-${String(i).padStart(3, '0')}.bin`);

async function epochThroughDaemon(c: TiercacheClient): Promise<number> {
  const t0 = now();
  let bytes = 0;
  for (const n of names) for await (const ch of c.readChunks(n.slice('ds/'.length))) bytes += ch.data.length;
  return bytes / ((now() - t0) / 1000);
}

async function epochPlainGets(s3: S3Client): Promise<number> {
  const t0 = now();
  let bytes = 0;
  for (const n of names) {
    const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: n }));
    for await (const chunk of res.Body as AsyncIterable<Uint8Array>) bytes += chunk.length;
  }
  return bytes / ((now() - t0) / 1000);
}

async function sequentialMultipart(s3: S3Client, key: string, data: Buffer): Promise<void> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
  const parts = [];
  for (let at = 0, n = 1; at < data.length; at += PART_SIZE, n++) {
    const r = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: n, Body: data.subarray(at, at + PART_SIZE) }));
    parts.push({ PartNumber: n, ETag: r.ETag });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
}

async function* chunks(data: Buffer): AsyncIterable<Uint8Array> {
  for (let at = 0; at < data.length; at += MiB) yield data.subarray(at, at + MiB);
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const server = await new TestS3Server().start([BUCKET]);
  const credentials = { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY };
  const direct = new S3Client({ endpoint: server.directEndpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const viaProxy = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const d = new TestDaemon({
    flags: {
      backend: `s3://${BUCKET}/ds`,
      's3-endpoint': server.endpoint,
      's3-force-path-style': 'true',
      'block-size': '4MiB',
      'memory-cache-size': '512MiB',
      'ssd-cache-size': '1GiB',
    },
    env: s3Env(),
  });
  try {
    log(`s3: writing ${FILES} x ${FILE_SIZE / MiB} MiB objects`);
    for (const n of names) await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: n, Body: randomBytes(FILE_SIZE) }));
    server.latencyMs = S3_LATENCY_MS;
    await d.start();
    const c = d.client();

    let cold = 0;
    let warm = 0;
    let plain = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const n of names) await c.evict(n.slice('ds/'.length));
      log(`s3: round ${r + 1}: cold epoch, warm epoch, plain GETs`);
      cold += await epochThroughDaemon(c);
      warm += await epochThroughDaemon(c);
      plain += await epochPlainGets(viaProxy);
    }
    cold /= ROUNDS;
    warm /= ROUNDS;
    plain /= ROUNDS;
    const note = `${FILES} x ${FILE_SIZE / MiB} MiB objects, ${S3_LATENCY_MS} ms per S3 request (emulated), s3rver`;
    out.push({ name: 'S3: warm epoch vs cold epoch', metric: 'MB/s', value: warm / 1e6, baseline: cold / 1e6, ratio: warm / cold, baselineName: 'cold epoch through tiercache', target: '>= 3x', note });
    out.push({ name: 'S3: cold epoch through tiercache vs plain GETs', metric: 'MB/s', value: cold / 1e6, baseline: plain / 1e6, ratio: cold / plain, baselineName: 'one GetObject per object, in order', target: '>= 0.8x', note });
    c.close();

    // The backend takes credentials from the SDK's default chain, as the daemon does: give this process the test server's.
    Object.assign(process.env, s3Env());
    const backend = new S3Backend({ bucket: BUCKET, prefix: 'ckpt/', endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, maxSockets: 16, partSize: PART_SIZE, log: silentLogger });
    const data = randomBytes(CHECKPOINT_SIZE);
    let ours = 0;
    let theirs = 0;
    for (let r = 0; r < ROUNDS; r++) {
      log(`s3: round ${r + 1}: ${CHECKPOINT_SIZE / MiB} MiB backend write vs sequential multipart upload`);
      let t0 = now();
      await backend.write(`job/${r}/data`, chunks(data), { sizeHint: data.length });
      ours += (now() - t0) / 1000;
      t0 = now();
      await sequentialMultipart(viaProxy, `direct/${r}/data`, data);
      theirs += (now() - t0) / 1000;
    }
    await backend.close();
    out.push({
      name: `S3: ${CHECKPOINT_SIZE / MiB} MiB object write (checkpoint persist path) vs direct multipart upload`,
      metric: 's',
      value: ours / ROUNDS,
      baseline: theirs / ROUNDS,
      ratio: theirs / ours,
      baselineName: `CreateMultipartUpload, ${CHECKPOINT_SIZE / PART_SIZE} UploadParts one at a time, Complete`,
      target: '>= 1x',
      note: `ratio = baseline time / tiercache time; ${PART_SIZE / MiB} MiB parts, 4 in flight with CRC-32 checksums; ${S3_LATENCY_MS} ms per request`,
    });
  } finally {
    await d.stop().catch(() => {});
    await d.cleanup();
    direct.destroy();
    viaProxy.destroy();
    await server.stop();
  }
  return out;
}

// Client side of the Checkpoints service, as functions over a TiercacheClient
// (to be exposed later as client.save/loadLatest/list on the class).

import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { ClientWritableStream, ServiceError } from '@grpc/grpc-js';
import type { TiercacheClient } from './client';
import { fromServiceError } from './errors';

/** Size of the data messages a save sends. */
export const SAVE_CHUNK = 1024 * 1024;

export interface CheckpointInfo {
  id: string;
  job_id: string;
  step: number;
  /** Path on the backend, relative to its root. */
  path: string;
  timestamp_ms: number;
  size: number;
  sha256: string;
  metrics: Record<string, number>;
  /** LOCAL (on this node's SSD) or PERSISTED (on the backend). */
  state: 'LOCAL' | 'PERSISTED';
}

export interface SaveOptions {
  readonly jobId: string;
  readonly step?: number;
  readonly metrics?: Record<string, number>;
  /** Answer only once the checkpoint is on the backend. */
  readonly sync?: boolean;
}

type SaveMethod = (
  md: ReturnType<TiercacheClient['metadata']>,
  cb: (err: ServiceError | null, res?: CheckpointInfo) => void,
) => ClientWritableStream<unknown>;

/** Chunks of at most SAVE_CHUNK bytes from a Buffer or a byte stream. */
async function* chunksOf(data: Buffer | Uint8Array | AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(data) || data instanceof Uint8Array) {
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (let off = 0; off < b.length; off += SAVE_CHUNK) yield b.subarray(off, off + SAVE_CHUNK);
    return;
  }
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const c of data) {
    const b = typeof c === 'string' ? Buffer.from(c) : Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    if (pendingBytes === 0 && b.length >= SAVE_CHUNK) {
      // Big chunks go out as slices, without a copy; only the tail waits.
      let off = 0;
      for (; b.length - off >= SAVE_CHUNK; off += SAVE_CHUNK) yield b.subarray(off, off + SAVE_CHUNK);
      if (off < b.length) {
        pending = [b.subarray(off)];
        pendingBytes = b.length - off;
      }
      continue;
    }
    pending.push(b);
    pendingBytes += b.length;
    if (pendingBytes >= SAVE_CHUNK) {
      const all = Buffer.concat(pending, pendingBytes);
      let off = 0;
      for (; all.length - off >= SAVE_CHUNK; off += SAVE_CHUNK) yield all.subarray(off, off + SAVE_CHUNK);
      pending = off < all.length ? [all.subarray(off)] : [];
      pendingBytes = all.length - off;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/** Saves a checkpoint; resolves with its info (state LOCAL, or PERSISTED with sync). */
export async function saveCheckpoint(
  client: TiercacheClient,
  opts: SaveOptions,
  data: Buffer | Uint8Array | AsyncIterable<Buffer | Uint8Array | string>,
): Promise<CheckpointInfo> {
  const raw = client.rawClient('Checkpoints') as unknown as { Save: SaveMethod };
  const where = client.socket ?? client.target;
  let call!: ClientWritableStream<unknown>;
  const result = new Promise<CheckpointInfo>((resolve, reject) => {
    call = raw.Save.call(raw, client.metadata(), (err, res) => {
      if (err) reject(fromServiceError(err, where));
      else resolve(res!);
    });
  });
  // The answer may come early (a refusal): stop sending then.
  let answered = false;
  result.then(
    () => (answered = true),
    () => (answered = true),
  );
  const header = { job_id: opts.jobId, step: opts.step ?? 0, metrics: opts.metrics ?? {}, sync: opts.sync ?? false };
  try {
    call.write({ header });
    for await (const chunk of chunksOf(data)) {
      if (answered) break;
      if (!call.write({ data: chunk })) await Promise.race([once(call, 'drain'), result.catch(() => {})]);
    }
    call.end();
  } catch (err) {
    // The data source failed: cancel, so the daemon drops the partial save.
    call.cancel();
    await result.catch(() => {});
    throw err;
  }
  return result;
}

/** The newest intact checkpoint of a job: its info, then its bytes as a stream. */
export function loadLatestCheckpoint(client: TiercacheClient, jobId: string): Promise<{ info: CheckpointInfo; stream: Readable }> {
  return openLoad(client, 'LoadLatest', { job_id: jobId, id: '' });
}

export function loadCheckpoint(client: TiercacheClient, jobId: string, id: string): Promise<{ info: CheckpointInfo; stream: Readable }> {
  return openLoad(client, 'Load', { job_id: jobId, id });
}

async function openLoad(
  client: TiercacheClient,
  method: 'Load' | 'LoadLatest',
  req: { job_id: string; id: string },
): Promise<{ info: CheckpointInfo; stream: Readable }> {
  type Msg = { payload?: 'info' | 'data'; info?: CheckpointInfo; data?: Buffer };
  const it = client.serverStream<Msg>('Checkpoints', method, req);
  const first = await it.next();
  if (first.done || first.value.payload !== 'info' || !first.value.info) {
    await it.return(undefined);
    throw new Error(`Checkpoints.${method}: the daemon did not send the checkpoint info first`);
  }
  const info = first.value.info;
  const stream = Readable.from(
    (async function* () {
      let got = 0;
      for await (const m of it) {
        if (m.data) {
          got += m.data.length;
          yield m.data;
        }
      }
      if (got !== info.size) throw new Error(`checkpoint ${info.id} ended after ${got} of ${info.size} bytes`);
    })(),
    { objectMode: false },
  );
  return { info, stream };
}

/** Reads a whole checkpoint into memory (small checkpoints, tests). */
export async function readCheckpoint(load: Promise<{ info: CheckpointInfo; stream: Readable }>): Promise<{ info: CheckpointInfo; data: Buffer }> {
  const { info, stream } = await load;
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return { info, data: Buffer.concat(parts) };
}

export async function listCheckpoints(client: TiercacheClient, jobId: string): Promise<CheckpointInfo[]> {
  const res = await client.unary<{ checkpoints: CheckpointInfo[] }>('Checkpoints', 'List', { job_id: jobId });
  return res.checkpoints;
}

export async function deleteCheckpoint(client: TiercacheClient, jobId: string, id: string): Promise<boolean> {
  const res = await client.unary<{ deleted: boolean }>('Checkpoints', 'Delete', { job_id: jobId, id });
  return res.deleted;
}

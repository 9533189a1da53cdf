// The Checkpoints service from the client side: save from a Buffer or a
// stream (client-streaming, a header then 1 MiB data messages, written only as
// fast as the daemon takes them), load as a Readable, list, delete.

import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { status, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import { SAVE_CHUNK_SIZE, asBuffer, chunksOf } from './chunker';
import { TiercacheClientError } from './errors';
import type { LoadRequestIn, LoadResponse, SaveRequestIn } from '../protocol/types';
import type { TiercacheClient } from './client';
import type { CheckpointDownload, CheckpointInfo, CheckpointSource, SaveOptions } from './types';

/** 1 MiB writes of a hand-off save kept in flight at once. */
const HANDOFF_WRITES_IN_FLIGHT = 8;

/** What the checkpoints client needs from TiercacheClient (typed by the generated Checkpoints client). */
export type CheckpointsTransport = Pick<TiercacheClient, 'unary' | 'handoffDir' | 'rawClient' | 'metadata' | 'toClientError' | 'unaryStream'>;



export class CheckpointsClient {
  private readonly t: CheckpointsTransport;

  constructor(transport: CheckpointsTransport) {
    this.t = transport;
  }

  /** Saves a checkpoint; resolves with its info once the daemon has it (persisted, with sync). */
  async save(jobId: string, source: CheckpointSource, opts: SaveOptions = {}): Promise<CheckpointInfo> {
    const mode = opts.transport ?? 'auto';
    if (mode !== 'stream') {
      const dir = await this.t.handoffDir();
      if (dir) return this.saveByHandoff(dir, jobId, source, opts);
      if (mode === 'handoff') {
        throw new TiercacheClientError(status.FAILED_PRECONDITION, 'hand-off saves need the daemon on this machine and its hand-off directory writable');
      }
    }
    return this.saveByStream(jobId, source, opts);
  }

  /**
   * Writes the checkpoint into the daemon's hand-off directory (hashing as it
   * goes, fsync at the end) and has the daemon take the file over.
   */
  private async saveByHandoff(dir: string, jobId: string, source: CheckpointSource, opts: SaveOptions): Promise<CheckpointInfo> {
    // 128 random bits: nobody else can name the file (the directory cannot be
    // listed), and 0600: nobody else can open it; the daemon refuses others.
    const name = `${/^[A-Za-z0-9]/.test(jobId) ? '' : 'j'}${jobId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120)}-${Date.now()}-${randomBytes(16).toString('hex')}.ckpt`;
    const path = join(dir, name);
    const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    let sha256: string;
    try {
      sha256 = source instanceof Uint8Array ? await writeBytesDurably(fh, asBuffer(source)) : await writeChunksDurably(fh, chunksOf(source));
    } catch (err) {
      await fh.close().catch(() => {});
      await rm(path, { force: true });
      throw err;
    }
    await fh.close();
    const header = {
      job_id: jobId,
      step: opts.step ?? 0,
      metrics: { ...opts.metrics },
      sync: opts.sync ?? false,
      handoff_file: name,
      sha256,
    };
    try {
      return await this.t.unaryStream<CheckpointInfo>('Checkpoints', 'Save', [{ header }]);
    } finally {
      // Taken over (renamed away) on success; ours to remove otherwise.
      await rm(path, { force: true });
    }
  }

  private async saveByStream(jobId: string, source: CheckpointSource, opts: SaveOptions): Promise<CheckpointInfo> {
    const raw = this.t.rawClient('Checkpoints');
    let call!: ClientWritableStream<SaveRequestIn>;
    const answer = new Promise<{ err: ServiceError | null; res?: CheckpointInfo }>((resolve) => {
      call = raw.Save(this.t.metadata(), (err, res) => resolve({ err, res }));
    });
    let answered = false;
    void answer.then(() => (answered = true));
    // Waits for room in the call's buffer, or for the daemon to answer early (a refusal).
    const send = async (msg: SaveRequestIn): Promise<void> => {
      if (call.write(msg) || answered) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          call.off('drain', done);
          resolve();
        };
        call.on('drain', done);
        void answer.then(done);
      });
    };
    try {
      await send({ header: { job_id: jobId, step: opts.step ?? 0, metrics: { ...opts.metrics }, sync: opts.sync ?? false } });
      for await (const data of chunksOf(source)) {
        if (answered) break;
        await send({ data });
      }
    } catch (err) {
      // The source failed: abandon the save so no partial checkpoint is committed.
      call.cancel();
      throw err;
    }
    call.end();
    const { err, res } = await answer;
    if (err) throw this.t.toClientError(err);
    return res!;
  }

  /** The newest checkpoint of a job: resolves once its info has arrived. */
  loadLatest(jobId: string): Promise<CheckpointDownload> {
    return this.download('LoadLatest', { job_id: jobId, id: '' });
  }

  load(jobId: string, id: string): Promise<CheckpointDownload> {
    return this.download('Load', { job_id: jobId, id });
  }

  /** Newest first. */
  async list(jobId: string): Promise<CheckpointInfo[]> {
    const res = await this.t.unary('Checkpoints', 'List', { job_id: jobId });
    return res.checkpoints;
  }

  async delete(jobId: string, id: string): Promise<boolean> {
    const res = await this.t.unary('Checkpoints', 'Delete', { job_id: jobId, id });
    return res.deleted;
  }

  private async download(method: 'Load' | 'LoadLatest', req: LoadRequestIn): Promise<CheckpointDownload> {
    const raw = this.t.rawClient('Checkpoints');
    const call = method === 'Load' ? raw.Load(req, this.t.metadata()) : raw.LoadLatest(req, this.t.metadata());
    const it = call[Symbol.asyncIterator]() as AsyncIterator<LoadResponse>;
    let first: IteratorResult<LoadResponse>;
    try {
      first = await it.next();
    } catch (err) {
      call.cancel();
      throw this.t.toClientError(err);
    }
    const info = first.done ? undefined : first.value.info;
    if (!info) {
      call.cancel();
      throw new TiercacheClientError(status.DATA_LOSS, `Checkpoints.${method} answered without the checkpoint's info first`);
    }
    const toClientError = (err: unknown) => this.t.toClientError(err);
    const stream = Readable.from(
      (async function* () {
        let got = 0;
        try {
          for (;;) {
            const n = await it.next();
            if (n.done) break;
            if (n.value.payload === 'data' && n.value.data) {
              got += n.value.data.length;
              yield n.value.data;
            }
          }
        } catch (err) {
          throw toClientError(err);
        } finally {
          call.cancel();
        }
        if (got !== info.size) {
          throw new TiercacheClientError(status.DATA_LOSS, `checkpoint ${info.id} ended after ${got} of ${info.size} bytes`);
        }
      })(),
      { objectMode: false },
    );
    return { info, stream };
  }
}

export type { CheckpointInfo, CheckpointDownload } from './types';

/** Reads a whole checkpoint into memory (small checkpoints, tests). */
export async function readCheckpoint(load: Promise<CheckpointDownload>): Promise<{ info: CheckpointInfo; data: Buffer }> {
  const { info, stream } = await load;
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return { info, data: Buffer.concat(parts) };
}

/** Bytes hashed between yields to the event loop, so completed writes can be followed up. */
const HASH_SLICE = 8 * 1024 * 1024;

/**
 * Writes a buffer and fsyncs it while hashing it: every write is queued to
 * libuv's pool at once, the fsync follows the last write, and the hash runs
 * here in slices meanwhile. The save costs about the slower of (write +
 * fsync) and the hash, not their sum. Returns the hex SHA-256.
 */
async function writeBytesDurably(fh: FileHandle, buf: Buffer): Promise<string> {
  const writes: Array<Promise<void>> = [];
  for (let p = 0; p < buf.length; p += SAVE_CHUNK_SIZE) {
    const n = Math.min(SAVE_CHUNK_SIZE, buf.length - p);
    writes.push(
      fh.write(buf, p, n, p).then(({ bytesWritten }) => {
        if (bytesWritten !== n) throw new Error('short write of a hand-off checkpoint');
      }),
    );
  }
  const durable = Promise.all(writes).then(() => fh.sync());
  durable.catch(() => {});
  const hash = createHash('sha256');
  for (let p = 0; p < buf.length; p += HASH_SLICE) {
    hash.update(buf.subarray(p, p + HASH_SLICE));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await durable;
  return hash.digest('hex');
}

/** The same for a stream of chunks: a bounded number of writes in flight while this thread hashes. */
async function writeChunksDurably(fh: FileHandle, chunks: AsyncIterable<Buffer>): Promise<string> {
  const hash = createHash('sha256');
  const inflight: Array<Promise<void>> = [];
  try {
    let position = 0;
    for await (const chunk of chunks) {
      const at = position;
      position += chunk.length;
      inflight.push(
        fh.write(chunk, 0, chunk.length, at).then(({ bytesWritten }) => {
          if (bytesWritten !== chunk.length) throw new Error('short write of a hand-off checkpoint');
        }),
      );
      hash.update(chunk);
      if (inflight.length >= HANDOFF_WRITES_IN_FLIGHT) await inflight.shift();
    }
    await Promise.all(inflight.splice(0));
  } finally {
    await Promise.allSettled(inflight);
  }
  await fh.sync();
  return hash.digest('hex');
}

// Times a checkpoint save (sync: until it is persisted on the backend) and a
// restore through the Checkpoints service, then deletes the test job's
// checkpoint. A daemon built without checkpoints answers UNIMPLEMENTED,
// which is reported as "not available", not as a failure.

import { createHash, randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { TiercacheClient } from '../client/client';
import { TiercacheClientError, fromServiceError } from '../client/errors';
import { getErrorMessage } from '../util/errors-message';
import type { CheckpointResult } from './types';

const CHUNK = 1024 * 1024;
const CALL_TIMEOUT_MS = 120_000;
export const NOT_AVAILABLE = 'checkpoints: not available in this daemon';


function save(c: TiercacheClient, jobId: string, data: Buffer): Promise<{ id: string }> {
  return new Promise((resolve, reject) => {
    const raw = c.rawClient('Checkpoints');
    const call = raw.Save(c.metadata(), { deadline: Date.now() + CALL_TIMEOUT_MS }, (err, res) => {
      if (err) reject(fromServiceError(err, c.target));
      else resolve(res!);
    });
    call.on('error', () => {}); // the callback carries the status
    const writeAll = async () => {
      call.write({ header: { job_id: jobId, step: 1, metrics: {}, sync: true } });
      for (let off = 0; off < data.length; off += CHUNK) {
        if (!call.write({ data: data.subarray(off, off + CHUNK) })) {
          await new Promise<void>((r) => call.once('drain', () => r()));
        }
      }
      call.end();
    };
    writeAll().catch(reject);
  });
}

async function restore(c: TiercacheClient, jobId: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const msg of c.serverStream('Checkpoints', 'LoadLatest', { job_id: jobId })) {
    if (msg.data) parts.push(msg.data);
  }
  return Buffer.concat(parts);
}

const isUnimplemented = (err: unknown) => err instanceof TiercacheClientError && err.code === status.UNIMPLEMENTED;

export async function checkpointProbe(c: TiercacheClient, size: number, jobId: string): Promise<CheckpointResult> {
  const data = randomBytes(size);
  let id: string | undefined;
  let result: CheckpointResult;
  try {
    const t0 = performance.now();
    id = (await save(c, jobId, data)).id;
    const save_seconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const back = await restore(c, jobId);
    const restore_seconds = (performance.now() - t1) / 1000;
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    result = { available: true, bytes: size, save_seconds, restore_seconds, verified: sha(back) === sha(data) };
  } catch (err) {
    if (isUnimplemented(err)) return { available: false, note: NOT_AVAILABLE };
    result = { available: true, bytes: size, error: getErrorMessage(err) };
  }
  if (id !== undefined) {
    try {
      await c.unary('Checkpoints', 'Delete', { job_id: jobId, id });
    } catch (err) {
      result.note = `could not delete test checkpoint ${id} of job ${jobId}: ${getErrorMessage(err)}`;
    }
  }
  return result;
}

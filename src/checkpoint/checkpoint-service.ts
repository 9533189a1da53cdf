// The Checkpoints gRPC service: message framing only (header first, then
// data; info first, then data). Everything else is the manager's.

import type { ServerReadableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { invalidArgument } from '../errors';
import { clientStream, serverStream, unary, type CallTracker } from '../server/handlers';
import type { CheckpointManager } from './checkpoint-manager';
import type { CheckpointInfo, SaveHeader } from './types';

interface SaveRequestMsg {
  payload?: 'header' | 'data';
  header?: { job_id: string; step: number; metrics: Record<string, number>; sync: boolean; handoff_file?: string; sha256?: string };
  data?: Buffer;
}
interface LoadRequestMsg {
  job_id: string;
  id: string;
}
type LoadResponseMsg = { info: CheckpointInfo } | { data: Buffer };

export function checkpointService(t: CallTracker, mgr: CheckpointManager): UntypedServiceImplementation {
  return {
    Save: clientStream<SaveRequestMsg, CheckpointInfo>(t, 'Checkpoints.Save', async (call) => {
      const it = (call as ServerReadableStream<SaveRequestMsg, CheckpointInfo>)[Symbol.asyncIterator]();
      const first = await it.next();
      if (first.done || first.value.payload !== 'header' || !first.value.header) {
        throw invalidArgument('the first SaveRequest must carry the header (job_id, step, metrics, sync)');
      }
      const h = first.value.header;
      const header: SaveHeader = { jobId: h.job_id, step: Number(h.step), metrics: h.metrics ?? {}, sync: h.sync };
      if (h.handoff_file) {
        for await (const _ of dataChunks(it, () => call.cancelled)) {
          throw invalidArgument('a hand-off save (handoff_file) carries no data messages');
        }
        return mgr.adopt(header, h.handoff_file, h.sha256 ?? '', () => call.cancelled);
      }
      return mgr.save(header, dataChunks(it, () => call.cancelled), () => call.cancelled);
    }),
    LoadLatest: serverStream<LoadRequestMsg, LoadResponseMsg>(t, 'Checkpoints.LoadLatest', (req, send) =>
      mgr.load(req.job_id, '', { info: (info) => send({ info }), data: (data) => send({ data }) }),
    ),
    Load: serverStream<LoadRequestMsg, LoadResponseMsg>(t, 'Checkpoints.Load', (req, send) => {
      if (!req.id) throw invalidArgument('id is required (use LoadLatest for the newest checkpoint)');
      return mgr.load(req.job_id, req.id, { info: (info) => send({ info }), data: (data) => send({ data }) });
    }),
    List: unary<{ job_id: string }, { checkpoints: CheckpointInfo[] }>(t, 'Checkpoints.List', async (req) => ({
      checkpoints: await mgr.list(req.job_id),
    })),
    Delete: unary<LoadRequestMsg, { deleted: boolean }>(t, 'Checkpoints.Delete', async (req) => ({
      deleted: await mgr.delete(req.job_id, req.id),
    })),
  };
}

/**
 * The data messages after the header. A cancelled call (client gone) ends in
 * an error, never in a clean end, so a cut stream is not saved as complete.
 */
async function* dataChunks(it: AsyncIterator<SaveRequestMsg>, cancelled: () => boolean): AsyncGenerator<Buffer> {
  for (;;) {
    const r = await it.next();
    if (r.done) {
      // A cancel (RST_STREAM) ends the read side first and flags the call a moment later.
      await new Promise((resolve) => setImmediate(resolve));
      if (cancelled()) throw new Error('the client cancelled the save');
      return;
    }
    if (cancelled()) throw new Error('the client cancelled the save');
    if (r.value.payload !== 'data') throw invalidArgument('only the first SaveRequest may carry a header');
    if (r.value.data && r.value.data.length > 0) yield r.value.data;
  }
}

// The Checkpoints gRPC service: message framing only (header first, then
// data; info first, then data), and giving each Save message back to the
// upload buffer once it is consumed. Everything else is the manager's.

import { cancelled, invalidArgument } from '../errors';
import type { CheckpointManager } from '../checkpoint/checkpoint-manager';
import type { SaveHeader } from '../checkpoint/types';
import type { CheckpointInfo, CheckpointsHandlers, DeleteRequest, DeleteResponse, ListRequest, ListResponse, LoadRequest, LoadResponseIn, SaveRequest } from '../protocol/types';
import { clientStream, serverStream, unary, type CallTracker } from './handlers';
import type { UploadBuffer } from './upload-buffer';

/** `uploads`: the bound on Save bytes held (call-limits.ts holds each message in it; consumed ones are released here). */
export function checkpointService(t: CallTracker, mgr: CheckpointManager, uploads: UploadBuffer): CheckpointsHandlers {
  return {
    Save: clientStream<SaveRequest, CheckpointInfo>(t, 'Checkpoints.Save', async (call) => {
      const it = call[Symbol.asyncIterator]() as AsyncIterator<SaveRequest>;
      const first = await it.next();
      if (!first.done) uploads.release(first.value);
      if (first.done || first.value.payload !== 'header' || !first.value.header) {
        throw invalidArgument('the first SaveRequest must carry the header (job_id, step, metrics, sync)');
      }
      const h = first.value.header;
      const header: SaveHeader = { jobId: h.job_id, step: Number(h.step), metrics: h.metrics ?? {}, sync: h.sync };
      if (h.handoff_file) {
        for await (const _ of dataChunks(it, () => call.cancelled, uploads)) {
          throw invalidArgument('a hand-off save (handoff_file) carries no data messages');
        }
        return mgr.adopt(header, h.handoff_file, h.sha256 ?? '', () => call.cancelled);
      }
      return mgr.save(header, dataChunks(it, () => call.cancelled, uploads), () => call.cancelled);
    }),
    LoadLatest: serverStream<LoadRequest, LoadResponseIn>(t, 'Checkpoints.LoadLatest', (req, send) =>
      mgr.load(req.job_id, '', { info: (info) => send({ info }), data: (data) => send({ data }) }),
    ),
    Load: serverStream<LoadRequest, LoadResponseIn>(t, 'Checkpoints.Load', (req, send) => {
      if (!req.id) throw invalidArgument('id is required (use LoadLatest for the newest checkpoint)');
      return mgr.load(req.job_id, req.id, { info: (info) => send({ info }), data: (data) => send({ data }) });
    }),
    List: unary<ListRequest, ListResponse>(t, 'Checkpoints.List', async (req) => ({
      checkpoints: await mgr.list(req.job_id),
    })),
    Delete: unary<DeleteRequest, DeleteResponse>(t, 'Checkpoints.Delete', async (req) => ({
      deleted: await mgr.delete(req.job_id, req.id),
    })),
  };
}

/**
 * The data messages after the header. A cancelled call (client gone) ends in
 * an error, never in a clean end, so a cut stream is not saved as complete.
 */
async function* dataChunks(it: AsyncIterator<SaveRequest>, isCancelled: () => boolean, uploads: UploadBuffer): AsyncGenerator<Buffer> {
  // The message whose data the consumer has; it is consumed when the consumer asks for the next.
  let current: SaveRequest | undefined;
  for (;;) {
    if (current) uploads.release(current);
    const r = await it.next();
    current = r.done ? undefined : r.value;
    if (r.done) {
      // A cancel (RST_STREAM) ends the read side first and flags the call a moment later.
      await new Promise((resolve) => setImmediate(resolve));
      if (isCancelled()) throw cancelled('the checkpoint save');
      return;
    }
    if (isCancelled()) throw cancelled('the checkpoint save');
    if (r.value.payload !== 'data') throw invalidArgument('only the first SaveRequest may carry a header');
    if (r.value.data && r.value.data.length > 0) yield r.value.data;
  }
}

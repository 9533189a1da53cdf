// ReadSession: unary reads over one long-lived bidi stream. A unary call in
// grpc-js costs about a millisecond of CPU on each side (call objects,
// headers, trailers, GC), far more than serving 100 KB from memory; on a
// session a read is one message each way. Each SessionRead is answered by
// one SessionReply with its id: the bytes a unary Read would have answered,
// or its status in `error` (same code, reason and message), after which the
// session goes on. Replies go out in the order reads complete.
//
// Bounded per session: at most MAX_READS_IN_FLIGHT reads are served, or
// answered and not yet taken by HTTP/2, at once; past that the stream is
// paused, so a client that sends reads faster than it takes replies is held
// back by HTTP/2 flow control, not by the daemon's memory. Each read is
// bounded by max-read-size as a unary Read is. A session is a stream for the
// call limits (max-streams, stream-stall-timeout). On drain the session
// stops taking reads, lets those in flight finish, and ends with the
// shutting-down status, so an idle session does not hold the drain.

import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { CachedStore, ReadContext } from '../cache/cached-store';
import { ErrorCodes, hasCode, invalidArgument, shuttingDown, toGrpcError } from '../errors';
import type { SessionRead, SessionReply } from '../protocol/types';
import { jobOf, logFailure, type CallTracker } from './handlers';
import { clientSafeNumber } from './numbers';
import { fileError } from './read-files';

/** Reads one session serves (or has answered and HTTP/2 has not yet taken) at once. */
export const MAX_READS_IN_FLIGHT = 4;
/** How often an idle session looks whether the daemon is draining. */
const DRAIN_CHECK_MS = 100;

const EMPTY = Buffer.alloc(0);

export function readSession(t: CallTracker, store: CachedStore): (call: ServerDuplexStream<SessionRead, SessionReply>) => void {
  return (call) => {
    if (t.closing) {
      call.emit('error', toGrpcError(shuttingDown()));
      return;
    }
    t.inflight++;
    const ctx: ReadContext = { job: jobOf(call) };
    let inFlight = 0;
    let paused = false;
    let halfClosed = false;
    let over = false;
    const drainCheck = setInterval(() => {
      if (!t.closing) return;
      clearInterval(drainCheck);
      halfClosed = true;
      call.pause();
      settle();
    }, DRAIN_CHECK_MS);
    drainCheck.unref();

    /** Ends the call once the client (or the drain) is done and every read is answered. */
    const settle = (): void => {
      if (over || !halfClosed || inFlight > 0) return;
      finish();
      if (t.closing) call.emit('error', toGrpcError(shuttingDown()));
      else call.end();
    };
    const finish = (): void => {
      if (over) return;
      over = true;
      clearInterval(drainCheck);
      t.inflight--;
    };
    const answered = (): void => {
      inFlight--;
      if (paused && inFlight < MAX_READS_IN_FLIGHT && !halfClosed) {
        paused = false;
        call.resume();
      }
      settle();
    };
    const reply = (msg: SessionReply): void => {
      if (over || call.cancelled) return answered();
      call.write(msg, answered);
    };

    call.on('data', (req: SessionRead) => {
      if (over || halfClosed) return;
      inFlight++;
      if (inFlight >= MAX_READS_IN_FLIGHT && !paused) {
        paused = true;
        call.pause();
      }
      serve(store, req, ctx).then(
        (data) => reply({ id: req.id, data, error: null }),
        (err: unknown) => {
          if (hasCode(err, ErrorCodes.CANCELLED)) return answered();
          logFailure(t, 'ReadSession', err, toGrpcError(err));
          reply({ id: req.id, data: EMPTY, error: fileError(err) });
        },
      );
    });
    call.on('end', () => {
      halfClosed = true;
      settle();
    });
    call.on('cancelled', () => {
      halfClosed = true;
      finish();
    });
    call.on('error', () => {
      halfClosed = true;
      finish();
    });
  };
}

function serve(store: CachedStore, req: SessionRead, ctx: ReadContext): Promise<Buffer> {
  try {
    if (req.path === '') throw invalidArgument('path is required');
    return store.read(req.path, clientSafeNumber('offset', req.offset), clientSafeNumber('length', req.length), ctx);
  } catch (err) {
    return Promise.reject(err);
  }
}

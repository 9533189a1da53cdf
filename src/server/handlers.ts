// Small adapters between grpc-js handlers and async functions: every error
// goes through toGrpcError(), and in-flight calls are counted for the drain.

import {
  status as grpcStatus,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServerReadableStream,
} from '@grpc/grpc-js';
import { ErrorCodes, cancelled as cancelledError, hasCode, toGrpcError, shuttingDown } from '../errors';
import type { Logger } from '../log';

/** Messages a server stream may have queued in grpc-js at once (see serverStream). */
const MAX_QUEUED_MESSAGES = 2;

export interface CallTracker {
  inflight: number;
  closing: boolean;
  readonly log: Logger;
}

/** Caller identity for history and logs: x-tiercache-job metadata, else the peer address. */
export function jobOf(call: { metadata: { get(k: string): unknown[] }; getPeer(): string }): string {
  const v = call.metadata.get('x-tiercache-job')[0];
  if (typeof v === 'string' && v !== '') return v.slice(0, 256);
  return call.getPeer();
}

/** The one log line of a failed call: daemon faults at error, client mistakes and cancels at debug. */
export function logFailure(t: CallTracker, method: string, err: unknown, status: { code?: number; details?: string }): void {
  if (status.code === grpcStatus.INTERNAL) t.log.error('call failed', { method, err: String(err), stack: (err as Error)?.stack });
  else if (status.code === grpcStatus.CANCELLED) t.log.debug('call cancelled by the client', { method });
  else t.log.debug('call refused', { method, code: status.code, details: status.details });
}

/** Runs a call that answers once (unary, client-streaming), counted for the drain. */
function answer<Res>(t: CallTracker, method: string, run: () => Promise<Res>, cb: sendUnaryData<Res>): void {
  if (t.closing) return cb(toGrpcError(shuttingDown()));
  t.inflight++;
  run().then(
    (res) => {
      t.inflight--;
      cb(null, res);
    },
    (err: unknown) => {
      t.inflight--;
      const status = toGrpcError(err);
      logFailure(t, method, err, status);
      cb(status);
    },
  );
}

export function unary<Req, Res>(
  t: CallTracker,
  method: string,
  fn: (req: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => {
    answer(t, method, () => fn(call.request, call), cb);
  };
}

/** Server-streaming: `fn` writes through `send`, which honours back-pressure. */
export function serverStream<Req, Res>(
  t: CallTracker,
  method: string,
  fn: (req: Req, send: (msg: Res) => Promise<void>, call: ServerWritableStream<Req, Res>) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  return (call: ServerWritableStream<Req, Res>) => {
    if (t.closing) {
      call.emit('error', toGrpcError(shuttingDown()));
      return;
    }
    t.inflight++;
    let cancelled = false;
    call.on('cancelled', () => (cancelled = true));
    // Messages handed to grpc-js and not yet taken by HTTP/2. grpc-js's own
    // buffer would take 16 before write() says wait (whatever their size), so
    // a client that reads nothing would pin 16 chunks per stream: wait at two.
    let queued = 0;
    let wake: (() => void) | undefined;
    const written = (): void => {
      queued--;
      wake?.();
    };
    const send = async (msg: Res): Promise<void> => {
      if (cancelled) throw cancelledError(method);
      queued++;
      call.write(msg, written);
      while (queued >= MAX_QUEUED_MESSAGES && !cancelled) {
        await waitWritten(call, (w) => (wake = w));
        wake = undefined;
      }
      if (cancelled) throw cancelledError(method);
    };
    fn(call.request, send, call).then(
      () => {
        t.inflight--;
        if (!cancelled) call.end();
      },
      (err: unknown) => {
        t.inflight--;
        // The client is gone: nothing to answer; one debug line.
        if (cancelled || hasCode(err, ErrorCodes.CANCELLED)) {
          t.log.debug('call cancelled by the client', { method });
          return;
        }
        const status = toGrpcError(err);
        logFailure(t, method, err, status);
        call.emit('error', status);
      },
    );
  };
}

/** Client-streaming: `fn` consumes the request stream. */
export function clientStream<Req, Res>(
  t: CallTracker,
  method: string,
  fn: (call: ServerReadableStream<Req, Res>) => Promise<Res>,
): handleClientStreamingCall<Req, Res> {
  return (call: ServerReadableStream<Req, Res>, cb: sendUnaryData<Res>) => {
    answer(t, method, () => fn(call), cb);
  };
}

/**
 * Resolves when `onWritten` is called back (a queued message was written), or
 * when the call is cancelled or closed; removes its listeners either way.
 */
function waitWritten(call: NodeJS.EventEmitter, onWritten: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    onWritten(done);
    call.on('cancelled', done);
    call.on('close', done);
  });
}

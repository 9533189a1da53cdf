// Bounds on what clients can make the daemon hold through calls: calls in
// flight per connection and in total, and server-streaming calls in total,
// each refused beyond its bound with RESOURCE_EXHAUSTED naming the option
// before any handler runs; and how long a stream may wait on a client that
// takes nothing (stream-stall-timeout) before it is reset, so streams that
// are abandoned or never read give back the blocks and chunks they hold.
// With handlers.ts queueing at most two chunks per stream, a stream holds at
// most two blocks and two chunks; max-streams bounds how many do.
//
// Client-streaming calls (uploads: checkpoint Save) are bounded in number
// (max-uploads) and in the bytes of their messages the daemon holds at once
// (max-upload-buffer, upload-buffer.ts): an upload's next message is asked
// of HTTP/2 only while there is room, so past the bound its client waits.
//
// Health is refused per connection only, never for the daemon's totals: the
// kubelet's probes must answer when the daemon is busy.
//
// This interceptor must be the first of a server's: grpc-js hands the first
// one its base call, which holds the HTTP/2 stream (the connection a call
// came on, and the only way to reset a stream whose client reads nothing:
// a status would wait behind the data the client does not take). If grpc-js
// changes that, calls are bounded in total only and a stalled stream is
// ended with a status instead of a reset.

import { constants as h2 } from 'node:http2';
import {
  Metadata,
  ServerInterceptingCall,
  status as grpcStatus,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { CallLimitsConfig } from '../config/types';
import { overLimit, toGrpcError } from '../errors';
import type { Logger } from '../log';
import { messageBytes, type UploadBuffer } from './upload-buffer';

const HEALTH_PREFIX = '/grpc.health.v1.Health/';

export interface CallLimitsCounters {
  readonly callsInFlight: number;
  readonly streamsInFlight: number;
  /** Calls refused for max-calls or max-calls-per-connection, since start. */
  readonly callsRefused: number;
  /** Streams refused for max-streams, since start. */
  readonly streamsRefused: number;
  readonly uploadsInFlight: number;
  /** Uploads refused for max-uploads, since start. */
  readonly uploadsRefused: number;
  /** Streams reset because their client took nothing for stream-stall-timeout. */
  readonly stalledStreams: number;
}

/** What the interceptor needs of grpc-js's base call (see the header). */
interface Http2StreamLike {
  readonly session?: object;
  close?(code: number): void;
}

export class CallLimits {
  private readonly limits: CallLimitsConfig;
  private readonly log: Logger;
  /** Calls in flight over every server this interceptor is on. */
  private calls = 0;
  /** Server-streaming calls in flight (Health's Watch excepted). */
  private streams = 0;
  /** Calls in flight by HTTP/2 session. */
  private readonly perConnection = new WeakMap<object, number>();
  /** Client-streaming calls in flight. */
  private uploads = 0;
  private callsRefused = 0;
  private streamsRefused = 0;
  private uploadsRefused = 0;
  private readonly uploadBuffer: UploadBuffer;
  private stalled = 0;

  /** `uploadBuffer`: the one bound on upload bytes held, which the upload handlers release into as they consume. */
  constructor(limits: CallLimitsConfig, log: Logger, uploadBuffer: UploadBuffer) {
    this.limits = limits;
    this.log = log;
    this.uploadBuffer = uploadBuffer;
  }

  get counters(): CallLimitsCounters {
    return {
      callsInFlight: this.calls,
      streamsInFlight: this.streams,
      callsRefused: this.callsRefused,
      streamsRefused: this.streamsRefused,
      uploadsInFlight: this.uploads,
      uploadsRefused: this.uploadsRefused,
      stalledStreams: this.stalled,
    };
  }

  interceptor(): ServerInterceptor {
    return (method, call) => {
      const stream = (call as { stream?: Http2StreamLike }).stream;
      const conn = typeof stream?.session === 'object' ? stream.session : undefined;
      const isHealth = method.path.startsWith(HEALTH_PREFIX);
      const isStream = method.responseStream && !isHealth;
      const isUpload = method.requestStream && !method.responseStream;
      const refusal = this.refusal(conn, isHealth, isStream, isUpload);
      if (refusal !== undefined) {
        if (refusal.limit === 'max-streams') this.streamsRefused++;
        else if (refusal.limit === 'max-uploads') this.uploadsRefused++;
        else this.callsRefused++;
        this.log.debug('call refused over a limit', { method: method.path, why: refusal.why });
        return refuse(call, refusal.why);
      }
      this.calls++;
      if (isStream) this.streams++;
      if (isUpload) this.uploads++;
      if (conn) this.perConnection.set(conn, (this.perConnection.get(conn) ?? 0) + 1);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        this.calls--;
        if (isStream) this.streams--;
        if (isUpload) this.uploads--;
        if (conn) this.perConnection.set(conn, (this.perConnection.get(conn) ?? 1) - 1);
      };
      let guard: StallGuardedCall | undefined;
      const responder = {
        start: (next: (listener: { onCancel: () => void }) => void) =>
          next({
            onCancel: () => {
              guard?.stop();
              release();
            },
          }),
        sendStatus: (st: Parameters<ServerInterceptingCallInterface['sendStatus']>[0], next: (s: typeof st) => void) => {
          release();
          next(st);
        },
      };
      if (isUpload) return new UploadBoundedCall(call, responder, this.uploadBuffer);
      if (!isStream || this.limits.streamStallTimeoutMs <= 0) return new ServerInterceptingCall(call, responder);
      guard = new StallGuardedCall(call, responder, this.limits.streamStallTimeoutMs, () => {
        this.stalled++;
        this.log.info('stream reset: its client took nothing for stream-stall-timeout', {
          method: method.path,
          streamStallTimeoutMs: this.limits.streamStallTimeoutMs,
        });
        if (stream?.close) {
          // grpc clients see RESOURCE_EXHAUSTED ("Bandwidth exhausted or memory limit exceeded").
          stream.close(h2.NGHTTP2_ENHANCE_YOUR_CALM);
        } else {
          const err = toGrpcError(overLimit(`the stream was cut: its client took nothing for ${this.limits.streamStallTimeoutMs} ms (stream-stall-timeout)`));
          call.sendStatus({ code: grpcStatus.RESOURCE_EXHAUSTED, details: err.details ?? '', metadata: err.metadata ?? new Metadata() });
        }
      });
      return guard;
    };
  }

  /** Which bound refuses a new call and why, or undefined when it may run. */
  private refusal(conn: object | undefined, isHealth: boolean, isStream: boolean, isUpload: boolean): { limit: string; why: string } | undefined {
    const l = this.limits;
    const onConn = conn ? (this.perConnection.get(conn) ?? 0) : 0;
    if (onConn >= l.maxCallsPerConnection) {
      return {
        limit: 'max-calls-per-connection',
        why: `this connection already has ${onConn} calls in flight (max-calls-per-connection ${l.maxCallsPerConnection}); wait for some to finish, or raise --max-calls-per-connection`,
      };
    }
    if (isHealth) return undefined;
    if (this.calls >= l.maxCalls) {
      return { limit: 'max-calls', why: `the daemon already has ${this.calls} calls in flight (max-calls ${l.maxCalls}); retry shortly, or raise --max-calls` };
    }
    if (isStream && this.streams >= l.maxStreams) {
      return { limit: 'max-streams', why: `the daemon already serves ${this.streams} streams (max-streams ${l.maxStreams}); retry shortly, or raise --max-streams` };
    }
    if (isUpload && this.uploads >= l.maxUploads) {
      return { limit: 'max-uploads', why: `the daemon already takes ${this.uploads} uploads (max-uploads ${l.maxUploads}); retry shortly, or raise --max-uploads` };
    }
    return undefined;
  }
}

/** A call answered RESOURCE_EXHAUSTED once its metadata arrives; its handler never runs. */
function refuse(call: ServerInterceptingCallInterface, why: string): ServerInterceptingCall {
  const err = toGrpcError(overLimit(why));
  return new ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: () =>
          call.sendStatus({ code: grpcStatus.RESOURCE_EXHAUSTED, details: err.details ?? why, metadata: err.metadata ?? new Metadata() }),
      }),
  });
}

type Responder = NonNullable<ConstructorParameters<typeof ServerInterceptingCall>[1]>;

/**
 * A client-streaming call under the upload buffer: each message it receives
 * is held in the buffer until the handler releases it (or the call ends),
 * and its next read waits while the buffer is full (upload-buffer.ts).
 */
class UploadBoundedCall extends ServerInterceptingCall {
  private readonly buffer: UploadBuffer;
  private withdraw: (() => void) | undefined;
  private ended = false;

  constructor(next: ServerInterceptingCallInterface, responder: Responder, buffer: UploadBuffer) {
    const state: { call?: UploadBoundedCall } = {};
    super(next, {
      ...responder,
      start: (nextStart) => {
        const wrap = (listener: Parameters<typeof nextStart>[0] = {}): void =>
          nextStart({
            ...listener,
            onReceiveMessage: (message: unknown, nextMessage: (m: unknown) => void) => {
              const bytes = messageBytes(message);
              if (bytes > 0 && state.call && !state.call.ended) buffer.hold(state.call, message as object, bytes);
              if (listener.onReceiveMessage) listener.onReceiveMessage(message, nextMessage);
              else nextMessage(message);
            },
            onCancel: () => {
              state.call?.end();
              listener.onCancel?.();
            },
          });
        if (responder.start) responder.start(wrap);
        else wrap();
      },
      sendStatus: (status, nextStatus) => {
        state.call?.end();
        if (responder.sendStatus) responder.sendStatus(status, nextStatus);
        else nextStatus(status);
      },
    });
    state.call = this;
    this.buffer = buffer;
  }

  override startRead(): void {
    if (this.ended) return super.startRead();
    this.withdraw = this.buffer.whenRoom(() => {
      this.withdraw = undefined;
      super.startRead();
    });
  }

  /** The call is over: what it still holds goes back, and a waiting read is withdrawn. */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.withdraw?.();
    this.withdraw = undefined;
    this.buffer.releaseAll(this);
  }
}

/**
 * A server-streaming call whose messages must each be taken by the client
 * within `stallMs`: a message handed to HTTP/2 completes only once the
 * client's flow-control window lets it out, so one pending that long means
 * the client reads nothing. Then `onStall` runs, once.
 */
class StallGuardedCall extends ServerInterceptingCall {
  private readonly stallMs: number;
  private readonly onStall: () => void;
  /** A message is with HTTP/2 and not yet taken; since `pendingSince`. */
  private pending = false;
  private pendingSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private cut = false;

  constructor(
    next: ServerInterceptingCallInterface,
    responder: ConstructorParameters<typeof ServerInterceptingCall>[1],
    stallMs: number,
    onStall: () => void,
  ) {
    super(next, responder);
    this.stallMs = stallMs;
    this.onStall = onStall;
  }

  override sendMessage(message: unknown, callback: () => void): void {
    this.pending = true;
    this.pendingSince = Date.now();
    this.timer ??= this.arm(this.stallMs);
    super.sendMessage(message, () => {
      this.pending = false;
      callback();
    });
  }

  /**
   * The stream is closed (cancelled, reset, or done). Not on sendStatus: the
   * status goes out behind the data, and the guard stays until it is taken.
   */
  stop(): void {
    this.cut = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): NodeJS.Timeout {
    const t = setTimeout(() => this.check(), ms);
    t.unref();
    return t;
  }

  private check(): void {
    this.timer = undefined;
    if (this.cut || !this.pending) return;
    const waited = Date.now() - this.pendingSince;
    if (waited < this.stallMs) {
      this.timer = this.arm(this.stallMs - waited);
      return;
    }
    this.cut = true;
    this.onStall();
  }
}

// The client's side of ReadSession (see src/server/read-session.ts): reads
// over one long-lived stream, each a message each way instead of a unary
// call. Opened at the first read; closed after IDLE_CLOSE_MS without reads
// (so an idle worker does not hold one of the daemon's max-streams, and a
// process that never calls close() exits soon after its last read), and
// reopened by the next read. Every read keeps the contract of a unary Read:
// the same bytes, the same TiercacheClientError for a failure, and the
// client's timeout (DEADLINE_EXCEEDED). A daemon without ReadSession
// (UNIMPLEMENTED) is read with unary calls from then on.

import { status, type ClientDuplexStream } from '@grpc/grpc-js';
import type { SessionReadIn, SessionReply } from '../protocol/types';
import { TiercacheClientError } from './errors';

/** A session no read has used for this long is closed. */
export const IDLE_CLOSE_MS = 1000;

interface Pending {
  readonly resolve: (data: Buffer) => void;
  readonly reject: (err: TiercacheClientError) => void;
  readonly timer: NodeJS.Timeout;
  /** The read, for a retry as a unary call when the daemon has no ReadSession. */
  readonly req: SessionReadIn;
}

export interface ReadSessionHooks {
  /** Opens the stream (with the client's metadata); throws as a call would when the daemon cannot be reached. */
  readonly open: () => ClientDuplexStream<SessionReadIn, SessionReply>;
  /** A unary Read, for daemons without ReadSession. */
  readonly unaryRead: (path: string, offset: number, length: number) => Promise<Buffer>;
  /** A failure of the stream as a TiercacheClientError naming the endpoint. */
  readonly toClientError: (err: unknown) => TiercacheClientError;
  readonly timeoutMs: number;
}

/** One stream and the reads sent on it not yet answered, by id. */
interface Stream {
  readonly call: ClientDuplexStream<SessionReadIn, SessionReply>;
  readonly pending: Map<number, Pending>;
  done: boolean;
}

export class ReadSession {
  private readonly hooks: ReadSessionHooks;
  /** The stream new reads go on; one being closed keeps answering its reads, detached. */
  private stream: Stream | undefined;
  private nextId = 1;
  private lastRead = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** The daemon answered UNIMPLEMENTED: every read is a unary call. */
  private unsupported = false;
  private closed = false;

  constructor(hooks: ReadSessionHooks) {
    this.hooks = hooks;
  }

  read(path: string, offset: number, length: number): Promise<Buffer> {
    if (this.unsupported || this.closed) return this.hooks.unaryRead(path, offset, length);
    let stream: Stream;
    try {
      stream = this.stream ?? this.open();
    } catch (err) {
      return Promise.reject(err);
    }
    this.lastRead = Date.now();
    const id = this.nextId++;
    const req: SessionReadIn = { id, path, offset, length };
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!stream.pending.delete(id)) return;
        reject(new TiercacheClientError(status.DEADLINE_EXCEEDED, `read of ${path} got no answer within ${this.hooks.timeoutMs} ms`));
      }, this.hooks.timeoutMs);
      stream.pending.set(id, { resolve, reject, timer, req });
      stream.call.write(req);
    });
  }

  /** Ends the stream; reads still in flight are answered first. Later reads are unary calls. */
  close(): void {
    this.closed = true;
    this.detach();
  }

  private open(): Stream {
    const stream: Stream = { call: this.hooks.open(), pending: new Map(), done: false };
    this.stream = stream;
    const { call, pending } = stream;
    call.on('data', (r: SessionReply) => {
      const p = pending.get(r.id);
      if (!p) return; // timed out already
      pending.delete(r.id);
      clearTimeout(p.timer);
      if (r.error) p.reject(new TiercacheClientError(r.error.code, r.error.message, r.error.reason || undefined));
      else p.resolve(r.data);
    });
    call.on('error', (err: unknown) => this.over(stream, err));
    call.on('end', () => this.over(stream, undefined));
    this.armIdle();
    return stream;
  }

  /** The stream is over: its reads still unanswered fail as the call did (or go unary, on an old daemon). */
  private over(stream: Stream, err: unknown): void {
    if (stream.done) return;
    stream.done = true;
    if (this.stream === stream) this.stream = undefined;
    if ((err as { code?: number } | undefined)?.code === status.UNIMPLEMENTED) this.unsupported = true;
    const left = [...stream.pending.values()];
    stream.pending.clear();
    for (const p of left) {
      clearTimeout(p.timer);
      if (this.unsupported) {
        this.hooks.unaryRead(p.req.path ?? '', Number(p.req.offset ?? 0), Number(p.req.length ?? 0)).then(p.resolve, p.reject);
      } else if (err !== undefined) {
        p.reject(this.hooks.toClientError(err));
      } else {
        p.reject(new TiercacheClientError(status.UNAVAILABLE, `the read session ended before ${p.req.path} was answered; retry`));
      }
    }
  }

  /** Half-closes the current stream (the daemon answers what it has, then ends it); the next read opens another. */
  private detach(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const s = this.stream;
    this.stream = undefined;
    s?.call.end();
  }

  /** Re-armed every IDLE_CLOSE_MS while the stream is open, rather than reset by every read. */
  private armIdle(): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      const s = this.stream;
      if (!s) return;
      if (s.pending.size === 0 && Date.now() - this.lastRead >= IDLE_CLOSE_MS) this.detach();
      else this.armIdle();
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }
}

// A hostile gRPC client made of bare HTTP/2 (node:http2): it opens streams
// and then does what no polite client does — never reads them (HTTP/2's
// default 64 KiB windows are never opened further), or drops its connection
// without cancelling anything. Used by test/hostile/ and bench/memory.ts.

import { connect as h2connect, constants as h2, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';

/** How a stream looked to the client: refused up front, or accepted and then ended somehow. */
export interface RawStreamOutcome {
  /** Response headers arrived without a status: the daemon started sending. */
  readonly accepted: boolean;
  /** grpc-status from a trailers-only answer or trailers, if any. */
  readonly grpcStatus?: number;
  readonly grpcMessage?: string;
  /** RST_STREAM code when the stream was reset (0 when closed normally). */
  readonly rstCode: number;
}

export interface RawStream {
  readonly stream: ClientHttp2Stream;
  /** Resolves once the daemon answered: accepted (first headers) or refused (a status). */
  readonly answered: Promise<RawStreamOutcome>;
  /** Resolves when the stream is closed. */
  readonly closed: Promise<RawStreamOutcome>;
}

export async function rawSession(socket: string): Promise<ClientHttp2Session> {
  return (await rawConnection(socket)).session;
}

/** A session and its socket, for a client that drops the socket without a word. */
export function rawConnection(path: string): Promise<{ session: ClientHttp2Session; socket: Socket }> {
  const socket = netConnect(path);
  const session = h2connect('http://localhost', { createConnection: () => socket });
  session.on('error', () => {});
  return new Promise((resolve, reject) => {
    session.once('connect', () => resolve({ session, socket }));
    session.once('error', reject);
  });
}

/**
 * A ReadStream request as the wire carries it: the 5-byte gRPC prefix and a
 * protobuf ReadRequest{path}; with `repeat` the path is field 1 that many
 * times, which is ReadFilesRequest{paths}.
 */
function readRequestFrame(path: string, repeat = 1): Buffer {
  const p = Buffer.from(path);
  if (p.length > 127) throw new Error('short paths only');
  const one = Buffer.concat([Buffer.from([0x0a, p.length]), p]);
  const msg = Buffer.concat(Array.from({ length: repeat }, () => one));
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(msg.length, 1);
  return Buffer.concat([prefix, msg]);
}

/** Opens Cache.ReadStream(path), or ReadFiles of the path `repeat` times, and never reads a byte of the answer. */
export function openNeverRead(session: ClientHttp2Session, path: string, opts: { method?: 'ReadStream' | 'ReadFiles'; repeat?: number } = {}): RawStream {
  const stream = session.request({
    ':method': 'POST',
    ':path': `/tiercache.v1.Cache/${opts.method ?? 'ReadStream'}`,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.on('error', () => {});
  stream.pause();
  stream.end(readRequestFrame(path, opts.method === 'ReadFiles' ? (opts.repeat ?? 1) : 1));
  let outcome: { accepted: boolean; grpcStatus?: number; grpcMessage?: string } = { accepted: false };
  const fromHeaders = (headers: Record<string, unknown>): void => {
    const st = headers['grpc-status'];
    if (st !== undefined) {
      outcome = { ...outcome, grpcStatus: Number(st), grpcMessage: decodeURIComponent(String(headers['grpc-message'] ?? '')) };
    }
  };
  const answered = new Promise<RawStreamOutcome>((resolve) => {
    stream.once('response', (headers) => {
      fromHeaders(headers);
      if (outcome.grpcStatus === undefined) outcome = { ...outcome, accepted: true };
      resolve({ ...outcome, rstCode: 0 });
    });
    stream.once('close', () => resolve({ ...outcome, rstCode: stream.rstCode ?? h2.NGHTTP2_NO_ERROR }));
  });
  stream.on('trailers', fromHeaders);
  const closed = new Promise<RawStreamOutcome>((resolve) => {
    stream.once('close', () => resolve({ ...outcome, rstCode: stream.rstCode ?? h2.NGHTTP2_NO_ERROR }));
  });
  return { stream, answered, closed };
}

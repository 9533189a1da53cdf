// Errors a client sees: the gRPC code, its name and the daemon's message.

import { status } from '@grpc/grpc-js';

export class TiercacheClientError extends Error {
  /** Numeric gRPC status code. */
  readonly code: number;
  /** gRPC status name, e.g. NOT_FOUND. */
  readonly codeName: string;
  /** The daemon's message. */
  readonly details: string;
  /** The daemon's stable error code (x-tiercache-error), when it sent one. */
  readonly reason: string | undefined;

  constructor(code: number, details: string, reason?: string) {
    const name = status[code] ?? `CODE_${code}`;
    super(`${name}: ${details}`);
    this.name = 'TiercacheClientError';
    this.code = code;
    this.codeName = name;
    this.details = details;
    this.reason = reason;
  }
}

export class DaemonUnreachableError extends TiercacheClientError {
  readonly socket: string;
  constructor(socket: string, why: string) {
    super(status.UNAVAILABLE, `cannot reach the tiercache daemon at ${socket}: ${why}`);
    this.name = 'DaemonUnreachableError';
    this.socket = socket;
  }
}

export function fromServiceError(err: unknown, socket: string): TiercacheClientError {
  if (err instanceof TiercacheClientError) return err;
  const e = err as { code?: number; details?: string; message?: string; metadata?: { get(k: string): unknown[] } };
  if (typeof e?.code !== 'number') return new TiercacheClientError(status.UNKNOWN, e?.message ?? String(err));
  const details = e.details ?? e.message ?? '';
  const reason = e.metadata?.get('x-tiercache-error')[0];
  // A daemon that answered UNAVAILABLE (e.g. its backend is down) was reached; only a failed connection is "unreachable".
  if (
    e.code === status.UNAVAILABLE &&
    reason === undefined &&
    /connect|No connection|ENOENT|ECONNREFUSED|Failed to connect/i.test(details)
  ) {
    return new DaemonUnreachableError(socket, `${details} (is the daemon running?)`);
  }
  return new TiercacheClientError(e.code, details, typeof reason === 'string' ? reason : undefined);
}

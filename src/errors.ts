// Named errors with stable codes. Every failure a client can see is one of
// these; toGrpcError() is the one place they become gRPC statuses.

import { status, Metadata, type ServiceError } from '@grpc/grpc-js';
import { getErrorMessage } from './util/errors-message';

export const ErrorCodes = {
  CONFIG: 'TC_CONFIG',
  INVALID_PATH: 'TC_INVALID_PATH',
  PATH_ESCAPES_ROOT: 'TC_PATH_ESCAPES_ROOT',
  NOT_FOUND: 'TC_NOT_FOUND',
  IS_DIRECTORY: 'TC_IS_DIRECTORY',
  INVALID_ARGUMENT: 'TC_INVALID_ARGUMENT',
  OUT_OF_RANGE: 'TC_OUT_OF_RANGE',
  TOO_LARGE: 'TC_TOO_LARGE',
  BACKEND_UNAVAILABLE: 'TC_BACKEND_UNAVAILABLE',
  FILE_CHANGED: 'TC_FILE_CHANGED',
  UNAUTHENTICATED: 'TC_UNAUTHENTICATED',
  UNIMPLEMENTED: 'TC_UNIMPLEMENTED',
  SOCKET_IN_USE: 'TC_SOCKET_IN_USE',
  SHUTTING_DOWN: 'TC_SHUTTING_DOWN',
  DATA_LOSS: 'TC_DATA_LOSS',
  NO_SPACE: 'TC_NO_SPACE',
  PERMISSION_DENIED: 'TC_PERMISSION_DENIED',
  NOT_SERVED_HERE: 'TC_NOT_SERVED_HERE',
  OVER_LIMIT: 'TC_OVER_LIMIT',
  CANCELLED: 'TC_CANCELLED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class TiercacheError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TiercacheError';
    this.code = code;
  }
}

export class ConfigError extends TiercacheError {
  constructor(message: string) {
    super(ErrorCodes.CONFIG, message);
    this.name = 'ConfigError';
  }
}

export const invalidPath = (path: string, why: string): TiercacheError =>
  new TiercacheError(ErrorCodes.INVALID_PATH, `invalid path ${JSON.stringify(path)}: ${why}`);
export const pathEscapesRoot = (path: string): TiercacheError =>
  new TiercacheError(ErrorCodes.PATH_ESCAPES_ROOT, `path escapes the backend root: ${path}`);
export const notFound = (what: string): TiercacheError => new TiercacheError(ErrorCodes.NOT_FOUND, `not found: ${what}`);
export const isDirectory = (path: string): TiercacheError =>
  new TiercacheError(ErrorCodes.IS_DIRECTORY, `is a directory, not a file: ${path}`);
export const invalidArgument = (message: string): TiercacheError =>
  new TiercacheError(ErrorCodes.INVALID_ARGUMENT, message);
export const outOfRange = (message: string): TiercacheError => new TiercacheError(ErrorCodes.OUT_OF_RANGE, message);
export const tooLarge = (message: string): TiercacheError => new TiercacheError(ErrorCodes.TOO_LARGE, message);
export const backendUnavailable = (what: string, cause: unknown): TiercacheError =>
  new TiercacheError(ErrorCodes.BACKEND_UNAVAILABLE, `backend I/O failed for ${what}: ${getErrorMessage(cause)}`, {
    cause,
  });
export const backendTimedOut = (what: string, timeoutMs: number): TiercacheError =>
  new TiercacheError(
    ErrorCodes.BACKEND_UNAVAILABLE,
    `backend did not answer within ${timeoutMs} ms (backend-timeout) for ${what}: its mount may be hung or its servers down`,
  );
export const backendNotAnswering = (what: string, sinceMs: number): TiercacheError =>
  new TiercacheError(
    ErrorCodes.BACKEND_UNAVAILABLE,
    `backend is not answering (since ${new Date(sinceMs).toISOString()}), so ${what} cannot be read from it; cached data is still served`,
  );
export const fileChanged = (path: string): TiercacheError =>
  new TiercacheError(ErrorCodes.FILE_CHANGED, `file changed on the backend while it was read: ${path}; retry the read`);
export const versionMismatch = (path: string, asked: string, current: string): TiercacheError =>
  new TiercacheError(ErrorCodes.FILE_CHANGED, `version mismatch for ${path}: asked for ${asked}, the file is now ${current}`);
export const unauthenticated = (message: string): TiercacheError =>
  new TiercacheError(ErrorCodes.UNAUTHENTICATED, message);
/** A service this daemon was started without; `how` says what would serve it. */
export const notServed = (service: string, how: string): TiercacheError =>
  new TiercacheError(ErrorCodes.UNIMPLEMENTED, `${service} is not served by this daemon: ${how}`);
export const socketInUse = (path: string): TiercacheError =>
  new TiercacheError(
    ErrorCodes.SOCKET_IN_USE,
    `another tiercache daemon is already serving on ${path}; stop it or pass a different --socket`,
  );
export const shuttingDown = (): TiercacheError =>
  new TiercacheError(ErrorCodes.SHUTTING_DOWN, 'the daemon is shutting down; retry on the next one');
export const dataLoss = (message: string): TiercacheError => new TiercacheError(ErrorCodes.DATA_LOSS, message);
export const noSpace = (message: string): TiercacheError => new TiercacheError(ErrorCodes.NO_SPACE, message);
export const permissionDenied = (message: string): TiercacheError =>
  new TiercacheError(ErrorCodes.PERMISSION_DENIED, message);
export const notServedHere = (message: string): TiercacheError => new TiercacheError(ErrorCodes.NOT_SERVED_HERE, message);
export const overLimit = (message: string): TiercacheError => new TiercacheError(ErrorCodes.OVER_LIMIT, message);
/** The client went away (cancelled its call): not a daemon failure, answered CANCELLED and logged at debug. */
export const cancelled = (what: string): TiercacheError =>
  new TiercacheError(ErrorCodes.CANCELLED, `${what} was cancelled by the client`);

/** The one way to test what an error is: its stable code (TC_* for ours, errno strings for Node's). */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof TiercacheError && err.code === code;
}

const GRPC_STATUS: Record<ErrorCode, status> = {
  TC_CONFIG: status.FAILED_PRECONDITION,
  TC_INVALID_PATH: status.INVALID_ARGUMENT,
  TC_PATH_ESCAPES_ROOT: status.PERMISSION_DENIED,
  TC_NOT_FOUND: status.NOT_FOUND,
  TC_IS_DIRECTORY: status.FAILED_PRECONDITION,
  TC_INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  TC_OUT_OF_RANGE: status.OUT_OF_RANGE,
  TC_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  TC_BACKEND_UNAVAILABLE: status.UNAVAILABLE,
  TC_FILE_CHANGED: status.ABORTED,
  TC_UNAUTHENTICATED: status.UNAUTHENTICATED,
  TC_UNIMPLEMENTED: status.UNIMPLEMENTED,
  TC_SOCKET_IN_USE: status.FAILED_PRECONDITION,
  TC_SHUTTING_DOWN: status.UNAVAILABLE,
  TC_DATA_LOSS: status.DATA_LOSS,
  TC_NO_SPACE: status.RESOURCE_EXHAUSTED,
  TC_PERMISSION_DENIED: status.PERMISSION_DENIED,
  TC_NOT_SERVED_HERE: status.PERMISSION_DENIED,
  TC_OVER_LIMIT: status.RESOURCE_EXHAUSTED,
  TC_CANCELLED: status.CANCELLED,
};

/** The one mapping from anything thrown to a gRPC status a person can act on. */
export function toGrpcError(err: unknown): Partial<ServiceError> {
  const metadata = new Metadata();
  if (err instanceof TiercacheError) {
    metadata.set('x-tiercache-error', err.code);
    return { code: GRPC_STATUS[err.code], details: err.message, metadata };
  }
  // An error that already carries a gRPC status (e.g. from a peer call).
  if (err && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'number' && 'details' in err) {
    const e = err as ServiceError;
    return { code: e.code, details: e.details, metadata };
  }
  return { code: status.INTERNAL, details: `internal error: ${getErrorMessage(err)}`, metadata };
}

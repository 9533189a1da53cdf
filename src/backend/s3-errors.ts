// SDK failures -> tiercache's named errors, with bucket and key in the
// message. The SDK's exception objects are never passed on as causes: they
// carry the raw response and request metadata, and a log line or an error a
// client sees must not risk holding a credential. A cause is rebuilt from the
// error's name and message only.

import { backendUnavailable, fileChanged, notFound, permissionDenied, TiercacheError } from '../errors';
import { getErrorMessage } from '../util/errors-message';

interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

/** HTTP status of an SDK error, undefined for network and client-side failures. */
export function httpStatusOf(err: unknown): number | undefined {
  return (err as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

export function errorNameOf(err: unknown): string {
  const e = err as SdkErrorShape | undefined;
  return String(e?.name ?? e?.code ?? 'Error');
}

const THROTTLE_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequests', 'TooManyRequestsException']);

/** S3 asks the client to slow down: 503 SlowDown, 429, or a throttling code. */
export function isThrottle(err: unknown): boolean {
  const status = httpStatusOf(err);
  return status === 429 || THROTTLE_NAMES.has(errorNameOf(err)) || (status === 503 && errorNameOf(err) !== 'NotImplemented');
}

/** Worth another attempt: throttling, a 5xx, or the connection failing before an answer. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof TiercacheError) return false; // already decided (e.g. FILE_CHANGED)
  if (isThrottle(err)) return true;
  const status = httpStatusOf(err);
  if (status === undefined) return isNetworkError(err);
  return status >= 500 && status !== 501;
}

/** Failures that never reached an answer from the store: refused, reset, timed out, DNS. */
const CLIENT_SIDE_NAMES = new Set(['CredentialsProviderError', 'AbortError', 'TypeError']);

export function isNetworkError(err: unknown): boolean {
  if (httpStatusOf(err) !== undefined) return false;
  if (CLIENT_SIDE_NAMES.has(errorNameOf(err))) return false;
  return !/region is missing/i.test(getErrorMessage(err));
}

/** A cause safe to log: the error's name and message, nothing of the request. */
export function safeCause(err: unknown): Error {
  const status = httpStatusOf(err);
  return new Error(`${errorNameOf(err)}${status ? ` (HTTP ${status})` : ''}: ${getErrorMessage(err)}`);
}

export interface S3ErrorContext {
  /** The relative path the caller asked for (what FILE_CHANGED names). */
  readonly path: string;
  /** s3://bucket/key, for the message. */
  readonly url: string;
  readonly endpoint: string;
}

/** The one mapping from an SDK failure to a named error. */
export function mapS3Error(err: unknown, ctx: S3ErrorContext): TiercacheError {
  const status = httpStatusOf(err);
  const name = errorNameOf(err);
  const where = `${ctx.url} at ${ctx.endpoint}`;
  if (name === 'CredentialsProviderError') {
    return permissionDenied(
      `no AWS credentials for ${where}: ${getErrorMessage(err)}; set them the usual AWS way (environment, ~/.aws/credentials, a web identity token)`,
    );
  }
  if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return permissionDenied(`access to ${where} denied (${name}): check the credentials and the bucket policy`);
  }
  if (name === 'NoSuchBucket') return notFound(`bucket of ${where} (NoSuchBucket)`);
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') return notFound(ctx.path === '' ? where : ctx.path);
  if (status === 412 || name === 'PreconditionFailed') return fileChanged(ctx.path);
  if (isThrottle(err)) return backendUnavailable(`${where} (still throttled after retries)`, safeCause(err));
  return backendUnavailable(where, safeCause(err));
}

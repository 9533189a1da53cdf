// `s3://BUCKET/PREFIX` -> bucket and key prefix, and relative paths -> keys.
// Pure: the config loader parses the URL once, the backend maps every path.

import { ConfigError } from '../errors';

export interface S3Location {
  readonly bucket: string;
  /** "" or a key prefix ending in "/" (keys are prefix + relative path). */
  readonly prefix: string;
}

// S3's rules for new buckets (3-63 of a-z 0-9 . -, letter or digit at both
// ends); S3-compatible stores accept a subset of what older S3 did.
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://BUCKET[/PREFIX]`; `key` names the option in the error. */
export function parseS3Url(url: string, key: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(url);
  if (!m) throw new ConfigError(`invalid ${key}: ${url}; expected s3://BUCKET/PREFIX (use backend-dir for a POSIX mount)`);
  const bucket = m[1]!;
  if (!BUCKET_RE.test(bucket)) {
    throw new ConfigError(
      `invalid ${key}: bucket name ${JSON.stringify(bucket)} in ${url}; expected 3-63 lowercase letters, digits, dots or hyphens`,
    );
  }
  const parts = (m[2] ?? '').split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) {
    throw new ConfigError(`invalid ${key}: ${url}; the prefix may not contain . or .. segments`);
  }
  return { bucket, prefix: parts.length === 0 ? '' : `${parts.join('/')}/` };
}

/** Object key of a normalised relative path ("" is the prefix itself). */
export function keyOf(loc: S3Location, rel: string): string {
  return loc.prefix + rel;
}

/** Key prefix under which a directory's entries live. */
export function dirKeyOf(loc: S3Location, rel: string): string {
  return rel === '' ? loc.prefix : `${loc.prefix}${rel}/`;
}

/** Relative path of a key under the location's prefix. */
export function relOf(loc: S3Location, key: string): string {
  return key.slice(loc.prefix.length);
}

/** `s3://bucket/key`, for messages. */
export function s3Url(loc: S3Location, key: string): string {
  return `s3://${loc.bucket}/${key}`;
}

// Backend over an S3 bucket (AWS S3 or an S3-compatible store: Ceph RGW,
// MinIO, OSS, GCS's XML API). Keys are <prefix><relative path>; directories
// are common prefixes ("a/" exists when some key starts with it).
//
// A file's version is size, last-modified and ETag. A block is one ranged
// GET sent with If-Match: <ETag>, and the answer's own ETag is checked too
// (some S3-compatible stores ignore If-Match), so a block is never assembled
// from two versions of an object: either way a change is FILE_CHANGED, which
// the cache answers by re-reading on the new version once.

import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  AbortMultipartUploadCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ErrorCodes, fileChanged, hasCode, invalidPath, isDirectory, TiercacheError } from '../errors';
import type { Logger } from '../log';
import { SOLE_WRITER, isStaleUpload, type IncompletePolicy } from './incomplete-writes';
import { normalizeRequestPath } from './path-guard';
import { createS3Client, withRetries, type RetryCounters, type S3ClientOptions } from './s3-client';
import { errorNameOf, httpStatusOf, mapS3Error } from './s3-errors';
import { dirKeyOf, keyOf, relOf, s3Url, type S3Location } from './s3-location';
import { uploadObject } from './s3-upload';
import type { Backend, BackendCounters, BackendStat, BackendWriteOptions, CurrentRead } from './types';

/** Blocks at least this large are fetched as parallel ranges of RANGE_PART_BYTES. */
export const PARALLEL_RANGE_MIN_BYTES = 16 * 2 ** 20;
export const RANGE_PART_BYTES = 8 * 2 ** 20;
/** Multipart parts uploaded at once per write. */
const UPLOAD_CONCURRENCY = 4;
/** Keys per ListObjectsV2 page (S3's own maximum). */
const LIST_PAGE = 1000;

export interface S3BackendOptions extends S3ClientOptions, S3Location {
  /** Multipart part size; bodies shorter than one part go as a single PUT. */
  readonly partSize: number;
  readonly log: Logger;
  /** Keys per list page (default LIST_PAGE); tests page through small ones. */
  readonly listPageSize?: number;
  /** Which unfinished multipart uploads cleanupIncomplete aborts (default: every one, a bucket of one writer). */
  readonly incomplete?: IncompletePolicy;
}

export function s3VersionOf(size: number, lastModifiedMs: number, etag: string): string {
  return `${size}-${Math.trunc(lastModifiedMs)}-${etag}`;
}

/** An object's stat from what S3 says of it (HEAD, GET or a listing): its size, Last-Modified and ETag are its version. */
function objectStat(rel: string, size: number | undefined, lastModified: Date | undefined, etag: string | undefined): BackendStat {
  const mtime = lastModified?.getTime() ?? 0;
  return { path: rel, size: size ?? 0, mtimeMs: mtime, isDir: false, version: s3VersionOf(size ?? 0, mtime, etag ?? '') };
}

/** Copies a GET's body into all of `into`; FILE_CHANGED when it brings more or less (another version, or a cut stream). */
async function fillFromBody(body: AsyncIterable<Uint8Array> | undefined, into: Buffer, rel: string): Promise<void> {
  let filled = 0;
  for await (const chunk of body ?? []) {
    if (filled + chunk.length > into.length) throw fileChanged(rel);
    into.set(chunk, filled);
    filled += chunk.length;
  }
  if (filled !== into.length) throw fileChanged(rel);
}

/** The ETag (with its quotes, as If-Match wants it) of a version made by s3VersionOf. */
function etagOfVersion(version: string): string {
  const a = version.indexOf('-');
  const b = version.indexOf('-', a + 1);
  return version.slice(b + 1);
}

export class S3Backend implements Backend {
  readonly kind = 's3';
  readonly location: string;
  readonly counters: BackendCounters & RetryCounters = { reads: 0, bytesRead: 0, errors: 0, stats: 0, throttled: 0, retries: 0 };
  private readonly loc: S3Location;
  private readonly client: S3Client;
  private readonly endpoint: string;
  private readonly partSize: number;
  private readonly log: Logger;
  private readonly listPageSize: number;
  private readonly incomplete: IncompletePolicy;
  /** The store answered that it cannot list multipart uploads: logged once (every checkpoint delete asks). */
  private saidUploadsUnlistable = false;

  constructor(o: S3BackendOptions) {
    this.loc = { bucket: o.bucket, prefix: o.prefix };
    this.client = createS3Client(o);
    this.endpoint = o.endpoint ?? 'the AWS S3 endpoint';
    this.location = `s3://${o.bucket}/${o.prefix}${o.endpoint ? ` at ${o.endpoint}` : ''}`;
    this.partSize = o.partSize;
    this.log = o.log;
    this.listPageSize = o.listPageSize ?? LIST_PAGE;
    this.incomplete = o.incomplete ?? SOLE_WRITER;
  }

  /**
   * Start-up check: the bucket exists and the credentials may list it; fails
   * with a named error. A one-key listing rather than HeadBucket: a HEAD
   * answer has no body, so the store's reason (InvalidAccessKeyId,
   * NoSuchBucket...) would be lost.
   */
  async open(): Promise<void> {
    await this.listPage(this.loc.prefix, '/', undefined, 1);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  async stat(path: string): Promise<BackendStat> {
    const rel = normalizeRequestPath(path);
    this.counters.stats++;
    if (rel === '') return dirStat('');
    const key = keyOf(this.loc, rel);
    try {
      const h = await withRetries(() => this.client.send(new HeadObjectCommand({ Bucket: this.loc.bucket, Key: key })), this.counters);
      return objectStat(rel, h.ContentLength, h.LastModified, h.ETag);
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw this.fail(err, rel, key);
    }
    // No object: a directory if some key lives under it.
    const page = await this.listPage(dirKeyOf(this.loc, rel), '/', undefined, 1);
    if ((page.KeyCount ?? 0) > 0) return dirStat(rel);
    throw this.fail(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }), rel, key);
  }

  async read(path: string, offset: number, length: number, version: string): Promise<Buffer> {
    const rel = normalizeRequestPath(path);
    if (rel === '') throw isDirectory('/');
    const key = keyOf(this.loc, rel);
    const size = Number(version.slice(0, version.indexOf('-')));
    const end = Math.min(offset + length, Number.isFinite(size) ? size : offset + length);
    if (end <= offset) return Buffer.alloc(0);
    const buf = Buffer.allocUnsafeSlow(end - offset);
    const etag = etagOfVersion(version);
    if (buf.length < PARALLEL_RANGE_MIN_BYTES) {
      await this.readRange(rel, key, etag, buf, offset);
    } else {
      const jobs: Promise<void>[] = [];
      for (let at = 0; at < buf.length; at += RANGE_PART_BYTES) {
        jobs.push(this.readRange(rel, key, etag, buf.subarray(at, Math.min(buf.length, at + RANGE_PART_BYTES)), offset + at));
      }
      await Promise.all(jobs);
    }
    this.counters.bytesRead += buf.length;
    return buf;
  }

  /**
   * One ranged GET without If-Match: the answer's ETag, Last-Modified and
   * Content-Range (the object's whole size) are the version read. A range
   * past the end (an empty object) is answered by a HEAD; no object is a
   * directory or NOT_FOUND, as stat() says.
   */
  async readCurrent(path: string, offset: number, length: number): Promise<CurrentRead> {
    const rel = normalizeRequestPath(path);
    if (rel === '') throw isDirectory('/');
    const key = keyOf(this.loc, rel);
    let res;
    try {
      res = await withRetries(() => {
        this.counters.reads++;
        return this.client.send(new GetObjectCommand({ Bucket: this.loc.bucket, Key: key, Range: `bytes=${offset}-${offset + Math.max(1, length) - 1}` }));
      }, this.counters);
    } catch (err) {
      const status = httpStatusOf(err);
      if (status !== 404 && status !== 416) throw this.fail(err, rel, key);
      const stat = await this.stat(rel);
      if (stat.isDir) throw isDirectory(rel);
      // 416: nothing at `offset` (an empty object, or a range past its end).
      if (status === 404) throw fileChanged(rel);
      return { data: Buffer.alloc(0), stat };
    }
    const total = /\/(\d+)$/.exec(res.ContentRange ?? '');
    const stat = objectStat(rel, total ? Number(total[1]) : res.ContentLength, res.LastModified, res.ETag);
    const buf = Buffer.allocUnsafeSlow(Math.max(0, Math.min(length, stat.size - offset)));
    try {
      // Longer or shorter than its own headers say: another version, or the stream was cut.
      await fillFromBody(res.Body as AsyncIterable<Uint8Array> | undefined, buf, rel);
    } catch (err) {
      throw this.fail(err, rel, key);
    }
    this.counters.bytesRead += buf.length;
    return { data: buf, stat };
  }

  /** Fills `into` with the bytes at `offset` of one version of the object. */
  private async readRange(rel: string, key: string, etag: string, into: Buffer, offset: number): Promise<void> {
    const range = `bytes=${offset}-${offset + into.length - 1}`;
    await this.send(rel, async () => {
      this.counters.reads++;
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.loc.bucket, Key: key, Range: range, IfMatch: etag }));
      const body = res.Body as AsyncIterable<Uint8Array> | undefined;
      if (res.ETag !== undefined && res.ETag !== etag) {
        (body as { destroy?: () => void } | undefined)?.destroy?.();
        throw fileChanged(rel);
      }
      // Shorter than asked: the object shrank under the same ETag (cannot happen on S3) or the stream was cut.
      await fillFromBody(body, into, rel);
    }, key);
  }

  async readdir(dir: string): Promise<string[]> {
    const rel = normalizeRequestPath(dir);
    const out: string[] = [];
    for await (const page of this.pages(dirKeyOf(this.loc, rel), '/')) {
      for (const p of page.CommonPrefixes ?? []) out.push(relOf(this.loc, p.Prefix!).replace(/\/$/, ''));
      for (const o of page.Contents ?? []) if (!o.Key!.endsWith('/')) out.push(relOf(this.loc, o.Key!));
    }
    if (out.length === 0 && rel !== '') await this.stat(rel); // NOT_FOUND for a directory that does not exist
    // Sorted and unique (some S3-compatible stores repeat a common prefix on later pages).
    return [...new Set(out)].sort();
  }

  async *list(prefix: string, recursive: boolean): AsyncIterable<BackendStat> {
    const rel = normalizeRequestPath(prefix);
    const top = await this.stat(rel);
    if (!top.isDir) {
      yield top;
      return;
    }
    for await (const page of this.pages(dirKeyOf(this.loc, rel), recursive ? undefined : '/')) {
      for (const o of page.Contents ?? []) {
        if (o.Key!.endsWith('/')) continue; // a "directory marker" some tools create
        yield objectStat(relOf(this.loc, o.Key!), o.Size, o.LastModified, o.ETag);
      }
    }
  }

  async write(path: string, body: AsyncIterable<Uint8Array>, opts: BackendWriteOptions = {}): Promise<BackendStat> {
    const rel = this.fileRel(path);
    const key = keyOf(this.loc, rel);
    try {
      await uploadObject(
        { client: this.client, bucket: this.loc.bucket, key, partSize: this.partSize, concurrency: UPLOAD_CONCURRENCY, counters: this.counters, signal: opts.signal },
        body,
      );
    } catch (err) {
      throw this.fail(err, rel, key);
    }
    return this.stat(rel);
  }

  async delete(path: string): Promise<void> {
    const rel = this.fileRel(path);
    const key = keyOf(this.loc, rel);
    await this.send(rel, () => this.client.send(new DeleteObjectCommand({ Bucket: this.loc.bucket, Key: key })), key);
  }

  /** CopyObject then DeleteObject: `to` is complete before `from` goes. Objects up to 5 GiB (CopyObject's limit). */
  async rename(from: string, to: string): Promise<void> {
    const src = this.fileRel(from);
    const dst = this.fileRel(to);
    const srcKey = keyOf(this.loc, src);
    const copySource = `${this.loc.bucket}/${srcKey.split('/').map(encodeURIComponent).join('/')}`;
    await this.send(src, () => this.client.send(new CopyObjectCommand({ Bucket: this.loc.bucket, Key: keyOf(this.loc, dst), CopySource: copySource })), srcKey);
    await this.delete(src);
  }

  /** Aborts the multipart uploads under `prefix` started the policy's min age ago or more (incomplete-writes.ts). */
  async cleanupIncomplete(prefix: string): Promise<number> {
    const rel = normalizeRequestPath(prefix);
    const now = Date.now();
    const keyPrefix = rel === '' ? this.loc.prefix : dirKeyOf(this.loc, rel);
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await withRetries(
          () => this.client.send(new ListMultipartUploadsCommand({ Bucket: this.loc.bucket, Prefix: keyPrefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker, MaxUploads: this.listPageSize })),
          this.counters,
        );
      } catch (err) {
        if (httpStatusOf(err) === 501 || errorNameOf(err) === 'NotImplemented') {
          if (!this.saidUploadsUnlistable) {
            this.log.warn('this S3 store cannot list multipart uploads; incomplete uploads stay until a lifecycle rule (AbortIncompleteMultipartUpload) removes them', { backend: this.location });
          }
          this.saidUploadsUnlistable = true;
          return aborted;
        }
        throw this.fail(err, rel, keyPrefix);
      }
      for (const u of page.Uploads ?? []) {
        if (!isStaleUpload(u.Initiated?.getTime(), now, this.incomplete)) continue;
        await this.send(rel, () => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.loc.bucket, Key: u.Key!, UploadId: u.UploadId! })), u.Key!);
        aborted++;
      }
      if (!page.IsTruncated) return aborted;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** An object store has no directories: nothing to remove. */
  async removeDir(): Promise<void> {}

  private fileRel(path: string): string {
    const rel = normalizeRequestPath(path);
    if (rel === '') throw invalidPath(path, 'names the backend root, not a file');
    return rel;
  }

  private async *pages(keyPrefix: string, delimiter: string | undefined): AsyncIterable<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      const page = await this.listPage(keyPrefix, delimiter, token, this.listPageSize);
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private listPage(keyPrefix: string, delimiter: string | undefined, token: string | undefined, max: number): Promise<ListObjectsV2CommandOutput> {
    const rel = relOf(this.loc, keyPrefix).replace(/\/$/, '');
    return this.send(rel, () =>
      this.client.send(new ListObjectsV2Command({ Bucket: this.loc.bucket, Prefix: keyPrefix, Delimiter: delimiter, ContinuationToken: token, MaxKeys: max })),
      keyPrefix,
    );
  }

  /** One request with retries; failures become named errors naming bucket and key. */
  private async send<T>(rel: string, fn: () => Promise<T>, key: string): Promise<T> {
    try {
      return await withRetries(fn, this.counters);
    } catch (err) {
      throw this.fail(err, rel, key);
    }
  }

  private fail(err: unknown, rel: string, key: string): TiercacheError {
    if (err instanceof TiercacheError) return err;
    const mapped = mapS3Error(err, { path: rel, url: s3Url(this.loc, key), endpoint: this.endpoint });
    if (hasCode(mapped, ErrorCodes.BACKEND_UNAVAILABLE)) this.counters.errors++;
    return mapped;
  }
}

function dirStat(rel: string): BackendStat {
  return { path: rel, size: 0, mtimeMs: 0, isDir: true, version: 'dir' };
}

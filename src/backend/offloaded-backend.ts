// A POSIX backend whose background reads (prefetch) run on worker threads,
// so a burst of prefetch I/O never holds up the event loop that serves
// foreground reads. Everything else, and every foreground read, is the inner
// backend's. Paths are validated here (the inner localPath) before a worker
// sees them; a worker's failure comes back as an errno or FILE_CHANGED and
// becomes the inner backend's own named error and counter, so a read is
// counted, timed (observed-backend.ts), emulated (throttled-backend.ts) and
// bounded (deadline-backend.ts) the same wherever it ran. The bytes are
// moved back from the worker (Piscina.move), not copied.

import { fileChanged } from '../errors';
import { BackendDecorator } from './backend-decorator';
import type { PosixBackend } from './posix-backend';
import type { ReadOptions } from './types';

/** One block read, as a worker thread runs it. */
export interface OffloadedRead {
  readonly absPath: string;
  readonly offset: number;
  readonly length: number;
  readonly version: string;
}

/** What a worker answers: the bytes (moved), or why not (errors do not cross threads with their codes). */
export type OffloadedResult = ArrayBuffer | { readonly changed: true } | { readonly errno: string; readonly message: string };

export type OffloadedReader = (task: OffloadedRead) => Promise<OffloadedResult>;

export class OffloadedBackend extends BackendDecorator {
  private readonly posix: PosixBackend;
  private readonly run: OffloadedReader;

  constructor(inner: PosixBackend, run: OffloadedReader) {
    super(inner);
    this.posix = inner;
    this.run = run;
  }

  override async read(path: string, offset: number, length: number, version: string, opts?: ReadOptions): Promise<Buffer> {
    if (!opts?.background) return this.posix.read(path, offset, length, version);
    const absPath = await this.posix.localPath(path);
    let r: OffloadedResult;
    try {
      r = await this.run({ absPath, offset, length, version });
    } catch (err) {
      throw this.posix.toError(err, path);
    }
    if (r instanceof ArrayBuffer) {
      this.posix.countRead(r.byteLength);
      return Buffer.from(r);
    }
    if ('changed' in r) throw fileChanged(path);
    throw this.posix.toError(Object.assign(new Error(r.message), { code: r.errno }), path);
  }
}

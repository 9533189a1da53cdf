// A POSIX backend whose large background reads (prefetch of big blocks) run
// on worker threads, so a burst of bulk prefetch I/O never holds up the event
// loop or the I/O thread pool that serve foreground reads. A small background
// read (under `minBytes`: a 100 KB training sample) stays on the inner
// backend (the I/O thread pool): handing it to a worker and moving it back
// costs more than the read itself (measured: bench/realfs.ts, the cold epoch
// with prefetch-offload-min-size 0 vs the default). Everything else, and
// every foreground read, is the inner backend's, and so is every readCurrent
// (a file's first block, read before its size is known: the I/O thread pool). Paths are validated here
// (the inner localPath) before a worker sees them; a worker's failure comes
// back as an errno or FILE_CHANGED and becomes the inner backend's own named
// error and counter, so a read is counted, timed (observed-backend.ts),
// emulated (throttled-backend.ts) and bounded (deadline-backend.ts) the same
// wherever it ran. The bytes are moved back from the worker (Piscina.move),
// not copied.

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
  /** Background reads at least this long go to a worker (0: all of them). */
  private readonly minBytes: number;

  constructor(inner: PosixBackend, run: OffloadedReader, minBytes: number) {
    super(inner);
    this.posix = inner;
    this.run = run;
    this.minBytes = minBytes;
  }

  /** Whether this read runs on a worker thread (a background read of at least minBytes) rather than the I/O thread pool. */
  offloads(length: number, opts?: ReadOptions): boolean {
    return opts?.background === true && length >= this.minBytes;
  }

  override async read(path: string, offset: number, length: number, version: string, opts?: ReadOptions): Promise<Buffer> {
    if (!this.offloads(length, opts)) return this.posix.read(path, offset, length, version);
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

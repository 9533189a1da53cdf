// Write-through for when the SSD cannot take a file: the file's bytes go
// straight into one WritableBackend.write, which the training job feeds as
// it writes (sequentially; an object store takes nothing else), and the
// object appears when the file is closed. Back-pressure: write() waits while
// more than MAX_BUFFERED bytes are on their way, so a slow backend slows the
// writer instead of filling memory.

import type { BackendStat } from '../backend/types';
import type { PersistBackend } from './types';

const MAX_BUFFERED = 16 * 2 ** 20;

export class ThroughWriter {
  /** Backend path being written. */
  readonly path: string;
  /** Bytes accepted so far (the next write must start here). */
  size = 0;
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private failure: unknown;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly done: Promise<BackendStat>;

  constructor(backend: PersistBackend, path: string) {
    this.path = path;
    this.done = backend.write(path, this.body(), { signal: this.abort.signal });
    // The error is reported by push() or end(); never unhandled.
    this.done.catch((err) => {
      this.failure ??= err;
      this.wakeProducer?.();
    });
  }

  /** Appends bytes (copied: the caller may reuse its buffer). */
  async push(data: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.ended) throw new Error(`write-through of ${this.path} was already closed`);
    this.chunks.push(Buffer.from(data));
    this.buffered += data.length;
    this.size += data.length;
    this.wakeConsumer?.();
    while (this.buffered > MAX_BUFFERED && !this.failure) {
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
      this.wakeProducer = undefined;
    }
    if (this.failure) throw this.failure;
  }

  /** No more bytes: resolves with the object's stat once it is on the backend. */
  end(): Promise<BackendStat> {
    this.ended = true;
    this.wakeConsumer?.();
    return this.done;
  }

  /** Gives up: the backend write is aborted and nothing appears. */
  cancel(why: Error): void {
    this.failure ??= why;
    this.ended = true;
    this.abort.abort(why);
    this.wakeConsumer?.();
  }

  private async *body(): AsyncIterable<Uint8Array> {
    for (;;) {
      const c = this.chunks.shift();
      if (c) {
        this.buffered -= c.length;
        if (this.buffered <= MAX_BUFFERED) this.wakeProducer?.();
        yield c;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
      this.wakeConsumer = undefined;
    }
  }
}

// Write-through for when the SSD cannot take a file: the file's bytes go
// straight into one WritableBackend.write, which the training job feeds as
// it writes (sequentially; an object store takes nothing else), and the
// object appears when the file is closed. Back-pressure: write() waits while
// more than MAX_BUFFERED bytes are on their way, so a slow backend slows the
// writer instead of filling memory. Several writes may wait at once (the
// kernel's writeback cache sends many): each is woken.
//
// The last TAIL_BYTES accepted are kept, because the writeback cache sends
// a page again when the writer appended to it after it was sent: such a
// write starts before `size`, and is taken (its new bytes only) when the
// bytes it repeats are the ones already sent; any other write before `size`
// is refused.

import type { BackendStat } from '../backend/types';
import type { PersistBackend } from './types';

const MAX_BUFFERED = 16 * 2 ** 20;
/** Bytes of the end of the file kept to recognise a page sent again (one largest FUSE write). */
export const TAIL_BYTES = 2 ** 20;

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
  private wakeProducers: Array<() => void> = [];
  /** The last bytes accepted (at most TAIL_BYTES), ending at `size`. */
  private tail: Buffer = Buffer.alloc(0);
  private readonly abort = new AbortController();
  private readonly done: Promise<BackendStat>;

  constructor(backend: PersistBackend, path: string) {
    this.path = path;
    this.done = backend.write(path, this.body(), { signal: this.abort.signal });
    // The error is reported by push() or end(); never unhandled.
    this.done.catch((err) => {
      this.failure ??= err;
      this.wakeAll();
    });
  }

  /** Appends bytes (copied: the caller may reuse its buffer). */
  async push(data: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.ended) throw new Error(`write-through of ${this.path} was already closed`);
    this.chunks.push(Buffer.from(data));
    this.keepTail(data);
    this.buffered += data.length;
    this.size += data.length;
    this.wakeConsumer?.();
    while (this.buffered > MAX_BUFFERED && !this.failure) {
      await new Promise<void>((resolve) => this.wakeProducers.push(resolve));
    }
    if (this.failure) throw this.failure;
  }

  /**
   * How many leading bytes of a write at `offset` repeat bytes already
   * accepted (0 for a write at `size`), or -1 when the write cannot be
   * taken: it starts before what is kept, or changes bytes already sent.
   */
  repeated(data: Buffer, offset: number): number {
    if (offset === this.size) return 0;
    const tailStart = this.size - this.tail.length;
    if (offset > this.size || offset < tailStart) return -1;
    const overlap = Math.min(data.length, this.size - offset);
    const kept = this.tail.subarray(offset - tailStart, offset - tailStart + overlap);
    return kept.equals(data.subarray(0, overlap)) ? overlap : -1;
  }

  private keepTail(data: Buffer): void {
    if (data.length >= TAIL_BYTES) this.tail = Buffer.from(data.subarray(data.length - TAIL_BYTES));
    else {
      const joined = Buffer.concat([this.tail, data]);
      this.tail = joined.length > TAIL_BYTES ? Buffer.from(joined.subarray(joined.length - TAIL_BYTES)) : joined;
    }
  }

  private wakeAll(): void {
    const waiting = this.wakeProducers;
    this.wakeProducers = [];
    for (const wake of waiting) wake();
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
        if (this.buffered <= MAX_BUFFERED) this.wakeAll();
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

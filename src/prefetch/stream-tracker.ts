// Sequential readahead per (job, file) stream. Pure: the caller feeds reads
// and gets back the byte range to fetch ahead.
//
// The window starts at two blocks on the second consecutive sequential read,
// doubles while the stream stays sequential, is capped at max-readahead, and
// drops to zero on a random access (so random readers never pay for it).

/** Streams tracked at most; the least recently used is forgotten first. */
const MAX_STREAMS = 10_000;

interface StreamState {
  nextOffset: number;
  window: number;
  /** End (exclusive) of what has been queued ahead already. */
  queuedUpTo: number;
}

export interface ReadaheadRange {
  readonly start: number;
  readonly end: number;
}

export class StreamTracker {
  private readonly streams = new Map<string, StreamState>();
  private readonly blockSize: number;
  private readonly maxReadahead: number;

  constructor(blockSize: number, maxReadahead: number) {
    this.blockSize = blockSize;
    this.maxReadahead = maxReadahead;
  }

  /** Records a read; returns the range to fetch ahead, or undefined. */
  onRead(stream: string, offset: number, length: number, fileSize: number): ReadaheadRange | undefined {
    const end = offset + length;
    let s = this.streams.get(stream);
    if (s) this.streams.delete(stream);
    if (!s || offset !== s.nextOffset) {
      // New stream or a jump: no readahead until it proves sequential.
      s = { nextOffset: end, window: 0, queuedUpTo: end };
    } else {
      s.nextOffset = end;
      s.window = Math.min(this.maxReadahead, Math.max(2 * this.blockSize, s.window * 2));
    }
    this.streams.set(stream, s);
    if (this.streams.size > MAX_STREAMS) this.streams.delete(this.streams.keys().next().value!);
    if (s.window === 0 || end >= fileSize) return undefined;
    const start = Math.max(end, s.queuedUpTo);
    const stop = Math.min(fileSize, end + s.window);
    if (stop <= start) return undefined;
    s.queuedUpTo = stop;
    return { start, end: stop };
  }

  windowOf(stream: string): number {
    return this.streams.get(stream)?.window ?? 0;
  }
}

/** A directory's entries in name order, with each entry's position. */
export interface DirListing {
  readonly names: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
}

export function dirListing(names: readonly string[]): DirListing {
  return { names, indexOf: new Map(names.map((n, i) => [n, i])) };
}

/** Next-file prefetch: a client walking a directory in name order gets the next files fetched. */
export class WalkTracker {
  private readonly walks = new Map<string, { last: string; ordered: number }>();
  private readonly filesAhead: number;

  constructor(filesAhead: number) {
    this.filesAhead = filesAhead;
  }

  /**
   * Records the first read of `name` in a directory whose entries, in name
   * order, are `listing.names`. Returns the names to fetch ahead (possibly none).
   */
  onFileStart(walk: string, listing: DirListing, name: string): string[] {
    const names = listing.names;
    const w = this.walks.get(walk);
    const idx = listing.indexOf.get(name) ?? -1;
    if (!w || idx < 0) {
      this.walks.set(walk, { last: name, ordered: 0 });
      this.trim();
      return [];
    }
    const prevIdx = listing.indexOf.get(w.last) ?? -1;
    // In order: the successor, allowing a small skip (a filtered or failed sample).
    const inOrder = prevIdx >= 0 && idx > prevIdx && idx - prevIdx <= 3;
    w.ordered = inOrder ? w.ordered + 1 : 0;
    w.last = name;
    if (w.ordered < 2) return [];
    return names.slice(idx + 1, idx + 1 + this.filesAhead);
  }

  private trim(): void {
    if (this.walks.size > MAX_STREAMS) this.walks.delete(this.walks.keys().next().value!);
  }
}

// The bytes of upload messages (client-streaming calls: checkpoint Save)
// the daemon holds at once, across every upload, bounded by
// max-upload-buffer. A message is held from the moment it arrives from
// HTTP/2 until its handler has consumed it (written it to the SSD) or the
// call ends. An upload asks HTTP/2 for its next message only while the total
// is under the bound; past it, its read waits, its HTTP/2 stream stays
// paused, and flow control pushes back on the client, so a fast client
// over a slow disk waits instead of growing the heap. A read is let through
// whenever the total is under the bound, so one message larger than the
// bound still passes (alone), and every upload makes progress as the
// others' handlers consume what they hold.
// Pure: no I/O, no clock, no grpc.

export interface UploadBufferCounters {
  /** Bytes of upload messages held now. */
  readonly bytesHeld: number;
  /** Reads that had to wait for room, since start. */
  readonly waits: number;
}

export class UploadBuffer {
  readonly maxBytes: number;
  private used = 0;
  private waits = 0;
  /** Held messages: their bytes and the call that received them. */
  private readonly held = new Map<object, { readonly owner: object; readonly bytes: number }>();
  /** Held messages by call. */
  private readonly byOwner = new Map<object, Set<object>>();
  /** Reads waiting for room, oldest first. */
  private readonly waiting: Array<() => void> = [];

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get counters(): UploadBufferCounters {
    return { bytesHeld: this.used, waits: this.waits };
  }

  /** Runs `read` now when under the bound, else once there is room (in arrival order). Returns a function that withdraws it. */
  whenRoom(read: () => void): () => void {
    if (this.used < this.maxBytes && this.waiting.length === 0) {
      read();
      return () => {};
    }
    this.waits++;
    this.waiting.push(read);
    return () => {
      const i = this.waiting.indexOf(read);
      if (i >= 0) this.waiting.splice(i, 1);
      this.wake();
    };
  }

  /** A message of `bytes` arrived on call `owner`; it counts until released. */
  hold(owner: object, message: object, bytes: number): void {
    if (bytes <= 0 || this.held.has(message)) return;
    this.held.set(message, { owner, bytes });
    let set = this.byOwner.get(owner);
    if (!set) this.byOwner.set(owner, (set = new Set()));
    set.add(message);
    this.used += bytes;
  }

  /** The message was consumed; idempotent. */
  release(message: object): void {
    const h = this.held.get(message);
    if (!h) return;
    this.held.delete(message);
    const set = this.byOwner.get(h.owner)!;
    set.delete(message);
    if (set.size === 0) this.byOwner.delete(h.owner);
    this.used -= h.bytes;
    this.wake();
  }

  /** Call `owner` ended: every message it still holds goes back. */
  releaseAll(owner: object): void {
    for (const m of [...(this.byOwner.get(owner) ?? [])]) this.release(m);
  }

  private wake(): void {
    while (this.used < this.maxBytes && this.waiting.length > 0) this.waiting.shift()!();
  }
}

/** Bytes of the binary fields of a decoded message (SaveRequest.data). */
export function messageBytes(message: unknown): number {
  if (typeof message !== 'object' || message === null) return 0;
  let n = 0;
  for (const v of Object.values(message)) if (v instanceof Uint8Array) n += v.byteLength;
  return n;
}

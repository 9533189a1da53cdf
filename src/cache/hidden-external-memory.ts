// Takes the bytes of the blocks the memory tier holds off V8's count of
// external memory, and gives them back when the blocks leave the tier.
//
// Why: every block is a Buffer whose backing store V8 counts as external
// memory, and V8 starts a full mark-compact each time that count grows about
// 64 MB past where the last one left it. A tier filling up is nothing but
// such growth, yet none of it is garbage: the tier holds its blocks under its
// own byte budget and drops them itself. Hidden while held, the blocks the
// tier keeps cost no collections; a block it drops is given back and counts
// as garbage again, so under eviction V8 collects as it did before.
//
// Invariant (tests check it): hidden = the sum, over the distinct backing
// stores of the blocks held, of min(store's byteLength, bytes of the held
// blocks on it): never more than the blocks held (so never more than the
// tier's budget), never a store counted twice (the same Buffer held under two
// keys, views sharing one store), and 0 once every block is released.

/** Changes V8's external memory count by `change` bytes (napi_adjust_external_memory). */
export type AdjustExternalMemory = (change: number) => unknown;

interface StoreShare {
  /** Bytes of the held blocks on this store (views may overlap). */
  held: number;
  /** Bytes hidden for it: min(held, store.byteLength). */
  hidden: number;
}

export class HiddenExternalMemory {
  private readonly adjust: AdjustExternalMemory;
  /** Backing store -> what is held and hidden of it; only stores with held > 0. */
  private readonly stores = new Map<ArrayBufferLike, StoreShare>();
  private total = 0;

  constructor(adjust: AdjustExternalMemory) {
    this.adjust = adjust;
  }

  /** Bytes hidden from V8 right now. */
  get hiddenBytes(): number {
    return this.total;
  }

  /** A block entered the tier. */
  hold(data: Buffer): void {
    const store = data.buffer;
    // A SharedArrayBuffer is not counted per isolate by V8: nothing to hide.
    if (data.length === 0 || store instanceof SharedArrayBuffer) return;
    let share = this.stores.get(store);
    if (share === undefined) {
      share = { held: 0, hidden: 0 };
      this.stores.set(store, share);
    }
    share.held += data.length;
    this.settle(store, share);
  }

  /** A block left the tier (eviction, TTL, invalidation, delete, clear). */
  release(data: Buffer): void {
    const store = data.buffer;
    const share = this.stores.get(store);
    if (share === undefined || data.length === 0) return;
    share.held -= data.length;
    if (share.held <= 0) share.held = 0;
    this.settle(store, share);
    if (share.held === 0) this.stores.delete(store);
  }

  /** Gives everything back (the tier was cleared). */
  releaseAll(): void {
    if (this.total !== 0) this.adjust(this.total);
    this.total = 0;
    this.stores.clear();
  }

  private settle(store: ArrayBufferLike, share: StoreShare): void {
    // byteLength is 0 once a store was detached (transferred): then nothing of it is V8's to count here.
    const want = Math.min(share.held, store.byteLength);
    const change = want - share.hidden;
    if (change === 0) return;
    this.adjust(-change);
    share.hidden = want;
    this.total += change;
  }
}

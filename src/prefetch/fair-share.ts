// Fair prefetch: the blocks one job asked for explicitly (Prefetch) and has
// not read yet are bounded to a share of the memory tier, so one job's hint
// (a 1 TiB sparse file, say) can push out at most that share of the blocks
// other jobs read recently. Prefetched blocks are forced into memory (they
// are to be read soon), which is why the bound is on them: a block leaves
// the job's share when it is read, evicted, or its fetch fails or is
// skipped, so a job that reads what it prefetched may keep prefetching. A
// request beyond the share is cut, and the response says so. A warm-up is
// under the same share as an explicit Prefetch (prefetch-engine.ts holds
// the one FairShare both take from).
// Pure: no I/O, no clock.

import { formatBytes } from '../util/units';

interface Held {
  readonly job: string;
  readonly bytes: number;
}

export class FairShare {
  /** Bytes one job may hold; at least one block. */
  readonly shareBytes: number;
  private readonly byKey = new Map<string, Held>();
  /** Sum of byKey's bytes per job. */
  private readonly byJob = new Map<string, number>();

  constructor(shareBytes: number) {
    this.shareBytes = shareBytes;
  }

  held(job: string): number {
    return this.byJob.get(job) ?? 0;
  }

  /** Takes room for a block of `job`; false when its share would be exceeded. A key already held is not taken twice. */
  take(job: string, key: string, bytes: number): boolean {
    if (this.byKey.has(key)) return true;
    const held = this.held(job);
    if (held + bytes > this.shareBytes) return false;
    this.byKey.set(key, { job, bytes });
    this.byJob.set(job, held + bytes);
    return true;
  }

  /** The block was read, evicted, or will not be fetched: its bytes leave its job's share. */
  release(key: string): void {
    const h = this.byKey.get(key);
    if (!h) return;
    this.byKey.delete(key);
    const left = this.held(h.job) - h.bytes;
    if (left > 0) this.byJob.set(h.job, left);
    else this.byJob.delete(h.job);
  }
}

/** What a cut request's answer says (Prefetch's and Warmup's `message`). */
export function cutMessage(cutBlocks: number, heldBytes: number, shareBytes: number): string {
  return (
    `cut: ${cutBlocks} blocks not prefetched, this job already holds ${formatBytes(heldBytes)} of prefetched blocks it has not read ` +
    `(its share: ${formatBytes(shareBytes)}, prefetch-max-share of the memory tier); prefetch the rest once these are read`
  );
}

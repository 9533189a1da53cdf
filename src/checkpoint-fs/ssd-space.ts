// StagingSpace over the node's SSD budget (ssd-cache-size): staged checkpoint
// bytes and the SSD cache's blocks (and the checkpoint service's local
// copies) share one budget, and cache blocks give way to a checkpoint. The
// disk itself must keep at least SAFETY_MARGIN free besides: a staged write
// beyond that is refused here (and written through) rather than failing
// with ENOSPC halfway.

import { statfsSync } from 'node:fs';

/** Free space below which staging refuses new bytes, whatever the budget says. */
export const SAFETY_MARGIN_BYTES = 64 * 2 ** 20;
/** Re-check the disk's free space after this many reserved bytes (statfs is a syscall). */
const STATFS_EVERY_BYTES = 32 * 2 ** 20;

export interface SsdSpaceOptions {
  /** The SSD budget in bytes (ssd-cache-size). */
  readonly capacityBytes: number;
  /** Directory on the SSD (for statfs). */
  readonly dir: string;
  /** Bytes other tenants of the budget hold now (cache blocks, checkpoint copies). */
  readonly othersBytes: () => number;
  /** Asks other tenants to free `bytes` (cache blocks first); returns bytes freed. */
  readonly giveWay: (bytes: number) => number;
  /** Free bytes on the SSD filesystem (tests inject a fake disk). */
  readonly diskFree?: (dir: string) => number;
}

export class SsdSpace {
  private readonly o: SsdSpaceOptions;
  private readonly diskFree: (dir: string) => number;
  /** Bytes staged now (reserved minus released). */
  staged = 0;
  private sinceStatfs = Infinity;
  private lastFree = 0;

  constructor(opts: SsdSpaceOptions) {
    this.o = opts;
    this.diskFree =
      opts.diskFree ??
      ((dir) => {
        const s = statfsSync(dir);
        return s.bavail * s.bsize;
      });
  }

  reserve(bytes: number): boolean {
    const over = this.staged + bytes + this.o.othersBytes() - this.o.capacityBytes;
    if (over > 0) {
      this.o.giveWay(over);
      if (this.staged + bytes + this.o.othersBytes() > this.o.capacityBytes) return false;
    }
    this.sinceStatfs += bytes;
    if (this.sinceStatfs >= STATFS_EVERY_BYTES) {
      this.lastFree = this.diskFree(this.o.dir);
      this.sinceStatfs = 0;
    }
    if (this.lastFree - this.sinceStatfs < SAFETY_MARGIN_BYTES) {
      this.lastFree = this.diskFree(this.o.dir);
      this.sinceStatfs = 0;
      if (this.lastFree - bytes < SAFETY_MARGIN_BYTES) return false;
    }
    this.staged += bytes;
    return true;
  }

  release(bytes: number): void {
    this.staged = Math.max(0, this.staged - bytes);
  }
}

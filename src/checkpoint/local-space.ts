// Keeps local checkpoint copies inside the SSD budget: the filesystem's free
// space must stay above ssd-free-ratio of its size (the rule the block cache
// follows too). Short of space, local copies of PERSISTED checkpoints go
// first, oldest first; a save that still cannot fit fails with NO_SPACE
// before it writes past what the disk holds.

import { statfsSync } from 'node:fs';
import { noSpace } from '../errors';

export interface FsSpace {
  readonly free: number;
  readonly total: number;
}

export type Statfs = (dir: string) => FsSpace;

export const defaultStatfs: Statfs = (dir) => {
  const s = statfsSync(dir);
  return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
};

export interface Evictable {
  readonly jobId: string;
  readonly id: string;
  readonly size: number;
}

export interface LocalSpaceOptions {
  readonly dir: string;
  readonly freeRatio: number;
  readonly statfs?: Statfs;
  /** Local copies that may go, oldest first (PERSISTED ones only). */
  readonly evictable: () => Evictable[];
  readonly evict: (e: Evictable) => Promise<void>;
  /** Last resort before NO_SPACE: cache blocks on the same disk give way to a checkpoint. */
  readonly evictCache?: (bytes: number) => number;
}

export class LocalSpace {
  private readonly opts: LocalSpaceOptions;
  private readonly statfs: Statfs;

  constructor(opts: LocalSpaceOptions) {
    this.opts = opts;
    this.statfs = opts.statfs ?? defaultStatfs;
  }

  /**
   * Makes room for `bytes` more: evicts while free - bytes is under the floor.
   * Throws NO_SPACE only when the bytes would not fit on the disk at all; between
   * the floor and a full disk the save goes on (a checkpoint matters more than
   * the cache's headroom).
   */
  async ensure(bytes: number): Promise<void> {
    let fs = this.statfs(this.opts.dir);
    const floor = fs.total * this.opts.freeRatio;
    if (fs.free - bytes < floor) {
      for (const e of this.opts.evictable()) {
        await this.opts.evict(e);
        fs = this.statfs(this.opts.dir);
        if (fs.free - bytes >= floor) break;
      }
    }
    if (fs.free - bytes < floor && this.opts.evictCache) {
      this.opts.evictCache(floor - (fs.free - bytes));
      fs = this.statfs(this.opts.dir);
    }
    if (fs.free < bytes) {
      throw noSpace(
        `not enough space for the checkpoint in ${this.opts.dir}: ${fs.free} bytes free, ${bytes} more needed ` +
          `after dropping local copies of persisted checkpoints; the checkpoint was not saved`,
      );
    }
  }

  /** Best effort after a persist: brings free space back over the floor. */
  async relieve(): Promise<void> {
    await this.ensure(0).catch(() => {});
  }
}

// The one owner of the node's SSD space. Its tenants (the SSD block tier,
// the checkpoint manager's local copies, the checkpoint mount's staged
// files) ask it before they put bytes on the SSD and tell it when bytes are
// gone, so one ledger knows what the disk holds for tiercache.
//
// Rules, the same for every tenant:
// - Together the tenants stay within the configured size (ssd-cache-size),
//   and the filesystem keeps ssd-free-ratio of itself free (the floor).
// - When a reservation does not fit, what can go goes, in this order: the
//   persisted local copies of the checkpoint tenants (the asker's own first),
//   then cache blocks, least recently used first (the block tier's one
//   eviction loop). Cache blocks give way to checkpoint bytes (priority
//   tenants) and to themselves, never the other way round.
// - What still does not fit fails with NO_SPACE, a named error the caller
//   falls back on (the mount writes through; the block tier leaves the block
//   out; a checkpoint save is refused). A tenant with no fallback (a
//   checkpoint save) may pass the size and go below the floor, down to its
//   own minimum of free bytes, and takes all that can give way before it is
//   refused; for the others nothing is evicted for a reservation that would
//   be refused anyway.
// - The filesystem's free space is asked (statfs, a synchronous syscall) at
//   most once a second and once per 32 MiB reserved; in between, what the
//   tenants reserved and released since is applied to the last answer. A
//   refusal is always decided on a fresh answer.

import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCodes, hasCode, noSpace } from '../errors';
import { getErrorCode } from '../util/errors-message';

const STATFS_INTERVAL_MS = 1000;
const STATFS_EVERY_BYTES = 32 * 2 ** 20;

/** The tenants' names (one of each per daemon). */
export const SsdTenants = {
  CACHE_BLOCKS: 'cache-blocks',
  CHECKPOINTS: 'checkpoints',
  CHECKPOINT_MOUNT: 'checkpoint-mount',
} as const;
export type SsdTenantName = (typeof SsdTenants)[keyof typeof SsdTenants];

export interface FsSpace {
  readonly free: number;
  readonly total: number;
}

export type Statfs = (dir: string) => FsSpace;

/** statfs of `dir`, or of its nearest existing parent (a tenant may not have made its directory yet, or lost it). */
export const defaultStatfs: Statfs = (dir) => {
  for (let d = dir; ; d = dirname(d)) {
    try {
      const s = statfsSync(d);
      return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
    } catch (err) {
      if (getErrorCode(err) !== 'ENOENT' || dirname(d) === d) throw err;
    }
  }
};

export interface SsdBudgetOptions {
  /** A directory on the SSD (asked for its filesystem's free space). */
  readonly dir: string;
  /** ssd-cache-size: what all tenants together may hold. */
  readonly capacityBytes: number;
  /** ssd-free-ratio: the share of the filesystem kept free. */
  readonly freeRatio: number;
  readonly statfs?: Statfs;
  readonly now?: () => number;
}

export interface SsdTenantOptions {
  /** Cache blocks give way to this tenant's bytes (checkpoints); false for the blocks themselves. */
  readonly priority: boolean;
  /** What of this tenant's may go for others: persisted copies; for the block tier, any block. */
  readonly giveBack?: GiveBack;
  /**
   * No fallback (a checkpoint save): reservations may pass the configured
   * size, and take all that can give way before a refusal.
   */
  readonly mayExceedSize?: boolean;
  /** Free bytes the filesystem keeps after any reservation of this tenant; default the floor itself. */
  readonly minFreeBytes?: number;
  /** What a refusal names: "the checkpoint". */
  readonly what: string;
}

export interface GiveBack {
  /** Bytes free() could free now. */
  bytes(): number;
  /**
   * Frees up to `bytes` (copies oldest first, blocks least recently used
   * first), releasing them; called while another reservation is decided, so
   * it must not reserve.
   */
  free(bytes: number): void;
}

/** One tenant's handle on the budget, given to it at construction. */
export interface SsdTenant {
  readonly name: SsdTenantName;
  /** Bytes this tenant holds (reserved or adopted, minus released). */
  readonly usedBytes: number;
  /** Makes room for `bytes` more (others give way) and counts them; throws NO_SPACE when the SSD cannot take them. */
  reserve(bytes: number): void;
  /** reserve(), false instead of NO_SPACE (other errors, a failing statfs, still throw). */
  tryReserve(bytes: number): boolean;
  /** Counts bytes already on the SSD (found at start-up, copied) without asking. */
  adopt(bytes: number): void;
  /** Bytes of this tenant's are gone. */
  release(bytes: number): void;
  /**
   * The most this tenant may hold now: the size less what the others hold,
   * after their persisted copies gave way for `bytes` more (the block tier's
   * admission works within it).
   */
  share(bytes: number): number;
}

interface TenantState {
  readonly name: SsdTenantName;
  readonly opts: SsdTenantOptions;
  used: number;
}

/** The last statfs answer, when, and the ledger's total then. */
interface FsAnswer {
  readonly free: number;
  readonly total: number;
  readonly at: number;
  readonly used: number;
}

export class SsdBudget {
  readonly dir: string;
  readonly capacityBytes: number;
  readonly freeRatio: number;
  private readonly statfs: Statfs;
  private readonly now: () => number;
  /** Registration order; priority tenants are asked to give way in it. */
  private readonly list: TenantState[] = [];
  /** Sum of every tenant's `used`. */
  private used = 0;
  private last: FsAnswer | undefined;
  /** Bytes reserved since the last statfs. */
  private reservedSince = 0;

  constructor(opts: SsdBudgetOptions) {
    this.dir = opts.dir;
    this.capacityBytes = opts.capacityBytes;
    this.freeRatio = opts.freeRatio;
    this.statfs = opts.statfs ?? defaultStatfs;
    this.now = opts.now ?? Date.now;
  }

  /** Registers a tenant (each once, from its constructor). */
  tenant(name: SsdTenantName, opts: SsdTenantOptions): SsdTenant {
    if (this.list.some((t) => t.name === name)) throw new Error(`SSD tenant ${name} is registered twice`);
    const t: TenantState = { name, opts, used: 0 };
    this.list.push(t);
    return {
      name,
      get usedBytes() {
        return t.used;
      },
      reserve: (bytes) => this.reserve(t, bytes),
      tryReserve: (bytes) => {
        try {
          this.reserve(t, bytes);
          return true;
        } catch (err) {
          if (hasCode(err, ErrorCodes.NO_SPACE)) return false;
          throw err;
        }
      },
      adopt: (bytes) => this.add(t, bytes),
      release: (bytes) => this.release(t, bytes),
      share: (bytes) => this.share(t, bytes),
    };
  }

  /** Bytes all tenants hold. */
  get usedBytes(): number {
    return this.used;
  }

  /** Each tenant's bytes, in registration order (stats). */
  tenants(): Array<{ name: SsdTenantName; usedBytes: number }> {
    return this.list.map((t) => ({ name: t.name, usedBytes: t.used }));
  }

  private reserve(t: TenantState, bytes: number): void {
    if (!(bytes >= 0)) throw new RangeError(`an SSD reservation must be a byte count >= 0, got ${bytes}`);
    // 1. The configured size.
    const over = this.used + bytes - this.capacityBytes;
    if (over > 0 && (t.opts.mayExceedSize || over <= this.couldFree(t, true))) this.giveWay(t, over, true);
    if (this.used + bytes > this.capacityBytes && !t.opts.mayExceedSize) {
      throw noSpace(
        `not enough space for ${t.opts.what}: the SSD budget (ssd-cache-size ${this.capacityBytes} bytes) holds ` +
          `${this.used} bytes that cannot give way, ${bytes} more needed`,
      );
    }
    // 2. The filesystem: keep the floor when others can give way, and never cross the tenant's minimum.
    let fs = this.last;
    let fresh = false;
    if (!fs || this.now() - fs.at >= STATFS_INTERVAL_MS || this.reservedSince + bytes >= STATFS_EVERY_BYTES) {
      fs = this.refresh();
      fresh = true;
    }
    let free = this.freeNow(fs);
    let floor = fs.total * this.freeRatio;
    if (!fresh && free - bytes < Math.max(floor, t.opts.minFreeBytes ?? 0)) {
      fs = this.refresh();
      free = this.freeNow(fs);
      floor = fs.total * this.freeRatio;
    }
    const min = t.opts.minFreeBytes ?? floor;
    const want = Math.max(floor, min) - (free - bytes);
    // Others give way for the floor, unless even all they could give would leave this under its minimum.
    if (want > 0 && (t.opts.mayExceedSize || min - (free - bytes) <= this.couldFree(t, true))) {
      this.giveWay(t, want, true);
      free = this.freeNow(fs);
    }
    if (free - bytes < min) {
      throw noSpace(
        `not enough space for ${t.opts.what} in ${this.dir}: ${Math.max(0, Math.floor(free))} bytes free, ${bytes} more needed ` +
          `(keeping ${Math.ceil(min)} free) after persisted checkpoint copies and cache blocks gave way`,
      );
    }
    this.add(t, bytes);
    this.reservedSince += bytes;
  }

  private share(t: TenantState, bytes: number): number {
    const over = this.used + bytes - this.capacityBytes;
    if (over > 0) this.giveWay(t, over, false);
    return Math.max(0, this.capacityBytes - (this.used - t.used));
  }

  /** Asks the tenants that give way to `asker` (see yieldersTo) to free `bytes`, in order, until they have. */
  private giveWay(asker: TenantState, bytes: number, blocks: boolean): void {
    const target = this.used - bytes;
    for (const t of this.yieldersTo(asker, blocks)) {
      if (this.used <= target) return;
      t.opts.giveBack?.free(this.used - target);
    }
  }

  private couldFree(asker: TenantState, blocks: boolean): number {
    let n = 0;
    for (const t of this.yieldersTo(asker, blocks)) n += t.opts.giveBack?.bytes() ?? 0;
    return n;
  }

  /**
   * Who gives way to `asker`, in order: priority tenants' copies (the asker's
   * own first), then, with `blocks`, the non-priority tenants (to a priority
   * asker) or the asker itself.
   */
  private yieldersTo(asker: TenantState, blocks: boolean): TenantState[] {
    const order: TenantState[] = [];
    if (asker.opts.priority) order.push(asker);
    for (const t of this.list) if (t.opts.priority && t !== asker) order.push(t);
    if (blocks && asker.opts.priority) {
      for (const t of this.list) if (!t.opts.priority) order.push(t);
    } else if (blocks) {
      order.push(asker);
    }
    return order;
  }

  private refresh(): FsAnswer {
    let s: FsSpace;
    try {
      s = this.statfs(this.dir);
    } catch (err) {
      this.last = undefined;
      throw err;
    }
    this.reservedSince = 0;
    return (this.last = { free: s.free, total: s.total, at: this.now(), used: this.used });
  }

  /** Free bytes now: the answer, less what the tenants gained since (or plus what they released). */
  private freeNow(fs: FsAnswer): number {
    return fs.free - (this.used - fs.used);
  }

  private add(t: TenantState, bytes: number): void {
    t.used += bytes;
    this.used += bytes;
  }

  private release(t: TenantState, bytes: number): void {
    // Never below zero: a tenant that releases more than it holds does not lend bytes to the others.
    const n = Math.min(bytes, t.used);
    t.used -= n;
    this.used -= n;
  }
}

// Room on the SSD for one checkpoint being written locally (a save, a
// hand-off, a backend copy staged by a load), held on the checkpoint
// manager's tenant of the SSD's space owner (cache/ssd-budget.ts). It grows
// as the file is written; once committed, the file's size stays the
// tenant's (a local copy), and a failed save gives everything back.

import { ErrorCodes, hasCode, noSpace } from '../errors';
import type { SsdTenant } from '../cache/ssd-budget';
import { getErrorMessage } from '../util/errors-message';

export class SaveSpace {
  private readonly tenant: SsdTenant;
  /** Resolves once the files of copies dropped to make room are gone from the disk. */
  private readonly settled: () => Promise<void>;
  /** Bytes reserved or adopted for this file, not yet kept or given back. */
  private held = 0;

  constructor(tenant: SsdTenant, settled: () => Promise<void>) {
    this.tenant = tenant;
    this.settled = settled;
  }

  /**
   * Makes room for `bytes` more (local copies of persisted checkpoints, then
   * cache blocks give way) or throws NO_SPACE; waits for dropped copies to
   * leave the disk before the caller writes into their room.
   */
  async ensure(bytes: number): Promise<void> {
    try {
      this.tenant.reserve(bytes);
      this.held += bytes;
    } catch (err) {
      if (!hasCode(err, ErrorCodes.NO_SPACE)) throw err;
      throw noSpace(`${getErrorMessage(err)}; the checkpoint was not saved`);
    } finally {
      await this.settled();
    }
  }

  /** A file already on the SSD (taken over from the hand-off directory). */
  adopt(bytes: number): void {
    this.tenant.adopt(bytes);
    this.held += bytes;
  }

  /** Committed at `size` bytes: those stay the tenant's, the rest of what was reserved goes back. */
  keep(size: number): void {
    if (this.held > size) this.tenant.release(this.held - size);
    else if (this.held < size) this.tenant.adopt(size - this.held);
    this.held = 0;
  }

  /** The file was not kept: everything goes back. */
  drop(): void {
    this.tenant.release(this.held);
    this.held = 0;
  }
}

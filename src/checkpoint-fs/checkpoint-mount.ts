// The writable checkpoint mount (--checkpoint-mount) as one part of the
// daemon: the CheckpointFs over the backend's write operations and the cached
// store, its tenant of the SSD's space owner (cache/ssd-budget.ts), and the
// FUSE mount that serves it. The composition root serves its CheckpointMount
// service and stats section.
//
// Staged bytes take priority over cache blocks (they give way), inside
// ssd-cache-size; what the SSD cannot take is refused, and the file is
// written through to the backend instead. The disk keeps STAGING_MIN_FREE_BYTES
// free besides, so a staged write is refused rather than failing with ENOSPC
// halfway.
//
// Start: recover (staged files resume persisting), then mount. Stop (after
// the gRPC drain): unmount, give the persister up to flush-timeout to empty
// the queue, then stop; what is left resumes at the next start.

import type { Backend } from '../backend/types';
import type { CachedStore } from '../cache/cached-store';
import { SsdTenants, type SsdBudget } from '../cache/ssd-budget';
import type { CheckpointMountConfig } from '../config/types';
import type { MountFilesystem } from '../fuse/types';
import type { Logger } from '../log';
import type { Part } from '../util/part';
import { CheckpointFs } from './checkpoint-fs';
import { BackendRemoteTree } from './remote-tree';

/** A mounted filesystem, as the FUSE mount gives it. */
export interface Mounted {
  readonly dir: string;
  unmount(): Promise<void>;
}

export type MountFn = (dir: string, fs: MountFilesystem, log: Logger) => Promise<Mounted>;

/** Free space below which staging refuses new bytes, whatever the budget says. */
export const STAGING_MIN_FREE_BYTES = 64 * 2 ** 20;

export interface CheckpointMountOptions {
  readonly config: CheckpointMountConfig;
  /** The SSD's space owner: staged files share it with cache blocks and checkpoint copies. */
  readonly budget: SsdBudget;
  readonly attrTimeoutS: number;
  readonly backend: Backend;
  readonly store: CachedStore;
  readonly mount: MountFn;
  readonly log: Logger;
}

export class CheckpointMount implements Part {
  readonly name = 'checkpoint-mount';
  readonly fs: CheckpointFs;
  readonly dir: string;
  private readonly opts: CheckpointMountOptions;
  private mounted: Mounted | undefined;

  constructor(opts: CheckpointMountOptions) {
    const c = opts.config;
    const backend = opts.backend;
    this.opts = opts;
    this.dir = c.dir;
    // Our own persisted copies give way first (the owner asks), then the checkpoint manager's, then cache blocks.
    const space = opts.budget.tenant(SsdTenants.CHECKPOINT_MOUNT, {
      priority: true,
      minFreeBytes: STAGING_MIN_FREE_BYTES,
      what: 'a staged checkpoint file',
      giveBack: { bytes: () => this.fs.reclaimableBytes, free: (n) => this.fs.reclaim(n) },
    });
    this.fs = new CheckpointFs({
      stagingDir: c.stagingDir,
      root: c.root,
      backend,
      remote: new BackendRemoteTree(backend, opts.store),
      // A refusal (NO_SPACE) is the writers' cue to write through.
      space: { reserve: (n) => space.tryReserve(n), release: (n) => space.release(n), adopt: (n) => space.adopt(n) },
      log: opts.log,
      attrTimeoutS: opts.attrTimeoutS,
    });
  }

  async start(): Promise<void> {
    await this.fs.start();
    this.mounted = await this.opts.mount(this.dir, this.fs, this.opts.log);
    this.opts.log.info('checkpoint mount ready', { dir: this.mounted.dir, backendRoot: this.opts.config.root, staging: this.opts.config.stagingDir });
  }

  async stop(): Promise<void> {
    this.fs.detach();
    await this.mounted?.unmount();
    await this.fs.stop(this.opts.config.flushTimeoutMs);
  }
}

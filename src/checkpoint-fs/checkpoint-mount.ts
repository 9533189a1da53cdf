// The writable checkpoint mount (--checkpoint-mount) as one part of the
// daemon: the CheckpointFs over the backend's write operations and the cached
// store, its share of the SSD budget, and the FUSE mount that serves it. The
// composition root serves its CheckpointMount service and stats section.
//
// Start: recover (staged files resume persisting), then mount. Stop (after
// the gRPC drain): unmount, give the persister up to flush-timeout to empty
// the queue, then stop; what is left resumes at the next start.

import type { Backend } from '../backend/types';
import type { CachedStore } from '../cache/cached-store';
import type { CheckpointMountConfig } from '../config/types';
import type { MountFilesystem } from '../fuse/types';
import type { Logger } from '../log';
import type { Part } from '../util/part';
import { CheckpointFs } from './checkpoint-fs';
import { BackendRemoteTree } from './remote-tree';
import { SsdSpace } from './ssd-space';

/** A mounted filesystem, as the FUSE mount gives it. */
export interface Mounted {
  readonly dir: string;
  unmount(): Promise<void>;
}

export type MountFn = (dir: string, fs: MountFilesystem, log: Logger) => Promise<Mounted>;

/** The other tenants of the SSD budget: cache blocks and the checkpoint service's local copies. */
export interface SsdNeighbours {
  /** Bytes they hold now. */
  bytes(): number;
  /** Frees up to `bytes` of theirs; returns what was freed at once. */
  reclaim(bytes: number): number;
}

export interface CheckpointMountOptions {
  readonly config: CheckpointMountConfig;
  /** ssd-cache-size: the budget staged files share with cache blocks and checkpoint copies. */
  readonly ssdCacheSize: number;
  readonly attrTimeoutS: number;
  readonly backend: Backend;
  readonly store: CachedStore;
  readonly neighbours: SsdNeighbours;
  readonly mount: MountFn;
  readonly log: Logger;
}

export class CheckpointMount implements Part {
  readonly name = 'checkpoint-mount';
  readonly fs: CheckpointFs;
  readonly dir: string;
  private readonly space: SsdSpace;
  private readonly opts: CheckpointMountOptions;
  private mounted: Mounted | undefined;

  constructor(opts: CheckpointMountOptions) {
    const c = opts.config;
    const backend = opts.backend;
    this.opts = opts;
    this.dir = c.dir;
    const space = new SsdSpace({
      capacityBytes: opts.ssdCacheSize,
      dir: c.stagingDir,
      othersBytes: () => opts.neighbours.bytes(),
      // Our own persisted copies first, then the neighbours' (cache blocks; checkpoint copies free asynchronously).
      giveWay: (n) => {
        let freed = this.fs.reclaim(n);
        if (freed < n) freed += opts.neighbours.reclaim(n - freed);
        return freed;
      },
    });
    this.space = space;
    this.fs = new CheckpointFs({
      stagingDir: c.stagingDir,
      root: c.root,
      backend,
      remote: new BackendRemoteTree(backend, opts.store),
      space,
      log: opts.log,
      attrTimeoutS: opts.attrTimeoutS,
    });
  }

  /** Bytes of the SSD budget staged files hold now. */
  get stagedBytes(): number {
    return this.space.staged;
  }

  /** Frees up to `bytes` of local copies already on the backend; returns what was freed. */
  reclaim(bytes: number): number {
    return this.fs.reclaim(bytes);
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

// Attaches the writable checkpoint mount to a daemon (--checkpoint-mount):
// the CheckpointFs over the backend's write operations and the cached store,
// its share of the SSD budget, the FUSE mount that serves it, the
// CheckpointMount service (wait), and its Admin.Stats section.
//
// Start: recover (staged files resume persisting), then mount. Stop (after
// the gRPC drain): unmount, give the persister up to flush-timeout to empty
// the queue, then stop; what is left resumes at the next start.

import type { MountFilesystem } from '../fuse/types';
import type { Logger } from '../log';
import type { Daemon } from '../server/daemon';
import { CheckpointFs } from './checkpoint-fs';
import { checkpointMountService } from './mount-service';
import { BackendRemoteTree } from './remote-tree';
import { SsdSpace } from './ssd-space';
import { mountStatsJson } from './stats-json';

/** A mounted filesystem, as the FUSE mount gives it. */
export interface Mounted {
  readonly dir: string;
  unmount(): Promise<void>;
}

export type MountFn = (dir: string, fs: MountFilesystem, log: Logger) => Promise<Mounted>;

/** Other tenants of the SSD budget besides cache blocks (the checkpoint service's local copies). */
export interface BudgetTenant {
  readonly localBytes: number;
  reclaimPersistedLocal(bytes: number): Promise<number>;
}

export function attachCheckpointMount(daemon: Daemon, mount: MountFn, tenant?: BudgetTenant): CheckpointFs | undefined {
  const c = daemon.config.checkpointMount;
  if (!c) return undefined;
  const backend = daemon.backend;
  const log = daemon.log.child({ component: 'checkpoint-mount' });
  const disk = daemon.store.disk;
  let fs: CheckpointFs | undefined;
  const space = new SsdSpace({
    capacityBytes: daemon.config.ssdCacheSize,
    dir: c.stagingDir,
    othersBytes: () => disk.snapshot().usedBytes + (tenant?.localBytes ?? 0),
    // Our own persisted copies first, then cache blocks (the checkpoint service's copies free asynchronously).
    giveWay: (n) => {
      let freed = fs?.reclaim(n) ?? 0;
      if (freed < n) freed += disk.reclaim(n - freed);
      return freed;
    },
  });
  fs = new CheckpointFs({
    stagingDir: c.stagingDir,
    root: c.root,
    backend,
    remote: new BackendRemoteTree(backend, daemon.store),
    space,
    log,
    attrTimeoutS: Math.max(0.1, daemon.config.metadataTtlMs / 1000),
  });
  const theFs = fs;
  // Cache blocks shrink by what staged files and checkpoint copies hold, and ask them to give back first.
  disk.shareBudget({
    bytes: () => space.staged + (tenant?.localBytes ?? 0),
    reclaim: async (n) => {
      let freed = theFs.reclaim(n);
      if (freed < n && tenant) freed += await tenant.reclaimPersistedLocal(n - freed);
      return freed;
    },
  });
  let mounted: Mounted | undefined;
  daemon.provideService('CheckpointMount', checkpointMountService(daemon.callTracker, theFs, c.dir));
  daemon.stats.register('checkpoint_mount', () => mountStatsJson(theFs, c.dir));
  daemon.attach({
    name: 'checkpoint-mount',
    start: async () => {
      await theFs.start();
      mounted = await mount(c.dir, theFs, log);
      log.info('checkpoint mount ready', { dir: mounted.dir, backendRoot: c.root, staging: c.stagingDir });
    },
    stop: async () => {
      theFs.detach();
      await mounted?.unmount();
      await theFs.stop(c.flushTimeoutMs);
    },
  });
  return theFs;
}

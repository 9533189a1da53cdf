// Attaches the checkpoint manager to a daemon: the Checkpoints service, the
// persister as a subsystem, the Admin.Stats section, and the metrics view.

import type { Daemon } from '../server/daemon';
import { CheckpointManager } from './checkpoint-manager';
import { checkpointService } from '../server/checkpoint-service';
import type { CheckpointMetricsView } from './types';

const views = new WeakMap<Daemon, CheckpointMetricsView>();

/** The checkpoint metrics of a daemon, for the metrics subsystem (undefined when not attached). */
export function checkpointMetricsFor(daemon: Daemon): CheckpointMetricsView | undefined {
  return views.get(daemon);
}

export function attachCheckpoints(daemon: Daemon): CheckpointManager {
  const c = daemon.config;
  const mgr = new CheckpointManager({
    localDir: c.checkpointDir,
    handoffDir: c.checkpointHandoffDir,
    evictCache: (bytes) => daemon.store.disk.reclaim(bytes),
    backend: daemon.backend,
    root: c.checkpointRoot,
    maxCheckpoints: c.maxCheckpoints,
    freeRatio: c.ssdFreeRatio,
    streamChunkSize: c.streamChunkSize,
    log: daemon.log.child({ component: 'checkpoints' }),
  });
  // Local copies count against the SSD budget, and persisted ones go before cache blocks.
  daemon.store.disk.shareBudget({ bytes: () => mgr.localBytes, reclaim: (n) => mgr.reclaimPersistedLocal(n) });
  daemon.provideService('Checkpoints', checkpointService(daemon.callTracker, mgr));
  daemon.attach({ name: 'checkpoints', start: () => mgr.start(), stop: () => mgr.stop() });
  daemon.stats.register('checkpoints', () => mgr.metrics.statsSection());
  views.set(daemon, mgr.metrics);
  return mgr;
}

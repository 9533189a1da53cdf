// Attaches the optional subsystems (prefetch, checkpoints, peers, metrics)
// to a daemon. Each lives in its own folder and registers itself here.

import type { Daemon } from './daemon';
import { attachCheckpoints, checkpointMetricsFor } from '../checkpoint';
import { DurationKinds } from '../checkpoint/types';
import { attachMetrics } from '../metrics/attach';
import { observeCheckpointRestore, observeCheckpointSave } from '../metrics/checkpoint-timings';
import { attachPeerTier } from '../peer/peer-tier';
import { attachPrefetch } from '../prefetch/attach';
import { attachCheckpointMount } from '../checkpoint-fs/attach';
import { FuseMount } from '../fuse/fuse-mount';

export async function attachSubsystems(daemon: Daemon): Promise<void> {
  attachPeerTier(daemon);
  attachPrefetch(daemon);
  const checkpoints = attachCheckpoints(daemon);
  // Pods run as any uid: allow_other (mount-allow-other), as the read-only mount.
  attachCheckpointMount(daemon, (dir, fs, log) => FuseMount.mount(dir, fs, { log, allowOther: daemon.config.mountAllowOther, fsName: 'tiercache-checkpoints' }), checkpoints);
  // Checkpoint timings feed the save/restore histograms.
  checkpointMetricsFor(daemon)?.onDuration((kind, seconds, source) => {
    if (kind === DurationKinds.RESTORE) observeCheckpointRestore(daemon, seconds, source ?? 'local');
    else observeCheckpointSave(daemon, seconds, kind === DurationKinds.SAVE_LOCAL ? 'local' : 'persist');
  });
  // Last: it reads every other subsystem's counters.
  attachMetrics(daemon);
}

// The histograms of checkpoint saves and restores. The checkpoint engine
// owns the clock (it knows when a phase ends) and reports each duration to
// the observer it was built with (MetricsHistograms.checkpointObserver):
//   save phase=local    checkpoint on the SSD, Save answered (async)
//   save phase=persist  checkpoint on the backend (sync Save waits for it)
//   restore source=local|backend
//
// Failures are not reported here: they are read from the `failures` field of
// the checkpoints Admin.Stats section.

import { BucketHistogram } from './bucket-histogram';
import type { CheckpointRestoreSource, CheckpointSavePhase, CheckpointTimings } from './types';

/** Seconds; 30 and 60 are alert thresholds, so they are exact bucket edges. */
export const CHECKPOINT_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 300, 600, 1800] as const;

export class CheckpointHistograms implements CheckpointTimings {
  readonly save = new BucketHistogram<CheckpointSavePhase>({
    name: 'tiercache_checkpoint_save_duration_seconds',
    help: 'Time to save a checkpoint: phase=local until it is on the node SSD, phase=persist until it is on the backend.',
    labelName: 'phase',
    labelValues: ['local', 'persist'],
    buckets: CHECKPOINT_BUCKETS,
  });
  readonly restore = new BucketHistogram<CheckpointRestoreSource>({
    name: 'tiercache_checkpoint_restore_duration_seconds',
    help: 'Time to restore (load) a checkpoint, by where it was read from (local SSD or backend).',
    labelName: 'source',
    labelValues: ['local', 'backend'],
    buckets: CHECKPOINT_BUCKETS,
  });

  observeSave(seconds: number, phase: CheckpointSavePhase): void {
    this.save.observe(phase, seconds);
  }

  observeRestore(seconds: number, source: CheckpointRestoreSource): void {
    this.restore.observe(source, seconds);
  }
}

// Counters and duration observations of the checkpoint manager, kept here so
// the module has no dependency on a metrics library: counters are read into
// Admin.Stats, durations go to the observer it is built with (the metrics
// histograms, when the metrics endpoint is on).

import type { CheckpointStats } from '../protocol/types';
import type { CheckpointCounters, DurationKind, DurationObserver, RestoreSource } from './types';

export const newCheckpointCounters = (): CheckpointCounters => ({
  saves: 0,
  saveFailures: 0,
  persists: 0,
  persistFailures: 0,
  loads: 0,
  loadFailures: 0,
  bytesSaved: 0,
  bytesPersisted: 0,
  bytesLoaded: 0,
  corruptLocal: 0,
  retentionDeletes: 0,
  spaceEvictions: 0,
  partialsCleaned: 0,
});

export class CheckpointMetrics {
  readonly counters: CheckpointCounters = newCheckpointCounters();
  private readonly observer: DurationObserver | undefined;
  private readonly pendingFn: () => number;
  private readonly localBytesFn: () => number;

  constructor(pending: () => number, localBytes: () => number, observer?: DurationObserver) {
    this.pendingFn = pending;
    this.localBytesFn = localBytes;
    this.observer = observer;
  }

  pendingPersist(): number {
    return this.pendingFn();
  }

  localBytes(): number {
    return this.localBytesFn();
  }

  observe(kind: DurationKind, startedMs: number, nowMs: number, source?: RestoreSource): void {
    this.observer?.(kind, (nowMs - startedMs) / 1000, source);
  }

  /**
   * The Admin.Stats section (CheckpointStats in admin.proto). `failures` are
   * failed saves plus failed persist attempts; the ratio is over all save
   * and persist attempts.
   */
  statsSection(): CheckpointStats {
    const c = this.counters;
    const failures = c.saveFailures + c.persistFailures;
    const attempts = c.saves + c.persists + failures;
    return {
      saves: c.saves,
      loads: c.loads,
      failures,
      failure_ratio: attempts === 0 ? 0 : failures / attempts,
      pending_persist: this.pendingPersist(),
      bytes_saved: c.bytesSaved,
      bytes_loaded: c.bytesLoaded,
      local_bytes: this.localBytes(),
    };
  }
}

// Counters and duration observations of the checkpoint manager, kept here so
// the module has no dependency on a metrics library; the metrics subsystem
// binds prom-client to the CheckpointMetricsView (see types.ts).

import type {
  CheckpointCounters,
  CheckpointMetricsView,
  DurationKind,
  DurationObserver,
  RestoreSource,
} from './types';

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

export class CheckpointMetrics implements CheckpointMetricsView {
  readonly counters: CheckpointCounters = newCheckpointCounters();
  private readonly observers = new Set<DurationObserver>();
  private readonly pendingFn: () => number;
  private readonly localBytesFn: () => number;

  constructor(pending: () => number, localBytes: () => number) {
    this.pendingFn = pending;
    this.localBytesFn = localBytes;
  }

  pendingPersist(): number {
    return this.pendingFn();
  }

  localBytes(): number {
    return this.localBytesFn();
  }

  onDuration(fn: DurationObserver): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  observe(kind: DurationKind, startedMs: number, nowMs: number, source?: RestoreSource): void {
    const seconds = (nowMs - startedMs) / 1000;
    for (const fn of this.observers) fn(kind, seconds, source);
  }

  /**
   * The Admin.Stats section (CheckpointStats in admin.proto). `failures` are
   * failed saves plus failed persist attempts; the ratio is over all save
   * and persist attempts.
   */
  statsSection(): Record<string, number> {
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

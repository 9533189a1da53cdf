// The alert thresholds of issue #6, in base units. daemonset/alerts/
// tiercache-rules.yaml uses the same numbers (a test checks it), and
// `tiercache diagnose` judges its figures by them.

export type Verdict = 'OK' | 'WARNING' | 'CRITICAL';

export interface Threshold {
  /** The alert in tiercache-rules.yaml that watches this figure. */
  readonly alert: string;
  readonly warning: number;
  readonly critical: number;
  /** True when low values are bad (throughput, hit ratios). */
  readonly below: boolean;
  readonly unit: 'bytes/s' | 'seconds' | 'ratio' | 'per second';
}

export const THRESHOLDS = {
  readThroughput: { alert: 'TiercacheReadThroughputLow', warning: 100e6, critical: 50e6, below: true, unit: 'bytes/s' },
  readLatency: { alert: 'TiercacheReadLatencyHigh', warning: 0.1, critical: 0.5, below: false, unit: 'seconds' },
  prefetchHitRatio: { alert: 'TiercachePrefetchHitRatioLow', warning: 0.8, critical: 0.6, below: true, unit: 'ratio' },
  checkpointSave: { alert: 'TiercacheCheckpointSaveSlow', warning: 30, critical: 60, below: false, unit: 'seconds' },
  checkpointRestore: { alert: 'TiercacheCheckpointRestoreSlow', warning: 30, critical: 60, below: false, unit: 'seconds' },
  checkpointFailureRatio: { alert: 'TiercacheCheckpointFailures', warning: 0.05, critical: 0.1, below: false, unit: 'ratio' },
  cacheHitRatio: { alert: 'TiercacheCacheHitRatioLow', warning: 0.85, critical: 0.7, below: true, unit: 'ratio' },
  evictionsPerSecond: { alert: 'TiercacheEvictionsHigh', warning: 1000, critical: 5000, below: false, unit: 'per second' },
} as const satisfies Record<string, Threshold>;

export type ThresholdName = keyof typeof THRESHOLDS;

/** The verdict an alert would give this value (strictly past the threshold, as the rules compare). */
export function judge(name: ThresholdName, value: number): Verdict {
  const t: Threshold = THRESHOLDS[name];
  const past = (limit: number) => (t.below ? value < limit : value > limit);
  if (past(t.critical)) return 'CRITICAL';
  if (past(t.warning)) return 'WARNING';
  return 'OK';
}

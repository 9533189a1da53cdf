// Contracts of `tiercache diagnose`: its options and the JSON report it
// writes (snake_case, like the daemon's own JSON). Figures a threshold
// applies to carry a verdict from src/metrics/thresholds.ts.

import type { ThresholdName, Verdict } from '../metrics/thresholds';
import type { StatsResponse } from '../protocol/types';

export interface DiagnoseOptions {
  /** Bytes of the test file written into the backend. */
  readonly size: number;
  /** Parallel 4 KiB readers in the random-read test. */
  readonly concurrency: number;
  /** How long the random-read test runs, ms. */
  readonly randomMs: number;
  /** Largest test checkpoint, bytes. */
  readonly checkpointSize: number;
}

/** Reports what the diagnosis is doing (stderr in the CLI). */
export type Progress = (step: string) => void;

export interface ThroughputResult {
  bytes: number;
  seconds: number;
  bytes_per_second: number;
  /** Bytes the daemon read from the backend during the test (cold reads should be all of them). */
  backend_bytes?: number;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface RandomReadResult {
  block_size: number;
  concurrency: number;
  reads: number;
  errors: number;
  seconds: number;
  iops: number;
  latency_seconds: LatencySummary;
}

export interface CheckpointResult {
  available: boolean;
  note?: string;
  bytes?: number;
  save_seconds?: number;
  restore_seconds?: number;
  /** Restored bytes equal the saved ones. */
  verified?: boolean;
  error?: string;
}

export interface FioResult {
  available: boolean;
  note?: string;
  sequential_read_bytes_per_second?: number;
  random_read_iops?: number;
  random_read_p99_seconds?: number;
  error?: string;
}

export interface DiskSpace {
  path: string;
  total_bytes?: number;
  free_bytes?: number;
  error?: string;
}

export interface HostFacts {
  hostname: string;
  kernel: string;
  os: string;
  arch: string;
  cpus: number;
  cpu_model: string;
  load_average: number[];
  memory_total_bytes: number;
  memory_free_bytes: number;
  cache_dir: DiskSpace;
  backend_dir: DiskSpace;
}

/** N/A: the figure exists but there was too little activity to judge it. */
export type JudgedVerdict = Verdict | 'N/A';

export interface Judgement {
  figure: string;
  value: number;
  unit: string;
  verdict: JudgedVerdict;
  threshold: ThresholdName;
  warning: number;
  critical: number;
  note?: string;
}

export interface MetricsEndpointCheck {
  listen: string | null;
  reachable: boolean;
  /** Why it was not checked. */
  note?: string;
  error?: string;
}

export interface DiagnoseReport {
  tool: 'tiercache diagnose';
  started_at: string;
  duration_seconds: number;
  socket: string;
  options: { size: number; concurrency: number; random_seconds: number };
  daemon: { version: string; uptime_seconds: number };
  config: Record<string, unknown>;
  host: HostFacts;
  tests: {
    backend_write: ThroughputResult;
    sequential_read: { read_size: number; cold: ThroughputResult; warm: ThroughputResult };
    random_read: RandomReadResult;
    checkpoints: CheckpointResult;
    fio: FioResult;
  };
  stats: { before: StatsResponse; after: StatsResponse };
  metrics_endpoint: MetricsEndpointCheck;
  judgements: Judgement[];
  overall: Verdict;
  cleanup: { path: string; removed: boolean; error?: string };
}

// The per-event histograms (block read latency, backend requests, checkpoint
// saves and restores). The composition root builds them first, only with
// --metrics-listen, and hands their observers to the store, the backend chain
// and the checkpoint manager at construction; without them nothing is timed.

import type { BackendObserver, BackendOp } from '../backend/observed-backend';
import type { BlockTimer } from '../cache/cached-store';
import { DurationKinds, type DurationObserver } from '../checkpoint/types';
import { BucketHistogram, READ_LATENCY_BUCKETS } from './bucket-histogram';
import { CheckpointHistograms } from './checkpoint-timings';
import { READ_SOURCES, type ReadSource } from './types';

/** Backend requests are slower than block reads: buckets reach further. */
const BACKEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

export class MetricsHistograms {
  readonly readLatency = new BucketHistogram<ReadSource>({
    name: 'tiercache_read_duration_seconds',
    help: 'Time to get one block for a reader (from request to bytes in hand), by the tier or source that served it (memory, ssd, peer, backend).',
    labelName: 'source',
    labelValues: READ_SOURCES,
    buckets: READ_LATENCY_BUCKETS,
  });
  readonly backendLatency = new BucketHistogram<BackendOp>({
    name: 'tiercache_backend_request_duration_seconds',
    help: 'Duration of backend requests, by operation (read, stat), failed ones included.',
    labelName: 'op',
    labelValues: ['read', 'stat'],
    buckets: BACKEND_BUCKETS,
  });
  readonly checkpoints = new CheckpointHistograms();

  /** For the store: per block handed to a reader. */
  readonly blockTimer: BlockTimer = (tier, seconds) => this.readLatency.observe(tier, seconds);

  /** For the backend chain (ObservedBackend): per request. */
  readonly backendObserver: BackendObserver = (op, seconds) => this.backendLatency.observe(op, seconds);

  /** For the checkpoint manager: save phases and restores. */
  readonly checkpointObserver: DurationObserver = (kind, seconds, source) => {
    if (kind === DurationKinds.RESTORE) this.checkpoints.observeRestore(seconds, source ?? 'local');
    else this.checkpoints.observeSave(seconds, kind === DurationKinds.SAVE_LOCAL ? 'local' : 'persist');
  };
}

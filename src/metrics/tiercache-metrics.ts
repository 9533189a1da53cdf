// The metrics of one daemon in their own prom-client Registry (never the
// global one): process and Node.js runtime metrics, the families read from
// the daemon's counters at scrape time, and the few histograms that need a
// per-event observation (block read latency, backend requests, checkpoints).

import { Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { BucketHistogram, READ_LATENCY_BUCKETS } from './bucket-histogram';
import { checkpointTimings } from './checkpoint-timings';
import { FAMILIES, type ScrapeSnapshot } from './families';
import { SnapshotFamily } from './snapshot-family';
import { READ_SOURCES, type MetricsSource, type ReadSource } from './types';
import type { BackendOp } from '../backend/observed-backend';

/** Backend requests are slower than block reads: buckets reach further. */
const BACKEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/**
 * Default gauges whose names end in _total, which `promtool check metrics`
 * rejects for non-counters; the per-type nodejs_active_* gauges say the same.
 */
const NONCONFORMING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Our own metric objects give the Registry what it reads (name, help, type, get()). */
const asMetric = (m: { name: string; get(): unknown }): Metric => m as unknown as Metric;

export class TiercacheMetrics {
  readonly registry = new Registry();
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
  private readonly source: MetricsSource;
  /**
   * The snapshot of the scrape in progress; every family reads the same one.
   * Registry.metrics() calls every get() synchronously before its first await,
   * so two overlapping scrapes never read each other's snapshot.
   */
  private current: ScrapeSnapshot | undefined;
  private installed = false;

  constructor(source: MetricsSource) {
    this.source = source;
    collectDefaultMetrics({ register: this.registry });
    for (const name of NONCONFORMING_DEFAULTS) this.registry.removeSingleMetric(name);
    for (const spec of FAMILIES) this.registry.registerMetric(asMetric(new SnapshotFamily(spec, () => this.current)));
    this.registry.registerMetric(asMetric(this.readLatency));
    this.registry.registerMetric(asMetric(this.backendLatency));
    const ckpt = checkpointTimings(source);
    this.registry.registerMetric(asMetric(ckpt.save));
    this.registry.registerMetric(asMetric(ckpt.restore));
  }

  /** Hooks the per-event histograms into the read path and the backend. Idempotent. */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    const read = this.readLatency;
    this.source.store.setBlockTimer((tier, seconds) => read.observe(tier, seconds));
    const backend = this.backendLatency;
    this.source.addBackendObserver((op, seconds) => backend.observe(op, seconds));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of everything, from one consistent snapshot. */
  async scrape(): Promise<string> {
    const store = this.source.store;
    this.current = {
      stats: this.source.stats.snapshot('all'),
      bytesBySource: { ...store.bytesBySource },
      blocksBySource: { ...store.blocksBySource },
      backend: { ...this.source.backend.counters },
    };
    try {
      return await this.registry.metrics();
    } finally {
      this.current = undefined;
    }
  }
}

// The metrics of one daemon in their own prom-client Registry (never the
// global one): process and Node.js runtime metrics, the families read from
// the daemon's counters at scrape time, and the per-event histograms
// (histograms.ts) the composition root handed to the store, the backend
// chain and the checkpoint manager.

import { Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { FAMILIES, type ScrapeSnapshot } from './families';
import { MetricsHistograms } from './histograms';
import { SnapshotFamily } from './snapshot-family';
import type { MetricsSource } from './types';

/**
 * Default gauges whose names end in _total, which `promtool check metrics`
 * rejects for non-counters; the per-type nodejs_active_* gauges say the same.
 */
const NONCONFORMING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Our own metric objects give the Registry what it reads (name, help, type, get()). */
const asMetric = (m: { name: string; get(): unknown }): Metric => m as unknown as Metric;

export class TiercacheMetrics {
  readonly registry = new Registry();
  readonly histograms: MetricsHistograms;
  private readonly source: MetricsSource;
  /**
   * The snapshot of the scrape in progress; every family reads the same one.
   * Registry.metrics() calls every get() synchronously before its first await,
   * so two overlapping scrapes never read each other's snapshot.
   */
  private current: ScrapeSnapshot | undefined;

  constructor(source: MetricsSource, histograms: MetricsHistograms = new MetricsHistograms()) {
    this.source = source;
    this.histograms = histograms;
    collectDefaultMetrics({ register: this.registry });
    for (const name of NONCONFORMING_DEFAULTS) this.registry.removeSingleMetric(name);
    for (const spec of FAMILIES) this.registry.registerMetric(asMetric(new SnapshotFamily(spec, () => this.current)));
    this.registry.registerMetric(asMetric(histograms.readLatency));
    this.registry.registerMetric(asMetric(histograms.backendLatency));
    this.registry.registerMetric(asMetric(histograms.checkpoints.save));
    this.registry.registerMetric(asMetric(histograms.checkpoints.restore));
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

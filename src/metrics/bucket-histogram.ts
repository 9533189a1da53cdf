// A histogram for the read path. Its label values are known up front, so an
// observation is a short bucket search and three additions: no label
// hashing, no allocation. prom-client's Registry exposes it like its own
// histograms (it only needs name, help, type and get()).

/** Upper bounds in seconds; 0.1 and 0.5 are alert thresholds, so they are exact bucket edges. */
export const READ_LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

interface Series {
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export interface BucketHistogramOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelName: string;
  readonly labelValues: readonly L[];
  /** Strictly increasing upper bounds. */
  readonly buckets: readonly number[];
}

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

export class BucketHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelName: string;
  private readonly bounds: readonly number[];
  private readonly series = new Map<L, Series>();

  constructor(opts: BucketHistogramOptions<L>) {
    for (let i = 1; i < opts.buckets.length; i++) {
      if (!(opts.buckets[i]! > opts.buckets[i - 1]!)) throw new Error(`${opts.name}: buckets must increase`);
    }
    this.name = opts.name;
    this.help = opts.help;
    this.labelName = opts.labelName;
    this.bounds = opts.buckets;
    for (const v of opts.labelValues) {
      this.series.set(v, { counts: new Float64Array(opts.buckets.length + 1), sum: 0, count: 0 });
    }
  }

  /** Unknown label values are ignored rather than thrown: metrics never fail a read. */
  observe(label: L, value: number): void {
    const s = this.series.get(label);
    if (!s) return;
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** The shape prom-client's Registry renders. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const [label, s] of this.series) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += s.counts[i]!;
        const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { le, [this.labelName]: label }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { [this.labelName]: label }, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: { [this.labelName]: label }, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

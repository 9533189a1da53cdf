// A metric family whose samples are read from the daemon's own counters at
// scrape time. The read path keeps incrementing plain numbers; nothing here
// runs per read. A family of a subsystem that is not attached has no samples
// (rather than a misleading 0) until that subsystem reports its section.

export type Labels = Record<string, string>;
export type Sample = readonly [labels: Labels, value: number];

export interface FamilySpec<S> {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly samples: (snap: S) => readonly Sample[];
}

export class SnapshotFamily<S> {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly aggregator = 'sum';
  private readonly spec: FamilySpec<S>;
  private readonly current: () => S | undefined;

  /** `current` returns the snapshot taken for the scrape in progress. */
  constructor(spec: FamilySpec<S>, current: () => S | undefined) {
    this.spec = spec;
    this.name = spec.name;
    this.help = spec.help;
    this.type = spec.type;
    this.current = current;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Array<{ labels: Labels; value: number }> } {
    const snap = this.current();
    const values = snap === undefined ? [] : this.spec.samples(snap).map(([labels, value]) => ({ labels, value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** One figure of a benchmark: always a ratio against a baseline measured in the same run. */
export interface BenchResult {
  readonly name: string;
  readonly metric: string;
  readonly value: number;
  readonly baseline: number;
  /** value / baseline (or baseline / value where lower is better; see note). */
  readonly ratio: number;
  readonly baselineName?: string;
  readonly target?: string;
  readonly note?: string;
}

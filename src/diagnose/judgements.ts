// Judges a diagnosis' figures by the alert thresholds. Pure: measured
// results and Admin.Stats in, verdicts out. Ratios from the daemon's stats
// are judged only with enough activity behind them, as the alerts are.

import { THRESHOLDS, judge, type ThresholdName, type Verdict } from '../metrics/thresholds';
import type { StatsResponseIn, TierStatsIn } from '../protocol/types';
import type { CheckpointResult, Judgement, RandomReadResult, ThroughputResult } from './types';

/** Lookups below which a hit ratio says nothing (the alert asks for 1000 in 15 minutes). */
export const MIN_LOOKUPS = 1000;
/** Prefetched blocks below which the prefetch hit ratio is not judged. */
export const MIN_PREFETCHED = 100;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function judged(figure: string, name: ThresholdName, value: number, note?: string): Judgement {
  const t = THRESHOLDS[name];
  return { figure, value, unit: t.unit, verdict: judge(name, value), threshold: name, warning: t.warning, critical: t.critical, ...(note ? { note } : {}) };
}

function notJudged(figure: string, name: ThresholdName, value: number, note: string): Judgement {
  const t = THRESHOLDS[name];
  return { figure, value, unit: t.unit, verdict: 'N/A', threshold: name, warning: t.warning, critical: t.critical, note };
}

export interface Measured {
  readonly cold: ThroughputResult;
  readonly warm: ThroughputResult;
  readonly random: RandomReadResult;
  readonly checkpoints: CheckpointResult;
  /** Admin.Stats taken before the tests: the node's own history. */
  readonly stats: StatsResponseIn;
}

export function judgeAll(m: Measured): Judgement[] {
  const out: Judgement[] = [
    judged('sequential read, cold (1 MiB reads)', 'readThroughput', m.cold.bytes_per_second, 'first read: blocks come from the backend'),
    judged('sequential read, warm (1 MiB reads)', 'readThroughput', m.warm.bytes_per_second, 'second read: blocks come from the cache'),
    judged(`random 4 KiB read p99 latency (${m.random.concurrency} readers)`, 'readLatency', m.random.latency_seconds.p99),
  ];
  const ck = m.checkpoints;
  if (ck.available && ck.save_seconds !== undefined && ck.restore_seconds !== undefined) {
    out.push(judged('checkpoint save (until persisted)', 'checkpointSave', ck.save_seconds));
    out.push(judged('checkpoint restore', 'checkpointRestore', ck.restore_seconds));
  } else if (ck.available && ck.error) {
    // Every test checkpoint failed: a 100% failure ratio.
    out.push(judged('checkpoint save and restore test', 'checkpointFailureRatio', 1, ck.error));
  }

  const mem: TierStatsIn = m.stats.memory ?? {};
  const ssd: TierStatsIn = m.stats.ssd ?? {};
  const lookups = num(mem.hits) + num(mem.misses);
  const ratio = lookups === 0 ? 0 : (num(mem.hits) + num(ssd.hits)) / lookups;
  const hitFigure = 'cache hit ratio since start (memory + SSD hits / lookups)';
  out.push(
    lookups >= MIN_LOOKUPS
      ? judged(hitFigure, 'cacheHitRatio', ratio)
      : notJudged(hitFigure, 'cacheHitRatio', ratio, `only ${lookups} lookups so far (${MIN_LOOKUPS} needed to judge)`),
  );

  const uptime = num(m.stats.uptime_seconds);
  for (const [name, tier] of [['memory', mem], ['ssd', ssd]] as const) {
    if (tier.name === undefined || uptime <= 0) continue;
    out.push(judged(`${name} evictions per second (average since start)`, 'evictionsPerSecond', num(tier.evictions) / uptime));
  }

  const pf = m.stats.prefetch;
  if (!pf) out.push(notJudged('prefetch hit ratio', 'prefetchHitRatio', 0, 'the prefetch engine is not attached to this daemon'));
  else if (num(pf.prefetched_blocks) < MIN_PREFETCHED) {
    out.push(notJudged('prefetch hit ratio', 'prefetchHitRatio', num(pf.prefetch_hit_ratio), `only ${num(pf.prefetched_blocks)} blocks prefetched so far`));
  } else out.push(judged('prefetch hit ratio', 'prefetchHitRatio', num(pf.prefetch_hit_ratio)));

  const cs = m.stats.checkpoints;
  if (cs) {
    const ops = num(cs.saves) + num(cs.loads) + num(cs.failures);
    const figure = 'checkpoint failure ratio since start';
    out.push(
      ops > 0
        ? judged(figure, 'checkpointFailureRatio', num(cs.failures) / ops)
        : notJudged(figure, 'checkpointFailureRatio', 0, 'no checkpoint operations yet'),
    );
  }
  return out;
}

const RANK: Record<Verdict, number> = { OK: 0, WARNING: 1, CRITICAL: 2 };

export function overallVerdict(js: readonly Judgement[]): Verdict {
  let worst: Verdict = 'OK';
  for (const j of js) if (j.verdict !== 'N/A' && RANK[j.verdict] > RANK[worst]) worst = j.verdict;
  return worst;
}

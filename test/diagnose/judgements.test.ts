// The pure parts of diagnose: percentiles, verdicts and fio parsing, with
// answers worked out by hand.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarizeLatencies } from '../../src/diagnose/latency-summary';
import { judgeAll, overallVerdict, type Measured } from '../../src/diagnose/judgements';
import { parseFio } from '../../src/diagnose/fio-probe';

const tp = (bps: number) => ({ bytes: bps, seconds: 1, bytes_per_second: bps });
const random = (p99: number) => ({
  block_size: 4096,
  concurrency: 4,
  reads: 100,
  errors: 0,
  seconds: 1,
  iops: 100,
  latency_seconds: { p50: p99 / 2, p99, max: p99, mean: p99 / 2 },
});
const verdictOf = (m: Measured, prefix: string) => judgeAll(m).find((j) => j.figure.startsWith(prefix))?.verdict;

describe('diagnose judgements', () => {
  it('percentiles are nearest-rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 99), 99);
    assert.equal(percentile([7], 99), 7);
    assert.deepEqual(summarizeLatencies([3, 1, 2]), { p50: 2, p99: 3, max: 3, mean: 2 });
    assert.deepEqual(summarizeLatencies([]), { p50: 0, p99: 0, max: 0, mean: 0 });
  });

  it('judges measured figures by the alert thresholds', () => {
    const m: Measured = {
      cold: tp(60e6),
      warm: tp(900e6),
      random: random(0.6),
      checkpoints: { available: true, bytes: 1, save_seconds: 31, restore_seconds: 2, verified: true },
      stats: { uptime_seconds: 10, memory: { name: 'memory', hits: 900, misses: 300, evictions: 20000 }, ssd: { name: 'ssd', hits: 150, evictions: 60000 } },
    };
    assert.equal(verdictOf(m, 'sequential read, cold'), 'WARNING');
    assert.equal(verdictOf(m, 'sequential read, warm'), 'OK');
    assert.equal(verdictOf(m, 'random 4 KiB read p99'), 'CRITICAL');
    assert.equal(verdictOf(m, 'checkpoint save'), 'WARNING');
    assert.equal(verdictOf(m, 'checkpoint restore'), 'OK');
    // (900 + 150) / 1200 = 87.5%
    assert.equal(verdictOf(m, 'cache hit ratio'), 'OK');
    assert.equal(verdictOf(m, 'memory evictions'), 'WARNING'); // 2000/s
    assert.equal(verdictOf(m, 'ssd evictions'), 'CRITICAL'); // 6000/s
    assert.equal(verdictOf(m, 'prefetch hit ratio'), 'N/A');
    assert.equal(overallVerdict(judgeAll(m)), 'CRITICAL');
  });

  it('does not judge ratios with too little activity behind them', () => {
    const m: Measured = {
      cold: tp(200e6),
      warm: tp(200e6),
      random: random(0.001),
      checkpoints: { available: false, note: 'checkpoints: not available in this daemon' },
      stats: { uptime_seconds: 10, memory: { name: 'memory', hits: 1, misses: 99 }, prefetch: { prefetched_blocks: 10, prefetch_hit_ratio: 0 } },
    };
    assert.equal(verdictOf(m, 'cache hit ratio'), 'N/A');
    assert.equal(verdictOf(m, 'prefetch hit ratio'), 'N/A');
    assert.equal(verdictOf(m, 'checkpoint save'), undefined);
    assert.equal(overallVerdict(judgeAll(m)), 'OK');
  });

  it('a failed checkpoint test is critical', () => {
    const m: Measured = {
      cold: tp(200e6),
      warm: tp(200e6),
      random: random(0.001),
      checkpoints: { available: true, bytes: 1, error: 'RESOURCE_EXHAUSTED: no space' },
      stats: {},
    };
    const j = judgeAll(m).find((x) => x.figure.startsWith('checkpoint save and restore test'))!;
    assert.equal(j.verdict, 'CRITICAL');
    assert.equal(j.note, 'RESOURCE_EXHAUSTED: no space');
  });

  it('reads fio JSON output, warnings before it included', () => {
    const json = JSON.stringify({
      jobs: [
        { jobname: 'seqread', error: 0, read: { bw_bytes: 5e8, iops: 476 } },
        { jobname: 'randread', error: 0, read: { bw_bytes: 4e7, iops: 9765, clat_ns: { percentile: { '99.000000': 250000 } } } },
      ],
    });
    assert.deepEqual(parseFio(`fio: some warning\n${json}`), {
      available: true,
      sequential_read_bytes_per_second: 5e8,
      random_read_iops: 9765,
      random_read_p99_seconds: 0.00025,
    });
  });
});

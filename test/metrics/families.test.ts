// The metric families and histograms, against a hand-written daemon: every
// Admin.Stats section becomes the samples it should, absent sections none.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BucketHistogram } from '../../src/metrics/bucket-histogram';
import { DurationKinds } from '../../src/checkpoint/types';
import { MetricsHistograms } from '../../src/metrics/histograms';
import { TiercacheMetrics } from '../../src/metrics/tiercache-metrics';
import { judge } from '../../src/metrics/thresholds';
import { parseExposition, sampleValue } from './exposition';
import { ALL_SECTIONS, fakeDaemon } from './fake-daemon';

describe('metric families', () => {
  it('turns the counters and tier snapshots into samples', async () => {
    const f = fakeDaemon({});
    const m = new TiercacheMetrics(f.source);
    const s = parseExposition(await m.scrape());
    assert.equal(sampleValue(s, 'tiercache_read_bytes_total', { source: 'peer' }), 300);
    assert.equal(sampleValue(s, 'tiercache_read_blocks_total', { source: 'backend' }), 4);
    assert.equal(sampleValue(s, 'tiercache_cache_hit_ratio', { tier: 'ssd' }), 0.75);
    assert.equal(sampleValue(s, 'tiercache_cache_state', { tier: 'ssd', state: 'down' }), 1);
    assert.equal(sampleValue(s, 'tiercache_cache_write_errors_total', { tier: 'ssd' }), 5);
    assert.equal(sampleValue(s, 'tiercache_ssd_tenant_bytes', { tenant: 'cache-blocks' }), 400);
    assert.equal(sampleValue(s, 'tiercache_ssd_tenant_bytes', { tenant: 'checkpoints' }), 250);
    assert.equal(sampleValue(s, 'tiercache_backend_requests_total', { op: 'stat' }), 9);
    assert.equal(sampleValue(s, 'tiercache_backend_errors_total'), 1);
    assert.equal(sampleValue(s, 'tiercache_build_info', { version: '9.9.9' }), 1);
    assert.equal(sampleValue(s, 'tiercache_prefetch_hit_ratio'), undefined);
    assert.equal(sampleValue(s, 'tiercache_peers', { state: 'healthy' }), undefined);
  });

  it('lights up prefetch, checkpoint and peer families when their sections appear', async () => {
    const f = fakeDaemon(ALL_SECTIONS);
    const s = parseExposition(await new TiercacheMetrics(f.source).scrape());
    assert.equal(sampleValue(s, 'tiercache_prefetch_hit_ratio'), 0.8);
    assert.equal(sampleValue(s, 'tiercache_prefetch_blocks_total'), 50);
    assert.equal(sampleValue(s, 'tiercache_prefetch_hits_total'), 40);
    assert.equal(sampleValue(s, 'tiercache_prefetch_dropped_total'), 2);
    assert.equal(sampleValue(s, 'tiercache_prefetch_cut_blocks_total'), 11);
    assert.equal(sampleValue(s, 'tiercache_prefetch_cut_requests_total'), 18);
    assert.equal(sampleValue(s, 'tiercache_limits_refused_total', { kind: 'calls' }), 12);
    assert.equal(sampleValue(s, 'tiercache_limits_refused_total', { kind: 'streams' }), 13);
    assert.equal(sampleValue(s, 'tiercache_limits_refused_total', { kind: 'connections' }), 15);
    assert.equal(sampleValue(s, 'tiercache_limits_stalled_streams_total'), 14);
    assert.equal(sampleValue(s, 'tiercache_limits_closed_connections_total', { reason: 'idle' }), 16);
    assert.equal(sampleValue(s, 'tiercache_limits_closed_connections_total', { reason: 'evicted' }), 17);
    assert.equal(sampleValue(s, 'tiercache_connections_open'), 5);
    assert.equal(sampleValue(s, 'tiercache_limits_refused_total', { kind: 'uploads' }), 19);
    assert.equal(sampleValue(s, 'tiercache_upload_held_bytes'), 4096);
    assert.equal(sampleValue(s, 'tiercache_limits_upload_waits_total'), 20);
    assert.equal(sampleValue(s, 'tiercache_checkpoint_saves_total'), 10);
    assert.equal(sampleValue(s, 'tiercache_checkpoint_loads_total'), 4);
    assert.equal(sampleValue(s, 'tiercache_checkpoint_failures_total'), 1);
    assert.equal(sampleValue(s, 'tiercache_checkpoint_pending_persist'), 1);
    assert.equal(sampleValue(s, 'tiercache_peer_errors_total'), 6);
    assert.equal(sampleValue(s, 'tiercache_peer_fallbacks_total'), 5);
    assert.equal(sampleValue(s, 'tiercache_peer_backend_avoided_bytes_total'), 70);
    assert.equal(sampleValue(s, 'tiercache_peers', { state: 'healthy' }), 2);
    assert.equal(sampleValue(s, 'tiercache_peers', { state: 'down' }), 1);
  });

  it('records block, backend and checkpoint timings into their histograms', async () => {
    const f = fakeDaemon({});
    // The observers the composition root hands to the store, the backend chain and the checkpoint manager.
    const h = new MetricsHistograms();
    const m = new TiercacheMetrics(f.source, h);
    h.blockTimer('memory', 0.00005);
    h.blockTimer('backend', 0.2);
    h.backendObserver('read', 0.004, true);
    h.checkpointObserver(DurationKinds.SAVE_LOCAL, 45);
    h.checkpointObserver(DurationKinds.SAVE_PERSISTED, 12);
    h.checkpointObserver(DurationKinds.RESTORE, 70, 'backend');
    const s = parseExposition(await m.scrape());
    assert.equal(sampleValue(s, 'tiercache_read_duration_seconds_bucket', { source: 'memory', le: '0.0001' }), 1);
    assert.equal(sampleValue(s, 'tiercache_read_duration_seconds_bucket', { source: 'backend', le: '0.1' }), 0);
    assert.equal(sampleValue(s, 'tiercache_read_duration_seconds_bucket', { source: 'backend', le: '0.25' }), 1);
    assert.equal(sampleValue(s, 'tiercache_backend_request_duration_seconds_count', { op: 'read' }), 1);
    assert.equal(sampleValue(s, 'tiercache_checkpoint_save_duration_seconds_bucket', { phase: 'local', le: '30' }), 0);
    assert.equal(sampleValue(s, 'tiercache_checkpoint_save_duration_seconds_bucket', { phase: 'local', le: '60' }), 1);
    assert.equal(sampleValue(s, 'tiercache_checkpoint_save_duration_seconds_sum', { phase: 'persist' }), 12);
    assert.equal(sampleValue(s, 'tiercache_checkpoint_restore_duration_seconds_bucket', { source: 'backend', le: '60' }), 0);
    assert.equal(sampleValue(s, 'tiercache_checkpoint_restore_duration_seconds_count', { source: 'backend' }), 1);
  });
});

describe('BucketHistogram', () => {
  it('keeps cumulative buckets with values on an edge counted in that bucket', () => {
    const h = new BucketHistogram({ name: 'x_seconds', help: 'x', labelName: 'k', labelValues: ['a', 'b'], buckets: [1, 2, 5] });
    for (const v of [0.5, 1, 1.5, 2, 7]) h.observe('a', v);
    h.observe('c' as 'a', 1); // unknown label values are ignored
    const rows = h.get().values.filter((v) => v.labels['k'] === 'a');
    const bucket = (le: string) => rows.find((r) => r.metricName === 'x_seconds_bucket' && String(r.labels['le']) === le)!.value;
    assert.deepEqual(['1', '2', '5', '+Inf'].map(bucket), [2, 4, 4, 5]);
    assert.equal(rows.find((r) => r.metricName === 'x_seconds_sum')!.value, 12);
    assert.equal(rows.find((r) => r.metricName === 'x_seconds_count')!.value, 5);
  });

  it('refuses buckets that do not increase', () => {
    assert.throws(() => new BucketHistogram({ name: 'y', help: 'y', labelName: 'k', labelValues: ['a'], buckets: [1, 1] }), /increase/);
  });
});

describe('thresholds', () => {
  it('judge strictly past the limits, in the direction that is bad', () => {
    assert.equal(judge('readThroughput', 100e6), 'OK');
    assert.equal(judge('readThroughput', 99e6), 'WARNING');
    assert.equal(judge('readThroughput', 49e6), 'CRITICAL');
    assert.equal(judge('readLatency', 0.1), 'OK');
    assert.equal(judge('readLatency', 0.2), 'WARNING');
    assert.equal(judge('readLatency', 0.6), 'CRITICAL');
    assert.equal(judge('cacheHitRatio', 0.8), 'WARNING');
    assert.equal(judge('checkpointFailureRatio', 0.11), 'CRITICAL');
  });
});

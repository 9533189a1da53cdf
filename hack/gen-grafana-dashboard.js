#!/usr/bin/env node
// Generates daemonset/grafana-dashboard.json from the panel list below: the
// same figures the alert rules watch (daemonset/alerts/tiercache-rules.yaml),
// with their thresholds drawn in, plus what an operator needs to see why.
//   node hack/gen-grafana-dashboard.js          # writes the file
//   node hack/gen-grafana-dashboard.js --check  # exits 1 if it is out of date
'use strict';

const { readFileSync, writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');

const target = join(__dirname, '..', 'daemonset/grafana-dashboard.json');
const SEL = 'instance=~"$instance"';
const DS = { type: 'prometheus', uid: '${datasource}' };

/** Threshold steps: [color, from] pairs; `base` is the color below the first step. */
function steps(base, pairs) {
  return { mode: 'absolute', steps: [{ color: base, value: null }, ...pairs.map(([color, value]) => ({ color, value }))] };
}
// Low is bad (throughput, ratios): red under critical, orange under warning.
const lowIsBad = (crit, warn) => steps('red', [['orange', crit], ['green', warn]]);
// High is bad (latency, durations, rates): orange over warning, red over critical.
const highIsBad = (warn, crit) => steps('green', [['orange', warn], ['red', crit]]);

let nextId = 1;
function panel(kind, title, w, targets, opts = {}) {
  const p = {
    id: nextId++,
    type: kind,
    title,
    description: opts.description ?? '',
    datasource: DS,
    gridPos: { h: opts.h ?? 8, w, x: 0, y: 0 },
    targets: targets.map(([expr, legend], i) => ({
      datasource: DS,
      expr,
      legendFormat: legend ?? '',
      refId: String.fromCharCode(65 + i),
    })),
    fieldConfig: {
      defaults: {
        unit: opts.unit ?? 'short',
        ...(opts.thresholds ? { thresholds: opts.thresholds } : {}),
        ...(opts.min !== undefined ? { min: opts.min } : {}),
        ...(opts.max !== undefined ? { max: opts.max } : {}),
        ...(kind === 'timeseries'
          ? { custom: { drawStyle: 'line', fillOpacity: 10, stacking: { mode: opts.stack ? 'normal' : 'none' }, thresholdsStyle: { mode: opts.thresholds ? 'line' : 'off' } } }
          : {}),
      },
      overrides: [],
    },
    options:
      kind === 'stat'
        ? { colorMode: 'background', graphMode: 'area', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } }
        : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
  };
  return p;
}
const row = (title) => ({ id: nextId++, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: 0 }, panels: [] });

const readBytes = `sum by (instance) (rate(tiercache_read_bytes_total{${SEL}}[5m]))`;
const hitRatio = `1 - (sum by (instance) (rate(tiercache_read_blocks_total{source="backend",${SEL}}[15m])) / sum by (instance) (rate(tiercache_read_blocks_total{${SEL}}[15m])))`;
const prefetchRatio = `sum by (instance) (increase(tiercache_prefetch_hits_total{${SEL}}[30m])) / sum by (instance) (increase(tiercache_prefetch_blocks_total{${SEL}}[30m]))`;
const ckptFailures =
  `sum by (instance) (increase(tiercache_checkpoint_failures_total{${SEL}}[1h])) / (sum by (instance) (increase(tiercache_checkpoint_saves_total{${SEL}}[1h]))` +
  ` + sum by (instance) (increase(tiercache_checkpoint_loads_total{${SEL}}[1h])) + sum by (instance) (increase(tiercache_checkpoint_failures_total{${SEL}}[1h])))`;
const p99 = (metric, by, window) => `histogram_quantile(0.99, sum by (le, ${by}) (rate(${metric}_bucket{${SEL}}[${window}])))`;

const layout = [
  row('Is training starved by storage?'),
  panel('stat', 'Read throughput', 6, [[readBytes, '{{instance}}']], {
    unit: 'Bps', thresholds: lowIsBad(50e6, 100e6), h: 6,
    description: 'Bytes served to readers per second. Alerts: warning under 100 MB/s, critical under 50 MB/s, while readers wait.',
  }),
  panel('stat', 'Read latency p99', 6, [[`histogram_quantile(0.99, sum by (le, instance) (rate(tiercache_read_duration_seconds_bucket{${SEL}}[5m])))`, '{{instance}}']], {
    unit: 's', thresholds: highIsBad(0.1, 0.5), h: 6,
    description: 'Time a reader waits for one block, 99th percentile. Alerts: warning over 100 ms, critical over 500 ms.',
  }),
  panel('stat', 'Cache hit ratio', 6, [[hitRatio, '{{instance}}']], {
    unit: 'percentunit', thresholds: lowIsBad(0.7, 0.85), min: 0, max: 1, h: 6,
    description: 'Blocks served without the backend (memory, SSD, peer), last 15 minutes. Alerts: warning under 85%, critical under 70%.',
  }),
  panel('stat', 'Readers waiting', 6, [[`sum by (instance) (rate(tiercache_read_duration_seconds_sum{${SEL}}[5m]))`, '{{instance}}']], {
    unit: 'short', h: 6,
    description: 'Average number of readers blocked on tiercache. The throughput alert only fires above 0.5: near 0, readers are busy computing.',
  }),
  panel('timeseries', 'Read throughput by source', 12, [[`sum by (source) (rate(tiercache_read_bytes_total{${SEL}}[5m]))`, '{{source}}']], {
    unit: 'Bps', stack: true, description: 'Where served bytes come from: memory, ssd, peer, backend.',
  }),
  panel('timeseries', 'Read latency p99 by source', 12, [[p99('tiercache_read_duration_seconds', 'source', '5m'), '{{source}}']], {
    unit: 's', thresholds: highIsBad(0.1, 0.5),
  }),
  row('Cache tiers'),
  panel('timeseries', 'Hit ratio by tier (since start)', 8, [[`tiercache_cache_hit_ratio{${SEL}}`, '{{instance}} {{tier}}']], {
    unit: 'percentunit', min: 0, max: 1, thresholds: lowIsBad(0.7, 0.85),
  }),
  panel('timeseries', 'Hits and misses per second', 8, [
    [`sum by (tier) (rate(tiercache_cache_hits_total{${SEL}}[5m]))`, '{{tier}} hits'],
    [`sum by (tier) (rate(tiercache_cache_misses_total{${SEL}}[5m]))`, '{{tier}} misses'],
  ]),
  panel('timeseries', 'Evictions per second', 8, [[`rate(tiercache_cache_evictions_total{${SEL}}[5m])`, '{{instance}} {{tier}}']], {
    thresholds: highIsBad(1000, 5000), description: 'Alerts: warning over 1000/s, critical over 5000/s per tier.',
  }),
  panel('timeseries', 'Used and capacity', 12, [
    [`tiercache_cache_used_bytes{${SEL}}`, '{{instance}} {{tier}} used'],
    [`tiercache_cache_capacity_bytes{${SEL}}`, '{{instance}} {{tier}} capacity'],
    [`tiercache_ssd_tenant_bytes{${SEL}}`, '{{instance}} ssd: {{tenant}}'],
  ], { unit: 'bytes', description: 'The SSD capacity is shared by its tenants: cache blocks, checkpoint copies, staged checkpoint-mount files.' }),
  panel('timeseries', 'SSD health', 12, [
    [`tiercache_cache_state{tier="ssd",${SEL}}`, '{{instance}} {{state}}'],
    [`rate(tiercache_cache_write_errors_total{${SEL}}[5m])`, '{{instance}} {{tier}} I/O errors/s'],
    [`rate(tiercache_cache_corrupt_blocks_total{${SEL}}[5m])`, '{{instance}} {{tier}} corrupt blocks/s'],
  ]),
  row('Prefetch'),
  panel('timeseries', 'Prefetch hit ratio', 8, [
    [prefetchRatio, '{{instance}} last 30m'],
    [`tiercache_prefetch_hit_ratio{${SEL}}`, '{{instance}} since start'],
  ], { unit: 'percentunit', min: 0, thresholds: lowIsBad(0.6, 0.8), description: 'Alerts: warning under 80%, critical under 60%.' }),
  panel('timeseries', 'Prefetched, wasted and dropped per second', 8, [
    [`sum by (instance) (rate(tiercache_prefetch_blocks_total{${SEL}}[5m]))`, '{{instance}} prefetched'],
    [`sum by (instance) (rate(tiercache_prefetch_wasted_total{${SEL}}[5m]))`, '{{instance}} wasted'],
    [`sum by (instance) (rate(tiercache_prefetch_dropped_total{${SEL}}[5m]))`, '{{instance}} dropped'],
  ]),
  panel('timeseries', 'Prefetch queue', 8, [
    [`tiercache_prefetch_queue_depth{${SEL}}`, '{{instance}} queued'],
    [`tiercache_prefetch_inflight_bytes{${SEL}}`, '{{instance}} in-flight bytes'],
  ]),
  row('Checkpoints'),
  panel('timeseries', 'Save time p99 by phase', 8, [[p99('tiercache_checkpoint_save_duration_seconds', 'phase', '1h'), '{{phase}}']], {
    unit: 's', thresholds: highIsBad(30, 60), description: 'local: until on the SSD; persist: until on the backend. Alerts: over 30 s, over 60 s.',
  }),
  panel('timeseries', 'Restore time p99 by source', 8, [[p99('tiercache_checkpoint_restore_duration_seconds', 'source', '1h'), '{{source}}']], {
    unit: 's', thresholds: highIsBad(30, 60),
  }),
  panel('timeseries', 'Checkpoint failure ratio (1h)', 8, [[ckptFailures, '{{instance}}']], {
    unit: 'percentunit', min: 0, thresholds: highIsBad(0.05, 0.1), description: 'Alerts: warning over 5%, critical over 10%.',
  }),
  panel('timeseries', 'Checkpoint bytes', 12, [
    [`sum by (instance) (rate(tiercache_checkpoint_saved_bytes_total{${SEL}}[5m]))`, '{{instance}} saved/s'],
    [`sum by (instance) (rate(tiercache_checkpoint_loaded_bytes_total{${SEL}}[5m]))`, '{{instance}} restored/s'],
  ], { unit: 'Bps' }),
  panel('timeseries', 'Checkpoints waiting to be persisted', 12, [[`tiercache_checkpoint_pending_persist{${SEL}}`, '{{instance}}']]),
  row('Backend and peers'),
  panel('timeseries', 'Backend request latency p99', 8, [[p99('tiercache_backend_request_duration_seconds', 'op', '5m'), '{{op}}']], { unit: 's' }),
  panel('timeseries', 'Backend reads and errors', 8, [
    [`sum by (instance) (rate(tiercache_backend_read_bytes_total{${SEL}}[5m]))`, '{{instance}} bytes/s'],
    [`sum by (instance) (rate(tiercache_backend_errors_total{${SEL}}[5m]))`, '{{instance}} errors/s'],
  ]),
  panel('timeseries', 'Peer errors and fallbacks per second', 8, [
    [`sum by (instance) (rate(tiercache_peer_errors_total{${SEL}}[5m]))`, '{{instance}} errors'],
    [`sum by (instance) (rate(tiercache_peer_fallbacks_total{${SEL}}[5m]))`, '{{instance}} fallbacks to backend'],
  ]),
  panel('timeseries', 'Peer traffic', 12, [
    [`sum by (instance) (rate(tiercache_peer_fetched_bytes_total{${SEL}}[5m]))`, '{{instance}} fetched'],
    [`sum by (instance) (rate(tiercache_peer_served_bytes_total{${SEL}}[5m]))`, '{{instance}} served'],
    [`sum by (instance) (rate(tiercache_peer_backend_avoided_bytes_total{${SEL}}[5m]))`, '{{instance}} backend avoided'],
  ], { unit: 'Bps' }),
  panel('timeseries', 'Peers by state', 12, [[`tiercache_peers{${SEL}}`, '{{instance}} {{state}}']]),
  row('Daemon process'),
  panel('timeseries', 'CPU', 6, [[`rate(process_cpu_seconds_total{${SEL}}[5m])`, '{{instance}}']], { unit: 'percentunit' }),
  panel('timeseries', 'Resident memory', 6, [[`process_resident_memory_bytes{${SEL}}`, '{{instance}}']], { unit: 'bytes' }),
  panel('timeseries', 'Event loop lag p99', 6, [[`nodejs_eventloop_lag_p99_seconds{${SEL}}`, '{{instance}}']], { unit: 's' }),
  panel('timeseries', 'Heap used', 6, [[`nodejs_heap_size_used_bytes{${SEL}}`, '{{instance}}']], { unit: 'bytes' }),
];

// Lay panels out left to right, wrapping at 24 columns; rows take a line of their own.
let x = 0;
let y = 0;
let lineH = 0;
for (const p of layout) {
  if (p.type === 'row' || x + p.gridPos.w > 24) {
    y += lineH;
    x = 0;
    lineH = 0;
  }
  p.gridPos.x = x;
  p.gridPos.y = y;
  if (p.type === 'row') {
    y += 1;
  } else {
    x += p.gridPos.w;
    lineH = Math.max(lineH, p.gridPos.h);
  }
}

const dashboard = {
  __inputs: [],
  title: 'tiercache',
  uid: 'tiercache-node-cache',
  description: 'tiercache node cache: is training starved by storage, and why. Generated by hack/gen-grafana-dashboard.js.',
  tags: ['tiercache', 'storage', 'training'],
  timezone: 'browser',
  editable: true,
  schemaVersion: 39,
  version: 1,
  refresh: '30s',
  time: { from: 'now-6h', to: 'now' },
  templating: {
    list: [
      { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0 },
      {
        name: 'instance',
        label: 'Node',
        type: 'query',
        datasource: DS,
        query: { query: 'label_values(tiercache_build_info, instance)', refId: 'instance' },
        definition: 'label_values(tiercache_build_info, instance)',
        includeAll: true,
        multi: true,
        allValue: '.*',
        current: { text: 'All', value: '$__all' },
        refresh: 2,
        hide: 0,
      },
    ],
  },
  annotations: { list: [] },
  panels: layout,
};

const text = JSON.stringify(dashboard, null, 2) + '\n';
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    process.stderr.write(`${target} is out of date: run node hack/gen-grafana-dashboard.js\n`);
    process.exit(1);
  }
} else {
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
  process.stdout.write(`wrote ${target}\n`);
}

// A hand-written stand-in for the daemon parts the metrics read, for unit tests.

import { TiercacheMetrics } from '../../src/metrics/tiercache-metrics';
import type { MetricsSource } from '../../src/metrics/types';
import type { StatsResponse } from '../../src/protocol/types';

const tier = (name: string, over: Record<string, unknown> = {}) => ({
  name,
  capacity_bytes: 1000,
  used_bytes: 400,
  blocks: 4,
  hits: 30,
  misses: 10,
  hit_ratio: 0.75,
  evictions: 2,
  admissions_rejected: 1,
  corrupt_blocks: 0,
  write_errors: 0,
  state: 'normal',
  ...over,
});

export function fakeDaemon(sections: Record<string, unknown>) {
  const source: MetricsSource = {
    store: {
      bytesBySource: { memory: 100, ssd: 200, peer: 300, backend: 400 },
      blocksBySource: { memory: 1, ssd: 2, peer: 3, backend: 4 },
    },
    backend: { counters: { reads: 4, bytesRead: 400, errors: 1, stats: 9 } },
    stats: {
      // Sections as a test writes them: only the fields it checks (the loader fills the rest with defaults on the wire).
      snapshot: () =>
        ({
          version: '9.9.9',
          block_size: 4096,
          backend_bytes_read: 0,
          backend_reads: 0,
          backend_errors: 0,
          backend_kind: 'posix',
          backend_throttled: 0,
          backend_retries: 0,
          loads_deduped: 0,
          uptime_seconds: 1,
          memory: tier('memory'),
          ssd: tier('ssd', {
            state: 'down',
            write_errors: 5,
            tenants: [
              { name: 'cache-blocks', used_bytes: 400 },
              { name: 'checkpoints', used_bytes: 250 },
            ],
          }),
          distributed: null,
          prefetch: null,
          checkpoints: null,
          checkpoint_mount: null,
          ...sections,
        }) as StatsResponse,
    },
  };
  return { source };
}


/** Every Admin.Stats section other subsystems add, filled in. */
export const ALL_SECTIONS: Record<string, unknown> = {
  prefetch: { prefetched_blocks: 50, prefetch_hits: 40, prefetch_hit_ratio: 0.8, wasted_prefetches: 3, queue_depth: 7, dropped_tasks: 2, inflight_bytes: 4096, cut_blocks: 11 },
  limits: {
    calls_in_flight: 3,
    streams_in_flight: 2,
    connections_open: 5,
    calls_refused: 12,
    streams_refused: 13,
    streams_stalled: 14,
    connections_refused: 15,
    idle_connections_closed: 16,
    idle_connections_evicted: 17,
    fair_share_cuts: 18,
    uploads_in_flight: 2,
    uploads_refused: 19,
    upload_bytes_held: 4096,
    upload_waits: 20,
  },
  checkpoints: { saves: 10, loads: 4, failures: 1, failure_ratio: 0.07, pending_persist: 1, bytes_saved: 1e9, bytes_loaded: 5e8, local_bytes: 2e9 },
  distributed: {
    enabled: true,
    peers: [{ address: 'a', state: 'healthy' }, { address: 'b', state: 'healthy' }, { address: 'c', state: 'down' }],
    peer_errors: 6,
    peer_fallbacks: 5,
    blocks_fetched_from_peers: 8,
    blocks_served_to_peers: 9,
    bytes_fetched_from_peers: 80,
    bytes_served_to_peers: 90,
    backend_bytes_avoided: 70,
  },
};

/** Every metric name a full scrape exposes, histogram series (_bucket, _sum, _count) included. */
export async function exportedNames(): Promise<Set<string>> {
  const text = await new TiercacheMetrics(fakeDaemon(ALL_SECTIONS).source).scrape();
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m[1]! + suffix);
  }
  return names;
}

// The tiercache metric families read at scrape time, as data: each turns one
// snapshot (Admin.Stats plus the per-source read counters) into samples.
// Pure, so a test can check every family against a hand-written snapshot.

import type { BackendCounters } from '../backend/types';
import type { SourceCounters } from '../cache/cached-store';
import type { CheckpointMountStats, CheckpointStats, DistributedStats, LimitsStats, PrefetchStats, StatsResponse, TierStats } from '../protocol/types';
import type { FamilySpec, Sample } from './snapshot-family';
import { READ_SOURCES, CACHE_TIERS } from './types';

export interface ScrapeSnapshot {
  /** Admin.Stats 'all', as admin.proto types it. */
  readonly stats: StatsResponse;
  readonly bytesBySource: SourceCounters;
  readonly blocksBySource: SourceCounters;
  readonly backend: BackendCounters;
}

/** The numeric fields of a message. */
type NumericField<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];
type Spec = FamilySpec<ScrapeSnapshot>;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function perTier(field: NumericField<TierStats>): (s: ScrapeSnapshot) => Sample[] {
  return (s) => {
    const out: Sample[] = [];
    for (const tier of CACHE_TIERS) {
      const t = s.stats[tier];
      if (t) out.push([{ tier }, num(t[field])]);
    }
    return out;
  };
}

/** One sample from a stats section, none when the section is absent. */
type Section = 'prefetch' | 'checkpoints' | 'checkpoint_mount' | 'distributed' | 'limits';

function fromSection<K extends Section>(
  section: K,
  pick: (t: NonNullable<StatsResponse[K]>) => number,
  when: (t: NonNullable<StatsResponse[K]>) => boolean = () => true,
) {
  return (s: ScrapeSnapshot): Sample[] => {
    const sec = s.stats[section] as NonNullable<StatsResponse[K]> | null;
    if (!sec || !when(sec)) return [];
    return [[{}, num(pick(sec))]];
  };
}

const prefetch = (pick: (t: PrefetchStats) => number) => fromSection('prefetch', pick);
const checkpoint = (pick: (t: CheckpointStats) => number) => fromSection('checkpoints', pick);
const mount = (pick: (t: CheckpointMountStats) => number) => fromSection('checkpoint_mount', pick);
const peer = (pick: (t: DistributedStats) => number) => fromSection('distributed', pick, (d) => d.enabled);
const limits = (pick: (t: LimitsStats) => number) => fromSection('limits', pick);
/** One sample per label value of a limits counter. */
function limitsBy(label: string, picks: Record<string, (t: LimitsStats) => number>): (s: ScrapeSnapshot) => Sample[] {
  return (s) => {
    const l = s.stats.limits;
    if (!l) return [];
    return Object.entries(picks).map(([value, pick]) => [{ [label]: value }, num(pick(l))] as const);
  };
}

export const FAMILIES: readonly Spec[] = [
  {
    name: 'tiercache_read_bytes_total',
    help: 'Bytes served to readers, by the tier or source they came from (memory, ssd, peer, backend).',
    type: 'counter',
    samples: (s) => READ_SOURCES.map((source) => [{ source }, s.bytesBySource[source]] as const),
  },
  {
    name: 'tiercache_read_blocks_total',
    help: 'Blocks served to readers, by the tier or source they came from.',
    type: 'counter',
    samples: (s) => READ_SOURCES.map((source) => [{ source }, s.blocksBySource[source]] as const),
  },
  { name: 'tiercache_cache_hits_total', help: 'Block lookups that found the block in the tier.', type: 'counter', samples: perTier('hits') },
  { name: 'tiercache_cache_misses_total', help: 'Block lookups that did not find the block in the tier.', type: 'counter', samples: perTier('misses') },
  { name: 'tiercache_cache_evictions_total', help: 'Blocks evicted from the tier to make room.', type: 'counter', samples: perTier('evictions') },
  {
    name: 'tiercache_cache_admissions_rejected_total',
    help: 'Blocks offered to the tier that its admission policy kept out.',
    type: 'counter',
    samples: perTier('admissions_rejected'),
  },
  {
    name: 'tiercache_cache_hit_ratio',
    help: 'Hits / lookups of the tier since the daemon started (use the _total counters for recent ratios).',
    type: 'gauge',
    samples: perTier('hit_ratio'),
  },
  { name: 'tiercache_cache_used_bytes', help: 'Bytes of cached blocks held by the tier.', type: 'gauge', samples: perTier('used_bytes') },
  { name: 'tiercache_cache_capacity_bytes', help: 'Byte budget of the tier.', type: 'gauge', samples: perTier('capacity_bytes') },
  { name: 'tiercache_cache_blocks', help: 'Blocks held by the tier.', type: 'gauge', samples: perTier('blocks') },
  {
    name: 'tiercache_ssd_tenant_bytes',
    help: 'Bytes each tenant holds on the SSD (cache-blocks, checkpoints, checkpoint-mount); together within tiercache_cache_capacity_bytes{tier="ssd"}.',
    type: 'gauge',
    samples: (s) => (s.stats.ssd?.tenants ?? []).map((t): Sample => [{ tenant: t.name }, num(t.used_bytes)]),
  },
  {
    name: 'tiercache_cache_corrupt_blocks_total',
    help: 'Blocks that failed their checksum and were dropped (SSD).',
    type: 'counter',
    samples: perTier('corrupt_blocks'),
  },
  { name: 'tiercache_cache_write_errors_total', help: 'I/O errors writing or reading the tier (SSD).', type: 'counter', samples: perTier('write_errors') },
  {
    name: 'tiercache_cache_writes_skipped_total',
    help: 'Blocks not written to the tier because its queue of writes was full (SSD, ssd-write-backlog); still served from memory.',
    type: 'counter',
    samples: perTier('writes_skipped'),
  },
  { name: 'tiercache_cache_write_backlog_bytes', help: 'Bytes of block writes queued or being written (SSD).', type: 'gauge', samples: perTier('write_backlog_bytes') },
  {
    name: 'tiercache_cache_state',
    help: 'Health state of the tier: 1 for the current state (normal, unstable, down, disabled).',
    type: 'gauge',
    samples: (s) => {
      const out: Sample[] = [];
      for (const tier of CACHE_TIERS) {
        const t = s.stats[tier];
        if (t) out.push([{ tier, state: t.state }, 1]);
      }
      return out;
    },
  },
  {
    name: 'tiercache_backend_requests_total',
    help: 'Requests made to the backend, by operation (read, stat).',
    type: 'counter',
    samples: (s) => [
      [{ op: 'read' }, s.backend.reads],
      [{ op: 'stat' }, s.backend.stats],
    ],
  },
  {
    name: 'tiercache_backend_read_bytes_total',
    help: 'Bytes read from the backend (what the cache did not avoid).',
    type: 'counter',
    samples: (s) => [[{}, s.backend.bytesRead]],
  },
  {
    name: 'tiercache_backend_errors_total',
    help: 'Backend requests that failed with an I/O error.',
    type: 'counter',
    samples: (s) => [[{}, s.backend.errors]],
  },
  {
    name: 'tiercache_backend_throttled_total',
    help: 'Backend requests answered with "slow down" (S3 503 SlowDown, 429); each was retried with back-off.',
    type: 'counter',
    samples: (s) => [[{}, s.backend.throttled ?? 0]],
  },
  {
    name: 'tiercache_backend_retries_total',
    help: 'Backend requests repeated after a throttle or a transient failure.',
    type: 'counter',
    samples: (s) => [[{}, s.backend.retries ?? 0]],
  },
  { name: 'tiercache_prefetch_blocks_total', help: 'Blocks fetched ahead of readers by the prefetch engine.', type: 'counter', samples: prefetch((p) => p.prefetched_blocks) },
  { name: 'tiercache_prefetch_hits_total', help: 'Prefetched blocks that a reader then read.', type: 'counter', samples: prefetch((p) => p.prefetch_hits) },
  { name: 'tiercache_prefetch_wasted_total', help: 'Prefetched blocks evicted before any reader read them.', type: 'counter', samples: prefetch((p) => p.wasted_prefetches) },
  { name: 'tiercache_prefetch_dropped_total', help: 'Prefetch tasks dropped because the queue was full.', type: 'counter', samples: prefetch((p) => p.dropped_tasks) },
  { name: 'tiercache_prefetch_hit_ratio', help: 'Prefetch hits / prefetched blocks since the daemon started.', type: 'gauge', samples: prefetch((p) => p.prefetch_hit_ratio) },
  { name: 'tiercache_prefetch_queue_depth', help: 'Prefetch tasks waiting.', type: 'gauge', samples: prefetch((p) => p.queue_depth) },
  { name: 'tiercache_prefetch_inflight_bytes', help: 'Prefetch bytes being fetched now.', type: 'gauge', samples: prefetch((p) => p.inflight_bytes) },
  { name: 'tiercache_prefetch_cut_blocks_total', help: 'Blocks of explicit prefetches and warm-ups not fetched because their job\'s fair share (prefetch-max-share) was used up.', type: 'counter', samples: prefetch((p) => p.cut_blocks) },
  { name: 'tiercache_prefetch_cut_requests_total', help: 'Explicit prefetches and warm-ups cut to their job\'s fair share.', type: 'counter', samples: limits((l) => l.fair_share_cuts) },
  {
    name: 'tiercache_limits_refused_total',
    help: 'Calls refused with RESOURCE_EXHAUSTED (kind calls: max-calls, max-calls-per-connection; streams: max-streams; uploads: max-uploads) and connections refused at max-connections.',
    type: 'counter',
    samples: limitsBy('kind', {
      calls: (l) => l.calls_refused,
      streams: (l) => l.streams_refused,
      uploads: (l) => l.uploads_refused,
      connections: (l) => l.connections_refused,
    }),
  },
  { name: 'tiercache_limits_stalled_streams_total', help: 'Streams reset because their client took nothing for stream-stall-timeout.', type: 'counter', samples: limits((l) => l.streams_stalled) },
  {
    name: 'tiercache_limits_closed_connections_total',
    help: 'Idle connections the daemon closed: after connection-idle-timeout (reason idle), or for a new one at max-connections (reason evicted).',
    type: 'counter',
    samples: limitsBy('reason', { idle: (l) => l.idle_connections_closed, evicted: (l) => l.idle_connections_evicted }),
  },
  { name: 'tiercache_calls_in_flight', help: 'Calls in flight over both listeners (max-calls).', type: 'gauge', samples: limits((l) => l.calls_in_flight) },
  { name: 'tiercache_streams_in_flight', help: 'Server-streaming calls in flight (max-streams).', type: 'gauge', samples: limits((l) => l.streams_in_flight) },
  { name: 'tiercache_uploads_in_flight', help: 'Client-streaming calls (checkpoint Save) in flight (max-uploads).', type: 'gauge', samples: limits((l) => l.uploads_in_flight) },
  { name: 'tiercache_upload_held_bytes', help: 'Bytes of upload messages the daemon holds now (max-upload-buffer).', type: 'gauge', samples: limits((l) => l.upload_bytes_held) },
  { name: 'tiercache_limits_upload_waits_total', help: 'Reads of an upload that waited for room under max-upload-buffer (back-pressure on its client).', type: 'counter', samples: limits((l) => l.upload_waits) },
  { name: 'tiercache_connections_open', help: 'Client connections open over both listeners (max-connections).', type: 'gauge', samples: limits((l) => l.connections_open) },
  { name: 'tiercache_checkpoint_saves_total', help: 'Checkpoint saves completed.', type: 'counter', samples: checkpoint((c) => c.saves) },
  { name: 'tiercache_checkpoint_loads_total', help: 'Checkpoint restores completed.', type: 'counter', samples: checkpoint((c) => c.loads) },
  { name: 'tiercache_checkpoint_failures_total', help: 'Checkpoint saves or restores that failed.', type: 'counter', samples: checkpoint((c) => c.failures) },
  { name: 'tiercache_checkpoint_saved_bytes_total', help: 'Checkpoint bytes saved.', type: 'counter', samples: checkpoint((c) => c.bytes_saved) },
  { name: 'tiercache_checkpoint_loaded_bytes_total', help: 'Checkpoint bytes restored.', type: 'counter', samples: checkpoint((c) => c.bytes_loaded) },
  { name: 'tiercache_checkpoint_pending_persist', help: 'Checkpoints saved locally and not yet persisted to the backend.', type: 'gauge', samples: checkpoint((c) => c.pending_persist) },
  { name: 'tiercache_checkpoint_local_bytes', help: 'Bytes of checkpoints staged on the local SSD.', type: 'gauge', samples: checkpoint((c) => c.local_bytes) },
  { name: 'tiercache_checkpoint_mount_staged_bytes', help: 'Bytes of checkpoint-mount files on the SSD (pending and persisted copies).', type: 'gauge', samples: mount((m) => m.bytes_staged) },
  { name: 'tiercache_checkpoint_mount_pending_files', help: 'Closed checkpoint-mount files not yet on the backend.', type: 'gauge', samples: mount((m) => m.files_pending_persist) },
  { name: 'tiercache_checkpoint_mount_pending_bytes', help: 'Bytes of closed checkpoint-mount files not yet on the backend.', type: 'gauge', samples: mount((m) => m.bytes_pending_persist) },
  { name: 'tiercache_checkpoint_mount_pending_ops', help: 'Renames and deletes in the checkpoint mount not yet on the backend.', type: 'gauge', samples: mount((m) => m.ops_pending) },
  { name: 'tiercache_checkpoint_mount_oldest_pending_age_seconds', help: 'Age of the oldest checkpoint-mount change not yet on the backend: what losing the node would lose.', type: 'gauge', samples: mount((m) => m.oldest_pending_age_seconds) },
  { name: 'tiercache_checkpoint_mount_open_files', help: 'Checkpoint-mount files open for writing.', type: 'gauge', samples: mount((m) => m.files_open_for_write) },
  { name: 'tiercache_checkpoint_mount_persisted_files_total', help: 'Checkpoint-mount files persisted to the backend.', type: 'counter', samples: mount((m) => m.files_persisted) },
  { name: 'tiercache_checkpoint_mount_persisted_bytes_total', help: 'Checkpoint-mount bytes persisted to the backend.', type: 'counter', samples: mount((m) => m.bytes_persisted) },
  { name: 'tiercache_checkpoint_mount_persist_throughput_bytes_per_second', help: 'Checkpoint-mount persist upload throughput, averaged over the time uploads ran.', type: 'gauge', samples: mount((m) => m.persist_bytes_per_second) },
  { name: 'tiercache_checkpoint_mount_persist_failures_total', help: 'Checkpoint-mount persist attempts that failed (and were retried).', type: 'counter', samples: mount((m) => m.persist_failures) },
  { name: 'tiercache_checkpoint_mount_write_through_files_total', help: 'Checkpoint-mount files written straight to the backend because the SSD could not take them.', type: 'counter', samples: mount((m) => m.write_through_files) },
  { name: 'tiercache_peer_errors_total', help: 'Peer calls that failed.', type: 'counter', samples: peer((d) => d.peer_errors) },
  { name: 'tiercache_peer_fallbacks_total', help: 'Blocks read from the backend because their owner peer failed.', type: 'counter', samples: peer((d) => d.peer_fallbacks) },
  { name: 'tiercache_peer_fetched_blocks_total', help: 'Blocks fetched from peers.', type: 'counter', samples: peer((d) => d.blocks_fetched_from_peers) },
  { name: 'tiercache_peer_served_blocks_total', help: 'Blocks served to peers.', type: 'counter', samples: peer((d) => d.blocks_served_to_peers) },
  { name: 'tiercache_peer_fetched_bytes_total', help: 'Bytes fetched from peers.', type: 'counter', samples: peer((d) => d.bytes_fetched_from_peers) },
  { name: 'tiercache_peer_served_bytes_total', help: 'Bytes served to peers.', type: 'counter', samples: peer((d) => d.bytes_served_to_peers) },
  { name: 'tiercache_peer_backend_avoided_bytes_total', help: 'Backend bytes not read because a peer had the block.', type: 'counter', samples: peer((d) => d.backend_bytes_avoided) },
  {
    name: 'tiercache_peers',
    help: 'Peers in the ring (this node included), by state.',
    type: 'gauge',
    samples: (s) => {
      const d = s.stats.distributed;
      if (!d?.enabled) return [];
      const byState = new Map<string, number>();
      for (const p of d.peers) byState.set(p.state || 'unknown', (byState.get(p.state || 'unknown') ?? 0) + 1);
      return [...byState].map(([state, n]) => [{ state }, n] as const);
    },
  },
  {
    name: 'tiercache_build_info',
    help: 'Version of the running daemon (always 1).',
    type: 'gauge',
    samples: (s) => [[{ version: s.stats.version }, 1]],
  },
  { name: 'tiercache_block_size_bytes', help: 'Cache block size.', type: 'gauge', samples: (s) => [[{}, num(s.stats.block_size)]] },
  {
    name: 'tiercache_loads_deduped_total',
    help: 'Block loads that joined one already in flight instead of starting their own (single-flight).',
    type: 'counter',
    samples: (s) => [[{}, num(s.stats.loads_deduped)]],
  },
];

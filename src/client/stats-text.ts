// The text of a StatsResponse: tiers, peers, prefetch, checkpoints and the
// backend, as `tiercache cache stats` and `tiercache diagnose` print it.

import type { DistributedStatsIn, StatsResponseIn, TierStatsIn } from '../protocol/types';
import { formatBytes } from '../util/units';

const pct = (x: unknown) => `${(Number(x) * 100).toFixed(1)}%`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** "blocks read: 80.0% local, 15.0% from peers, 5.0% from the backend". */
function readSplit(d: DistributedStatsIn): string {
  const local = Number(d.blocks_read_local ?? 0);
  const peer = Number(d.blocks_read_from_peers ?? 0);
  const backend = Number(d.blocks_read_from_backend ?? 0);
  const total = local + peer + backend;
  if (total === 0) return '';
  return `blocks read: ${pct(local / total)} local, ${pct(peer / total)} from peers, ${pct(backend / total)} from the backend\n`;
}

export function formatStats(s: StatsResponseIn): string {
  let out = '';
  const tiers = [s.memory, s.ssd].filter((t): t is TierStatsIn => !!t);
  if (tiers.length > 0) {
    const rows = [['TIER', 'STATE', 'CAPACITY', 'USED', 'BLOCKS', 'HITS', 'MISSES', 'HIT RATIO', 'EVICTIONS']];
    for (const t of tiers) {
      rows.push([
        String(t.name),
        String(t.state),
        formatBytes(Number(t.capacity_bytes)),
        formatBytes(Number(t.used_bytes)),
        String(t.blocks),
        String(t.hits),
        String(t.misses),
        pct(t.hit_ratio),
        String(t.evictions),
      ]);
    }
    out += table(rows);
    const ssd = s.ssd;
    if (ssd?.tenants && ssd.tenants.length > 0) {
      out += `ssd space: ${ssd.tenants.map((t) => `${t.name} ${formatBytes(Number(t.used_bytes))}`).join(', ')} of ${formatBytes(Number(ssd.capacity_bytes))}\n`;
    }
    if (ssd?.startup && ssd.startup !== 'recovered') out += `ssd tier at start: ${ssd.startup}\n`;
    if (ssd && (Number(ssd.corrupt_blocks) > 0 || Number(ssd.write_errors) > 0)) {
      out += `ssd: ${ssd.corrupt_blocks} corrupt blocks dropped, ${ssd.write_errors} I/O errors\n`;
    }
  }
  const d = s.distributed;
  if (d) {
    if (!d.enabled) out += '\ndistributed: disabled (no --peers)\n';
    else {
      const peers = d.peers ?? [];
      const rows = [['PEER', 'STATE', 'RING SHARE', 'FAILURES']];
      for (const p of peers) {
        rows.push([`${p.address}${p.self ? ' (self)' : ''}`, String(p.state), pct(p.ring_share), String(p.consecutive_failures)]);
      }
      out += '\n' + table(rows);
      out +=
        `blocks fetched from peers: ${d.blocks_fetched_from_peers} (${formatBytes(Number(d.bytes_fetched_from_peers))})\n` +
        `blocks served to peers:    ${d.blocks_served_to_peers} (${formatBytes(Number(d.bytes_served_to_peers))})\n` +
        `peer errors: ${d.peer_errors}, fallbacks to backend: ${d.peer_fallbacks}\n` +
        `backend bytes avoided: ${formatBytes(Number(d.backend_bytes_avoided))}\n` +
        readSplit(d);
    }
  }
  const p = s.prefetch;
  if (p) {
    out +=
      `\nprefetch: ${p.prefetched_blocks} blocks prefetched, ${p.prefetch_hits} read (hit ratio ${pct(p.prefetch_hit_ratio)}), ` +
      `${p.wasted_prefetches} evicted unread; queue ${p.queue_depth}, ${p.dropped_tasks} dropped, ${formatBytes(Number(p.inflight_bytes))} in flight, ` +
      `${p.cut_blocks} cut to fair share\n`;
  }
  const l = s.limits;
  if (l) {
    out +=
      `limits: ${l.calls_in_flight} calls, ${l.streams_in_flight} streams, ${l.uploads_in_flight} uploads (${formatBytes(Number(l.upload_bytes_held))} held), ` +
      `${l.connections_open} connections now; refused ${l.calls_refused} calls, ${l.streams_refused} streams, ${l.uploads_refused} uploads, ` +
      `${l.connections_refused} connections; ${l.upload_waits} upload reads waited for room; ${l.streams_stalled} stalled streams reset, ` +
      `${l.idle_connections_closed} idle connections closed, ${l.idle_connections_evicted} evicted for new ones; ${l.fair_share_cuts} prefetches cut to fair share\n`;
  }
  const ck = s.checkpoints;
  if (ck) {
    out +=
      `checkpoints: ${ck.saves} saved (${formatBytes(Number(ck.bytes_saved))}), ${ck.loads} loaded, ` +
      `${ck.failures} failures (${pct(ck.failure_ratio)}), ${ck.pending_persist} pending persist, ${formatBytes(Number(ck.local_bytes))} on the SSD\n`;
  }
  const cm = s.checkpoint_mount;
  if (cm) {
    out +=
      `checkpoint mount ${cm.mount_dir}: ${formatBytes(Number(cm.bytes_staged))} staged, ` +
      `${cm.files_pending_persist} files pending persist (${formatBytes(Number(cm.bytes_pending_persist))}) and ${cm.ops_pending} renames/deletes, ` +
      `oldest pending ${Number(cm.oldest_pending_age_seconds).toFixed(1)}s; ` +
      `${cm.files_persisted} persisted (${formatBytes(Number(cm.bytes_persisted))}) at ${formatBytes(Number(cm.persist_bytes_per_second))}/s, ` +
      `${cm.persist_failures} failures, ${cm.write_through_files} written through (SSD full), ${cm.files_open_for_write} open\n`;
    if (cm.persist_error) out += `checkpoint mount: persisting is failing: ${cm.persist_error}\n`;
  }
  out += `\nbackend${s.backend_kind ? ` (${s.backend_kind})` : ''}: ${s.backend_reads} reads, ${formatBytes(Number(s.backend_bytes_read))} read, ${s.backend_errors} errors, ${s.backend_throttled ?? 0} throttled\n`;
  if (Number(s.loads_deduped ?? 0) > 0) out += `single-flight: ${s.loads_deduped} block loads joined one already in flight\n`;
  return out;
}

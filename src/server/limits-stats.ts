// Admin.Stats' limits section: what the bounds on calls, streams,
// connections and prefetch shares hold now and refused or cut since start.

import type { PrefetchEngine } from '../prefetch/prefetch-engine';
import type { LimitsStats } from '../protocol/types';
import type { CallLimits } from './call-limits';
import type { ConnectionLimits } from './connection-limits';
import type { UploadBuffer } from './upload-buffer';

export function limitsJson(calls: CallLimits, connections: ConnectionLimits, uploads: UploadBuffer, prefetch: Pick<PrefetchEngine, 'counters'>): LimitsStats {
  const c = calls.counters;
  const n = connections.counters;
  return {
    calls_in_flight: c.callsInFlight,
    streams_in_flight: c.streamsInFlight,
    connections_open: n.open,
    calls_refused: c.callsRefused,
    streams_refused: c.streamsRefused,
    streams_stalled: c.stalledStreams,
    connections_refused: n.refused,
    idle_connections_closed: n.idleClosed,
    idle_connections_evicted: n.evicted,
    fair_share_cuts: prefetch.counters.cutRequests,
    uploads_in_flight: c.uploadsInFlight,
    uploads_refused: c.uploadsRefused,
    upload_bytes_held: uploads.counters.bytesHeld,
    upload_waits: uploads.counters.waits,
  };
}

// Original file: proto/tiercache/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface LimitsStats {
  'calls_in_flight'?: (number | string | Long);
  'streams_in_flight'?: (number | string | Long);
  'connections_open'?: (number | string | Long);
  'calls_refused'?: (number | string | Long);
  'streams_refused'?: (number | string | Long);
  'streams_stalled'?: (number | string | Long);
  'connections_refused'?: (number | string | Long);
  'idle_connections_closed'?: (number | string | Long);
  'idle_connections_evicted'?: (number | string | Long);
  'fair_share_cuts'?: (number | string | Long);
  'uploads_in_flight'?: (number | string | Long);
  'uploads_refused'?: (number | string | Long);
  'upload_bytes_held'?: (number | string | Long);
  'upload_waits'?: (number | string | Long);
}

export interface LimitsStats__Output {
  'calls_in_flight': (number);
  'streams_in_flight': (number);
  'connections_open': (number);
  'calls_refused': (number);
  'streams_refused': (number);
  'streams_stalled': (number);
  'connections_refused': (number);
  'idle_connections_closed': (number);
  'idle_connections_evicted': (number);
  'fair_share_cuts': (number);
  'uploads_in_flight': (number);
  'uploads_refused': (number);
  'upload_bytes_held': (number);
  'upload_waits': (number);
}

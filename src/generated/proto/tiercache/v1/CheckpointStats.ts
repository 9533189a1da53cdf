// Original file: proto/tiercache/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface CheckpointStats {
  'saves'?: (number | string | Long);
  'loads'?: (number | string | Long);
  'failures'?: (number | string | Long);
  'failure_ratio'?: (number | string);
  'pending_persist'?: (number | string | Long);
  'bytes_saved'?: (number | string | Long);
  'bytes_loaded'?: (number | string | Long);
  'local_bytes'?: (number | string | Long);
}

export interface CheckpointStats__Output {
  'saves': (number);
  'loads': (number);
  'failures': (number);
  'failure_ratio': (number);
  'pending_persist': (number);
  'bytes_saved': (number);
  'bytes_loaded': (number);
  'local_bytes': (number);
}

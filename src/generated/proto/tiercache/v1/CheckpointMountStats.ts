// Original file: proto/tiercache/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface CheckpointMountStats {
  'mount_dir'?: (string);
  'bytes_staged'?: (number | string | Long);
  'files_pending_persist'?: (number | string | Long);
  'bytes_pending_persist'?: (number | string | Long);
  'ops_pending'?: (number | string | Long);
  'oldest_pending_age_seconds'?: (number | string);
  'files_open_for_write'?: (number | string | Long);
  'files_persisted'?: (number | string | Long);
  'bytes_persisted'?: (number | string | Long);
  'persist_bytes_per_second'?: (number | string);
  'persist_failures'?: (number | string | Long);
  'write_through_files'?: (number | string | Long);
  'write_through_bytes'?: (number | string | Long);
  'lost_open_at_crash'?: (number | string | Long);
  'persist_error'?: (string);
}

export interface CheckpointMountStats__Output {
  'mount_dir': (string);
  'bytes_staged': (number);
  'files_pending_persist': (number);
  'bytes_pending_persist': (number);
  'ops_pending': (number);
  'oldest_pending_age_seconds': (number);
  'files_open_for_write': (number);
  'files_persisted': (number);
  'bytes_persisted': (number);
  'persist_bytes_per_second': (number);
  'persist_failures': (number);
  'write_through_files': (number);
  'write_through_bytes': (number);
  'lost_open_at_crash': (number);
  'persist_error': (string);
}

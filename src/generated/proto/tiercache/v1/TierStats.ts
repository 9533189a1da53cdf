// Original file: proto/tiercache/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface TierStats {
  'name'?: (string);
  'capacity_bytes'?: (number | string | Long);
  'used_bytes'?: (number | string | Long);
  'blocks'?: (number | string | Long);
  'hits'?: (number | string | Long);
  'misses'?: (number | string | Long);
  'hit_ratio'?: (number | string);
  'evictions'?: (number | string | Long);
  'admissions_rejected'?: (number | string | Long);
  'corrupt_blocks'?: (number | string | Long);
  'write_errors'?: (number | string | Long);
  'state'?: (string);
  'startup'?: (string);
}

export interface TierStats__Output {
  'name': (string);
  'capacity_bytes': (number);
  'used_bytes': (number);
  'blocks': (number);
  'hits': (number);
  'misses': (number);
  'hit_ratio': (number);
  'evictions': (number);
  'admissions_rejected': (number);
  'corrupt_blocks': (number);
  'write_errors': (number);
  'state': (string);
  'startup': (string);
}

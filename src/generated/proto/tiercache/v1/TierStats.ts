// Original file: proto/tiercache/v1/admin.proto

import type { SsdTenantStats as _tiercache_v1_SsdTenantStats, SsdTenantStats__Output as _tiercache_v1_SsdTenantStats__Output } from '../../tiercache/v1/SsdTenantStats';
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
  'tenants'?: (_tiercache_v1_SsdTenantStats)[];
  'writes_skipped'?: (number | string | Long);
  'write_backlog_bytes'?: (number | string | Long);
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
  'tenants': (_tiercache_v1_SsdTenantStats__Output)[];
  'writes_skipped': (number);
  'write_backlog_bytes': (number);
}

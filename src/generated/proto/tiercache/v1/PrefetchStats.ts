// Original file: proto/tiercache/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface PrefetchStats {
  'prefetched_blocks'?: (number | string | Long);
  'prefetch_hits'?: (number | string | Long);
  'prefetch_hit_ratio'?: (number | string);
  'wasted_prefetches'?: (number | string | Long);
  'queue_depth'?: (number | string | Long);
  'dropped_tasks'?: (number | string | Long);
  'inflight_bytes'?: (number | string | Long);
  'cut_blocks'?: (number | string | Long);
  'plan_files_unchecked'?: (number | string | Long);
  'plan_files_missing'?: (number | string | Long);
}

export interface PrefetchStats__Output {
  'prefetched_blocks': (number);
  'prefetch_hits': (number);
  'prefetch_hit_ratio': (number);
  'wasted_prefetches': (number);
  'queue_depth': (number);
  'dropped_tasks': (number);
  'inflight_bytes': (number);
  'cut_blocks': (number);
  'plan_files_unchecked': (number);
  'plan_files_missing': (number);
}

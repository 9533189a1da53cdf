// Original file: proto/tiercache/v1/cache.proto

import type { Long } from '@grpc/proto-loader';

export interface WarmupProgress {
  'files_done'?: (number | string | Long);
  'files_total'?: (number | string | Long);
  'bytes_done'?: (number | string | Long);
  'bytes_total'?: (number | string | Long);
  'bytes_per_second'?: (number | string);
  'bytes_cached'?: (number | string | Long);
  'cache_capacity_bytes'?: (number | string | Long);
  'message'?: (string);
  'done'?: (boolean);
  'blocks_cut'?: (number | string | Long);
}

export interface WarmupProgress__Output {
  'files_done': (number);
  'files_total': (number);
  'bytes_done': (number);
  'bytes_total': (number);
  'bytes_per_second': (number);
  'bytes_cached': (number);
  'cache_capacity_bytes': (number);
  'message': (string);
  'done': (boolean);
  'blocks_cut': (number);
}

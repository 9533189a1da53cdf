// Original file: proto/tiercache/v1/admin.proto

import type { SizeBucket as _tiercache_v1_SizeBucket, SizeBucket__Output as _tiercache_v1_SizeBucket__Output } from '../../tiercache/v1/SizeBucket';
import type { Long } from '@grpc/proto-loader';

export interface AccessPattern {
  'key'?: (string);
  'is_prefix'?: (boolean);
  'reads'?: (number | string | Long);
  'bytes'?: (number | string | Long);
  'reads_per_second'?: (number | string);
  'sequentiality'?: (number | string);
  'size_histogram'?: (_tiercache_v1_SizeBucket)[];
  'visit_order'?: (string)[];
  'ordered_walk'?: (boolean);
  'strategy'?: (string);
  'distinct_jobs'?: (number | string | Long);
}

export interface AccessPattern__Output {
  'key': (string);
  'is_prefix': (boolean);
  'reads': (number);
  'bytes': (number);
  'reads_per_second': (number);
  'sequentiality': (number);
  'size_histogram': (_tiercache_v1_SizeBucket__Output)[];
  'visit_order': (string)[];
  'ordered_walk': (boolean);
  'strategy': (string);
  'distinct_jobs': (number);
}

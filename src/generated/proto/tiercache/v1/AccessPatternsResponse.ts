// Original file: proto/tiercache/v1/admin.proto

import type { AccessPattern as _tiercache_v1_AccessPattern, AccessPattern__Output as _tiercache_v1_AccessPattern__Output } from '../../tiercache/v1/AccessPattern';
import type { Long } from '@grpc/proto-loader';

export interface AccessPatternsResponse {
  'patterns'?: (_tiercache_v1_AccessPattern)[];
  'history_rows'?: (number | string | Long);
}

export interface AccessPatternsResponse__Output {
  'patterns': (_tiercache_v1_AccessPattern__Output)[];
  'history_rows': (number);
}

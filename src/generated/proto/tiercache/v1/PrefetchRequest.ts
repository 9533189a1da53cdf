// Original file: proto/tiercache/v1/cache.proto

import type { ByteRange as _tiercache_v1_ByteRange, ByteRange__Output as _tiercache_v1_ByteRange__Output } from '../../tiercache/v1/ByteRange';

export interface PrefetchRequest {
  'paths'?: (string)[];
  'ranges'?: (_tiercache_v1_ByteRange)[];
  'priority'?: (number);
}

export interface PrefetchRequest__Output {
  'paths': (string)[];
  'ranges': (_tiercache_v1_ByteRange__Output)[];
  'priority': (number);
}

// Original file: proto/tiercache/v1/cache.proto

import type { Long } from '@grpc/proto-loader';

export interface EvictResponse {
  'blocks_evicted'?: (number | string | Long);
}

export interface EvictResponse__Output {
  'blocks_evicted': (number);
}

// Original file: proto/tiercache/v1/cache.proto

import type { Long } from '@grpc/proto-loader';

export interface PrefetchResponse {
  'blocks_queued'?: (number | string | Long);
  'blocks_dropped'?: (number | string | Long);
  'blocks_cut'?: (number | string | Long);
  'message'?: (string);
}

export interface PrefetchResponse__Output {
  'blocks_queued': (number);
  'blocks_dropped': (number);
  'blocks_cut': (number);
  'message': (string);
}

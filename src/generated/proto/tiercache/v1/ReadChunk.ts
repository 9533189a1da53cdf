// Original file: proto/tiercache/v1/cache.proto

import type { Long } from '@grpc/proto-loader';

export interface ReadChunk {
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

export interface ReadChunk__Output {
  'offset': (number);
  'data': (Buffer);
}

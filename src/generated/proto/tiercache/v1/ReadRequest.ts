// Original file: proto/tiercache/v1/cache.proto

import type { Long } from '@grpc/proto-loader';

export interface ReadRequest {
  'path'?: (string);
  'offset'?: (number | string | Long);
  'length'?: (number | string | Long);
}

export interface ReadRequest__Output {
  'path': (string);
  'offset': (number);
  'length': (number);
}

// Original file: proto/tiercache/v1/cache.proto

import type { Long } from '@grpc/proto-loader';

export interface SessionRead {
  'id'?: (number | string | Long);
  'path'?: (string);
  'offset'?: (number | string | Long);
  'length'?: (number | string | Long);
}

export interface SessionRead__Output {
  'id': (number);
  'path': (string);
  'offset': (number);
  'length': (number);
}

// Original file: proto/tiercache/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface SizeBucket {
  'le'?: (number | string | Long);
  'count'?: (number | string | Long);
}

export interface SizeBucket__Output {
  'le': (number);
  'count': (number);
}

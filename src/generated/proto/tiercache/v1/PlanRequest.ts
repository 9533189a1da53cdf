// Original file: proto/tiercache/v1/cache.proto

import type { Long } from '@grpc/proto-loader';

export interface PlanRequest {
  'job'?: (string);
  'epoch'?: (number | string | Long);
  'paths'?: (string)[];
}

export interface PlanRequest__Output {
  'job': (string);
  'epoch': (number);
  'paths': (string)[];
}

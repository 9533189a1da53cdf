// Original file: proto/tiercache/v1/cache.proto

import type { Long } from '@grpc/proto-loader';

export interface PlanResponse {
  'files_accepted'?: (number | string | Long);
  'bytes_planned'?: (number | string | Long);
  'files_pending'?: (number | string | Long);
}

export interface PlanResponse__Output {
  'files_accepted': (number);
  'bytes_planned': (number);
  'files_pending': (number);
}

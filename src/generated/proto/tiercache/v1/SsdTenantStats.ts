// Original file: proto/tiercache/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface SsdTenantStats {
  'name'?: (string);
  'used_bytes'?: (number | string | Long);
}

export interface SsdTenantStats__Output {
  'name': (string);
  'used_bytes': (number);
}

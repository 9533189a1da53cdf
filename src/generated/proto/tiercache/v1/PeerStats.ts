// Original file: proto/tiercache/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface PeerStats {
  'address'?: (string);
  'state'?: (string);
  'ring_share'?: (number | string);
  'self'?: (boolean);
  'consecutive_failures'?: (number | string | Long);
}

export interface PeerStats__Output {
  'address': (string);
  'state': (string);
  'ring_share': (number);
  'self': (boolean);
  'consecutive_failures': (number);
}

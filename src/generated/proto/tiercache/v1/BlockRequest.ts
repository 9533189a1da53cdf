// Original file: proto/tiercache/v1/peer.proto

import type { Long } from '@grpc/proto-loader';

export interface BlockRequest {
  'path'?: (string);
  'version'?: (string);
  'index'?: (number | string | Long);
  'block_size'?: (number | string | Long);
}

export interface BlockRequest__Output {
  'path': (string);
  'version': (string);
  'index': (number);
  'block_size': (number);
}

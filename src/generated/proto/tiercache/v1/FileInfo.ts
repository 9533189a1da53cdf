// Original file: proto/tiercache/v1/cache.proto

import type { Long } from '@grpc/proto-loader';

export interface FileInfo {
  'path'?: (string);
  'size'?: (number | string | Long);
  'mtime_ms'?: (number | string | Long);
  'is_dir'?: (boolean);
}

export interface FileInfo__Output {
  'path': (string);
  'size': (number);
  'mtime_ms': (number);
  'is_dir': (boolean);
}

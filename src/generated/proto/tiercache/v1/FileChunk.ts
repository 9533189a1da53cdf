// Original file: proto/tiercache/v1/cache.proto

import type { FileError as _tiercache_v1_FileError, FileError__Output as _tiercache_v1_FileError__Output } from '../../tiercache/v1/FileError';
import type { Long } from '@grpc/proto-loader';

export interface FileChunk {
  'index'?: (number);
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  'eof'?: (boolean);
  'size'?: (number | string | Long);
  'error'?: (_tiercache_v1_FileError | null);
}

export interface FileChunk__Output {
  'index': (number);
  'offset': (number);
  'data': (Buffer);
  'eof': (boolean);
  'size': (number);
  'error': (_tiercache_v1_FileError__Output | null);
}

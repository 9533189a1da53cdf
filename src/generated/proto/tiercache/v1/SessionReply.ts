// Original file: proto/tiercache/v1/cache.proto

import type { FileError as _tiercache_v1_FileError, FileError__Output as _tiercache_v1_FileError__Output } from '../../tiercache/v1/FileError';
import type { Long } from '@grpc/proto-loader';

export interface SessionReply {
  'id'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  'error'?: (_tiercache_v1_FileError | null);
}

export interface SessionReply__Output {
  'id': (number);
  'data': (Buffer);
  'error': (_tiercache_v1_FileError__Output | null);
}

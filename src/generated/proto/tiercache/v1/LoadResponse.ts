// Original file: proto/tiercache/v1/checkpoint.proto

import type { CheckpointInfo as _tiercache_v1_CheckpointInfo, CheckpointInfo__Output as _tiercache_v1_CheckpointInfo__Output } from '../../tiercache/v1/CheckpointInfo';

export interface LoadResponse {
  'info'?: (_tiercache_v1_CheckpointInfo | null);
  'data'?: (Buffer | Uint8Array | string);
  'payload'?: "info"|"data";
}

export interface LoadResponse__Output {
  'info'?: (_tiercache_v1_CheckpointInfo__Output | null);
  'data'?: (Buffer);
  'payload'?: "info"|"data";
}

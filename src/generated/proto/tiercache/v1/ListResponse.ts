// Original file: proto/tiercache/v1/checkpoint.proto

import type { CheckpointInfo as _tiercache_v1_CheckpointInfo, CheckpointInfo__Output as _tiercache_v1_CheckpointInfo__Output } from '../../tiercache/v1/CheckpointInfo';

export interface ListResponse {
  'checkpoints'?: (_tiercache_v1_CheckpointInfo)[];
}

export interface ListResponse__Output {
  'checkpoints': (_tiercache_v1_CheckpointInfo__Output)[];
}

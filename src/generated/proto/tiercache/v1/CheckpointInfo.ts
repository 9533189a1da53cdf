// Original file: proto/tiercache/v1/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface CheckpointInfo {
  'id'?: (string);
  'job_id'?: (string);
  'step'?: (number | string | Long);
  'path'?: (string);
  'timestamp_ms'?: (number | string | Long);
  'size'?: (number | string | Long);
  'sha256'?: (string);
  'metrics'?: ({[key: string]: number | string});
  'state'?: (string);
}

export interface CheckpointInfo__Output {
  'id': (string);
  'job_id': (string);
  'step': (number);
  'path': (string);
  'timestamp_ms': (number);
  'size': (number);
  'sha256': (string);
  'metrics': ({[key: string]: number});
  'state': (string);
}

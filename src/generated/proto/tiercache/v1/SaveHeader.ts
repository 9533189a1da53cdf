// Original file: proto/tiercache/v1/checkpoint.proto

import type { Long } from '@grpc/proto-loader';

export interface SaveHeader {
  'job_id'?: (string);
  'step'?: (number | string | Long);
  'metrics'?: ({[key: string]: number | string});
  'sync'?: (boolean);
  'handoff_file'?: (string);
  'sha256'?: (string);
}

export interface SaveHeader__Output {
  'job_id': (string);
  'step': (number);
  'metrics': ({[key: string]: number});
  'sync': (boolean);
  'handoff_file': (string);
  'sha256': (string);
}

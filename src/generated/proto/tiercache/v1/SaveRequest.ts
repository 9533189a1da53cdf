// Original file: proto/tiercache/v1/checkpoint.proto

import type { SaveHeader as _tiercache_v1_SaveHeader, SaveHeader__Output as _tiercache_v1_SaveHeader__Output } from '../../tiercache/v1/SaveHeader';

export interface SaveRequest {
  'header'?: (_tiercache_v1_SaveHeader | null);
  'data'?: (Buffer | Uint8Array | string);
  'payload'?: "header"|"data";
}

export interface SaveRequest__Output {
  'header'?: (_tiercache_v1_SaveHeader__Output | null);
  'data'?: (Buffer);
  'payload'?: "header"|"data";
}

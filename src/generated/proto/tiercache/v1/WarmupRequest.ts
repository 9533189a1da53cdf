// Original file: proto/tiercache/v1/cache.proto


export interface WarmupRequest {
  'prefix'?: (string);
  'recursive'?: (boolean);
  'check_only'?: (boolean);
}

export interface WarmupRequest__Output {
  'prefix': (string);
  'recursive': (boolean);
  'check_only': (boolean);
}

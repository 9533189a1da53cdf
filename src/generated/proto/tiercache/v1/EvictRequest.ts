// Original file: proto/tiercache/v1/cache.proto


export interface EvictRequest {
  'path'?: (string);
}

export interface EvictRequest__Output {
  'path': (string);
}

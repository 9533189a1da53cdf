// Original file: proto/tiercache/v1/cache.proto


export interface StatRequest {
  'path'?: (string);
}

export interface StatRequest__Output {
  'path': (string);
}

// Original file: proto/tiercache/v1/cache.proto


export interface ReadFilesRequest {
  'paths'?: (string)[];
}

export interface ReadFilesRequest__Output {
  'paths': (string)[];
}

// Original file: proto/tiercache/v1/cache.proto


export interface ReadResponse {
  'data'?: (Buffer | Uint8Array | string);
}

export interface ReadResponse__Output {
  'data': (Buffer);
}

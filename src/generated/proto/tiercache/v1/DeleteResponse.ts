// Original file: proto/tiercache/v1/checkpoint.proto


export interface DeleteResponse {
  'deleted'?: (boolean);
}

export interface DeleteResponse__Output {
  'deleted': (boolean);
}

// Original file: proto/tiercache/v1/admin.proto


export interface ConfigResponse {
  'json'?: (string);
}

export interface ConfigResponse__Output {
  'json': (string);
}

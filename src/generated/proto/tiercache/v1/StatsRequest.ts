// Original file: proto/tiercache/v1/admin.proto


export interface StatsRequest {
  'type'?: (string);
}

export interface StatsRequest__Output {
  'type': (string);
}

// Original file: proto/tiercache/v1/admin.proto


export interface AccessPatternsRequest {
  'prefix'?: (string);
  'limit'?: (number);
}

export interface AccessPatternsRequest__Output {
  'prefix': (string);
  'limit': (number);
}

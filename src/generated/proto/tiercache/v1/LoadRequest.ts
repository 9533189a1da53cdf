// Original file: proto/tiercache/v1/checkpoint.proto


export interface LoadRequest {
  'job_id'?: (string);
  'id'?: (string);
}

export interface LoadRequest__Output {
  'job_id': (string);
  'id': (string);
}

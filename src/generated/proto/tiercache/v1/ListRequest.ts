// Original file: proto/tiercache/v1/checkpoint.proto


export interface ListRequest {
  'job_id'?: (string);
}

export interface ListRequest__Output {
  'job_id': (string);
}

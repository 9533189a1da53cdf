// Original file: proto/tiercache/v1/checkpoint.proto


export interface DeleteRequest {
  'job_id'?: (string);
  'id'?: (string);
}

export interface DeleteRequest__Output {
  'job_id': (string);
  'id': (string);
}

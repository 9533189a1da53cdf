// Original file: proto/tiercache/v1/cache.proto


export interface FileError {
  'code'?: (number);
  'reason'?: (string);
  'message'?: (string);
}

export interface FileError__Output {
  'code': (number);
  'reason': (string);
  'message': (string);
}

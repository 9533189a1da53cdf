// Original file: proto/tiercache/v1/peer.proto


export interface BlockResponse {
  'data'?: (Buffer | Uint8Array | string);
  'checksum'?: (number);
  'version'?: (string);
}

export interface BlockResponse__Output {
  'data': (Buffer);
  'checksum': (number);
  'version': (string);
}

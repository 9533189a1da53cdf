// Original file: proto/tiercache/v1/checkpoint_mount.proto


export interface MountWaitRequest {
  'path'?: (string);
}

export interface MountWaitRequest__Output {
  'path': (string);
}

// Original file: proto/tiercache/v1/checkpoint_mount.proto


export interface MountWaitResponse {
  'ops'?: (number);
  'open_files'?: (string)[];
}

export interface MountWaitResponse__Output {
  'ops': (number);
  'open_files': (string)[];
}

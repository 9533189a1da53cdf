import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CheckpointMountClient as _tiercache_v1_CheckpointMountClient, CheckpointMountDefinition as _tiercache_v1_CheckpointMountDefinition } from './tiercache/v1/CheckpointMount';
import type { MountWaitRequest as _tiercache_v1_MountWaitRequest, MountWaitRequest__Output as _tiercache_v1_MountWaitRequest__Output } from './tiercache/v1/MountWaitRequest';
import type { MountWaitResponse as _tiercache_v1_MountWaitResponse, MountWaitResponse__Output as _tiercache_v1_MountWaitResponse__Output } from './tiercache/v1/MountWaitResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  tiercache: {
    v1: {
      CheckpointMount: SubtypeConstructor<typeof grpc.Client, _tiercache_v1_CheckpointMountClient> & { service: _tiercache_v1_CheckpointMountDefinition }
      MountWaitRequest: MessageTypeDefinition<_tiercache_v1_MountWaitRequest, _tiercache_v1_MountWaitRequest__Output>
      MountWaitResponse: MessageTypeDefinition<_tiercache_v1_MountWaitResponse, _tiercache_v1_MountWaitResponse__Output>
    }
  }
}


import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CheckpointInfo as _tiercache_v1_CheckpointInfo, CheckpointInfo__Output as _tiercache_v1_CheckpointInfo__Output } from './tiercache/v1/CheckpointInfo';
import type { CheckpointsClient as _tiercache_v1_CheckpointsClient, CheckpointsDefinition as _tiercache_v1_CheckpointsDefinition } from './tiercache/v1/Checkpoints';
import type { DeleteRequest as _tiercache_v1_DeleteRequest, DeleteRequest__Output as _tiercache_v1_DeleteRequest__Output } from './tiercache/v1/DeleteRequest';
import type { DeleteResponse as _tiercache_v1_DeleteResponse, DeleteResponse__Output as _tiercache_v1_DeleteResponse__Output } from './tiercache/v1/DeleteResponse';
import type { ListRequest as _tiercache_v1_ListRequest, ListRequest__Output as _tiercache_v1_ListRequest__Output } from './tiercache/v1/ListRequest';
import type { ListResponse as _tiercache_v1_ListResponse, ListResponse__Output as _tiercache_v1_ListResponse__Output } from './tiercache/v1/ListResponse';
import type { LoadRequest as _tiercache_v1_LoadRequest, LoadRequest__Output as _tiercache_v1_LoadRequest__Output } from './tiercache/v1/LoadRequest';
import type { LoadResponse as _tiercache_v1_LoadResponse, LoadResponse__Output as _tiercache_v1_LoadResponse__Output } from './tiercache/v1/LoadResponse';
import type { SaveHeader as _tiercache_v1_SaveHeader, SaveHeader__Output as _tiercache_v1_SaveHeader__Output } from './tiercache/v1/SaveHeader';
import type { SaveRequest as _tiercache_v1_SaveRequest, SaveRequest__Output as _tiercache_v1_SaveRequest__Output } from './tiercache/v1/SaveRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  tiercache: {
    v1: {
      CheckpointInfo: MessageTypeDefinition<_tiercache_v1_CheckpointInfo, _tiercache_v1_CheckpointInfo__Output>
      Checkpoints: SubtypeConstructor<typeof grpc.Client, _tiercache_v1_CheckpointsClient> & { service: _tiercache_v1_CheckpointsDefinition }
      DeleteRequest: MessageTypeDefinition<_tiercache_v1_DeleteRequest, _tiercache_v1_DeleteRequest__Output>
      DeleteResponse: MessageTypeDefinition<_tiercache_v1_DeleteResponse, _tiercache_v1_DeleteResponse__Output>
      ListRequest: MessageTypeDefinition<_tiercache_v1_ListRequest, _tiercache_v1_ListRequest__Output>
      ListResponse: MessageTypeDefinition<_tiercache_v1_ListResponse, _tiercache_v1_ListResponse__Output>
      LoadRequest: MessageTypeDefinition<_tiercache_v1_LoadRequest, _tiercache_v1_LoadRequest__Output>
      LoadResponse: MessageTypeDefinition<_tiercache_v1_LoadResponse, _tiercache_v1_LoadResponse__Output>
      SaveHeader: MessageTypeDefinition<_tiercache_v1_SaveHeader, _tiercache_v1_SaveHeader__Output>
      SaveRequest: MessageTypeDefinition<_tiercache_v1_SaveRequest, _tiercache_v1_SaveRequest__Output>
    }
  }
}


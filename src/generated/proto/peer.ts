import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { BlockRequest as _tiercache_v1_BlockRequest, BlockRequest__Output as _tiercache_v1_BlockRequest__Output } from './tiercache/v1/BlockRequest';
import type { BlockResponse as _tiercache_v1_BlockResponse, BlockResponse__Output as _tiercache_v1_BlockResponse__Output } from './tiercache/v1/BlockResponse';
import type { PeerClient as _tiercache_v1_PeerClient, PeerDefinition as _tiercache_v1_PeerDefinition } from './tiercache/v1/Peer';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  tiercache: {
    v1: {
      BlockRequest: MessageTypeDefinition<_tiercache_v1_BlockRequest, _tiercache_v1_BlockRequest__Output>
      BlockResponse: MessageTypeDefinition<_tiercache_v1_BlockResponse, _tiercache_v1_BlockResponse__Output>
      Peer: SubtypeConstructor<typeof grpc.Client, _tiercache_v1_PeerClient> & { service: _tiercache_v1_PeerDefinition }
    }
  }
}


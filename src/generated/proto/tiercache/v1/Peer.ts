// Original file: proto/tiercache/v1/peer.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BlockRequest as _tiercache_v1_BlockRequest, BlockRequest__Output as _tiercache_v1_BlockRequest__Output } from '../../tiercache/v1/BlockRequest';
import type { BlockResponse as _tiercache_v1_BlockResponse, BlockResponse__Output as _tiercache_v1_BlockResponse__Output } from '../../tiercache/v1/BlockResponse';

export interface PeerClient extends grpc.Client {
  GetBlock(argument: _tiercache_v1_BlockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_BlockResponse__Output>): grpc.ClientUnaryCall;
  GetBlock(argument: _tiercache_v1_BlockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_BlockResponse__Output>): grpc.ClientUnaryCall;
  GetBlock(argument: _tiercache_v1_BlockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_BlockResponse__Output>): grpc.ClientUnaryCall;
  GetBlock(argument: _tiercache_v1_BlockRequest, callback: grpc.requestCallback<_tiercache_v1_BlockResponse__Output>): grpc.ClientUnaryCall;
  getBlock(argument: _tiercache_v1_BlockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_BlockResponse__Output>): grpc.ClientUnaryCall;
  getBlock(argument: _tiercache_v1_BlockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_BlockResponse__Output>): grpc.ClientUnaryCall;
  getBlock(argument: _tiercache_v1_BlockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_BlockResponse__Output>): grpc.ClientUnaryCall;
  getBlock(argument: _tiercache_v1_BlockRequest, callback: grpc.requestCallback<_tiercache_v1_BlockResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface PeerHandlers extends grpc.UntypedServiceImplementation {
  GetBlock: grpc.handleUnaryCall<_tiercache_v1_BlockRequest__Output, _tiercache_v1_BlockResponse>;
  
}

export interface PeerDefinition extends grpc.ServiceDefinition {
  GetBlock: MethodDefinition<_tiercache_v1_BlockRequest, _tiercache_v1_BlockResponse, _tiercache_v1_BlockRequest__Output, _tiercache_v1_BlockResponse__Output>
}

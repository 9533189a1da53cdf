// Original file: proto/tiercache/v1/checkpoint_mount.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { MountWaitRequest as _tiercache_v1_MountWaitRequest, MountWaitRequest__Output as _tiercache_v1_MountWaitRequest__Output } from '../../tiercache/v1/MountWaitRequest';
import type { MountWaitResponse as _tiercache_v1_MountWaitResponse, MountWaitResponse__Output as _tiercache_v1_MountWaitResponse__Output } from '../../tiercache/v1/MountWaitResponse';

export interface CheckpointMountClient extends grpc.Client {
  Wait(argument: _tiercache_v1_MountWaitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_MountWaitResponse__Output>): grpc.ClientUnaryCall;
  Wait(argument: _tiercache_v1_MountWaitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_MountWaitResponse__Output>): grpc.ClientUnaryCall;
  Wait(argument: _tiercache_v1_MountWaitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_MountWaitResponse__Output>): grpc.ClientUnaryCall;
  Wait(argument: _tiercache_v1_MountWaitRequest, callback: grpc.requestCallback<_tiercache_v1_MountWaitResponse__Output>): grpc.ClientUnaryCall;
  wait(argument: _tiercache_v1_MountWaitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_MountWaitResponse__Output>): grpc.ClientUnaryCall;
  wait(argument: _tiercache_v1_MountWaitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_MountWaitResponse__Output>): grpc.ClientUnaryCall;
  wait(argument: _tiercache_v1_MountWaitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_MountWaitResponse__Output>): grpc.ClientUnaryCall;
  wait(argument: _tiercache_v1_MountWaitRequest, callback: grpc.requestCallback<_tiercache_v1_MountWaitResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface CheckpointMountHandlers extends grpc.UntypedServiceImplementation {
  Wait: grpc.handleUnaryCall<_tiercache_v1_MountWaitRequest__Output, _tiercache_v1_MountWaitResponse>;
  
}

export interface CheckpointMountDefinition extends grpc.ServiceDefinition {
  Wait: MethodDefinition<_tiercache_v1_MountWaitRequest, _tiercache_v1_MountWaitResponse, _tiercache_v1_MountWaitRequest__Output, _tiercache_v1_MountWaitResponse__Output>
}

// Original file: proto/tiercache/v1/checkpoint.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CheckpointInfo as _tiercache_v1_CheckpointInfo, CheckpointInfo__Output as _tiercache_v1_CheckpointInfo__Output } from '../../tiercache/v1/CheckpointInfo';
import type { DeleteRequest as _tiercache_v1_DeleteRequest, DeleteRequest__Output as _tiercache_v1_DeleteRequest__Output } from '../../tiercache/v1/DeleteRequest';
import type { DeleteResponse as _tiercache_v1_DeleteResponse, DeleteResponse__Output as _tiercache_v1_DeleteResponse__Output } from '../../tiercache/v1/DeleteResponse';
import type { ListRequest as _tiercache_v1_ListRequest, ListRequest__Output as _tiercache_v1_ListRequest__Output } from '../../tiercache/v1/ListRequest';
import type { ListResponse as _tiercache_v1_ListResponse, ListResponse__Output as _tiercache_v1_ListResponse__Output } from '../../tiercache/v1/ListResponse';
import type { LoadRequest as _tiercache_v1_LoadRequest, LoadRequest__Output as _tiercache_v1_LoadRequest__Output } from '../../tiercache/v1/LoadRequest';
import type { LoadResponse as _tiercache_v1_LoadResponse, LoadResponse__Output as _tiercache_v1_LoadResponse__Output } from '../../tiercache/v1/LoadResponse';
import type { SaveRequest as _tiercache_v1_SaveRequest, SaveRequest__Output as _tiercache_v1_SaveRequest__Output } from '../../tiercache/v1/SaveRequest';

export interface CheckpointsClient extends grpc.Client {
  Delete(argument: _tiercache_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _tiercache_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _tiercache_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _tiercache_v1_DeleteRequest, callback: grpc.requestCallback<_tiercache_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _tiercache_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _tiercache_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _tiercache_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _tiercache_v1_DeleteRequest, callback: grpc.requestCallback<_tiercache_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  
  List(argument: _tiercache_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _tiercache_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _tiercache_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _tiercache_v1_ListRequest, callback: grpc.requestCallback<_tiercache_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _tiercache_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _tiercache_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _tiercache_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _tiercache_v1_ListRequest, callback: grpc.requestCallback<_tiercache_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  
  Load(argument: _tiercache_v1_LoadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_LoadResponse__Output>;
  Load(argument: _tiercache_v1_LoadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_LoadResponse__Output>;
  load(argument: _tiercache_v1_LoadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_LoadResponse__Output>;
  load(argument: _tiercache_v1_LoadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_LoadResponse__Output>;
  
  LoadLatest(argument: _tiercache_v1_LoadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_LoadResponse__Output>;
  LoadLatest(argument: _tiercache_v1_LoadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_LoadResponse__Output>;
  loadLatest(argument: _tiercache_v1_LoadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_LoadResponse__Output>;
  loadLatest(argument: _tiercache_v1_LoadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_LoadResponse__Output>;
  
  Save(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_CheckpointInfo__Output>): grpc.ClientWritableStream<_tiercache_v1_SaveRequest>;
  Save(metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_CheckpointInfo__Output>): grpc.ClientWritableStream<_tiercache_v1_SaveRequest>;
  Save(options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_CheckpointInfo__Output>): grpc.ClientWritableStream<_tiercache_v1_SaveRequest>;
  Save(callback: grpc.requestCallback<_tiercache_v1_CheckpointInfo__Output>): grpc.ClientWritableStream<_tiercache_v1_SaveRequest>;
  save(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_CheckpointInfo__Output>): grpc.ClientWritableStream<_tiercache_v1_SaveRequest>;
  save(metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_CheckpointInfo__Output>): grpc.ClientWritableStream<_tiercache_v1_SaveRequest>;
  save(options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_CheckpointInfo__Output>): grpc.ClientWritableStream<_tiercache_v1_SaveRequest>;
  save(callback: grpc.requestCallback<_tiercache_v1_CheckpointInfo__Output>): grpc.ClientWritableStream<_tiercache_v1_SaveRequest>;
  
}

export interface CheckpointsHandlers extends grpc.UntypedServiceImplementation {
  Delete: grpc.handleUnaryCall<_tiercache_v1_DeleteRequest__Output, _tiercache_v1_DeleteResponse>;
  
  List: grpc.handleUnaryCall<_tiercache_v1_ListRequest__Output, _tiercache_v1_ListResponse>;
  
  Load: grpc.handleServerStreamingCall<_tiercache_v1_LoadRequest__Output, _tiercache_v1_LoadResponse>;
  
  LoadLatest: grpc.handleServerStreamingCall<_tiercache_v1_LoadRequest__Output, _tiercache_v1_LoadResponse>;
  
  Save: grpc.handleClientStreamingCall<_tiercache_v1_SaveRequest__Output, _tiercache_v1_CheckpointInfo>;
  
}

export interface CheckpointsDefinition extends grpc.ServiceDefinition {
  Delete: MethodDefinition<_tiercache_v1_DeleteRequest, _tiercache_v1_DeleteResponse, _tiercache_v1_DeleteRequest__Output, _tiercache_v1_DeleteResponse__Output>
  List: MethodDefinition<_tiercache_v1_ListRequest, _tiercache_v1_ListResponse, _tiercache_v1_ListRequest__Output, _tiercache_v1_ListResponse__Output>
  Load: MethodDefinition<_tiercache_v1_LoadRequest, _tiercache_v1_LoadResponse, _tiercache_v1_LoadRequest__Output, _tiercache_v1_LoadResponse__Output>
  LoadLatest: MethodDefinition<_tiercache_v1_LoadRequest, _tiercache_v1_LoadResponse, _tiercache_v1_LoadRequest__Output, _tiercache_v1_LoadResponse__Output>
  Save: MethodDefinition<_tiercache_v1_SaveRequest, _tiercache_v1_CheckpointInfo, _tiercache_v1_SaveRequest__Output, _tiercache_v1_CheckpointInfo__Output>
}

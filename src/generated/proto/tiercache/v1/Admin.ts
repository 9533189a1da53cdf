// Original file: proto/tiercache/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AccessPatternsRequest as _tiercache_v1_AccessPatternsRequest, AccessPatternsRequest__Output as _tiercache_v1_AccessPatternsRequest__Output } from '../../tiercache/v1/AccessPatternsRequest';
import type { AccessPatternsResponse as _tiercache_v1_AccessPatternsResponse, AccessPatternsResponse__Output as _tiercache_v1_AccessPatternsResponse__Output } from '../../tiercache/v1/AccessPatternsResponse';
import type { ConfigRequest as _tiercache_v1_ConfigRequest, ConfigRequest__Output as _tiercache_v1_ConfigRequest__Output } from '../../tiercache/v1/ConfigRequest';
import type { ConfigResponse as _tiercache_v1_ConfigResponse, ConfigResponse__Output as _tiercache_v1_ConfigResponse__Output } from '../../tiercache/v1/ConfigResponse';
import type { StatsRequest as _tiercache_v1_StatsRequest, StatsRequest__Output as _tiercache_v1_StatsRequest__Output } from '../../tiercache/v1/StatsRequest';
import type { StatsResponse as _tiercache_v1_StatsResponse, StatsResponse__Output as _tiercache_v1_StatsResponse__Output } from '../../tiercache/v1/StatsResponse';

export interface AdminClient extends grpc.Client {
  AccessPatterns(argument: _tiercache_v1_AccessPatternsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_AccessPatternsResponse__Output>): grpc.ClientUnaryCall;
  AccessPatterns(argument: _tiercache_v1_AccessPatternsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_AccessPatternsResponse__Output>): grpc.ClientUnaryCall;
  AccessPatterns(argument: _tiercache_v1_AccessPatternsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_AccessPatternsResponse__Output>): grpc.ClientUnaryCall;
  AccessPatterns(argument: _tiercache_v1_AccessPatternsRequest, callback: grpc.requestCallback<_tiercache_v1_AccessPatternsResponse__Output>): grpc.ClientUnaryCall;
  accessPatterns(argument: _tiercache_v1_AccessPatternsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_AccessPatternsResponse__Output>): grpc.ClientUnaryCall;
  accessPatterns(argument: _tiercache_v1_AccessPatternsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_AccessPatternsResponse__Output>): grpc.ClientUnaryCall;
  accessPatterns(argument: _tiercache_v1_AccessPatternsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_AccessPatternsResponse__Output>): grpc.ClientUnaryCall;
  accessPatterns(argument: _tiercache_v1_AccessPatternsRequest, callback: grpc.requestCallback<_tiercache_v1_AccessPatternsResponse__Output>): grpc.ClientUnaryCall;
  
  Config(argument: _tiercache_v1_ConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ConfigResponse__Output>): grpc.ClientUnaryCall;
  Config(argument: _tiercache_v1_ConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_ConfigResponse__Output>): grpc.ClientUnaryCall;
  Config(argument: _tiercache_v1_ConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ConfigResponse__Output>): grpc.ClientUnaryCall;
  Config(argument: _tiercache_v1_ConfigRequest, callback: grpc.requestCallback<_tiercache_v1_ConfigResponse__Output>): grpc.ClientUnaryCall;
  config(argument: _tiercache_v1_ConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ConfigResponse__Output>): grpc.ClientUnaryCall;
  config(argument: _tiercache_v1_ConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_ConfigResponse__Output>): grpc.ClientUnaryCall;
  config(argument: _tiercache_v1_ConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ConfigResponse__Output>): grpc.ClientUnaryCall;
  config(argument: _tiercache_v1_ConfigRequest, callback: grpc.requestCallback<_tiercache_v1_ConfigResponse__Output>): grpc.ClientUnaryCall;
  
  Stats(argument: _tiercache_v1_StatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_StatsResponse__Output>): grpc.ClientUnaryCall;
  Stats(argument: _tiercache_v1_StatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_StatsResponse__Output>): grpc.ClientUnaryCall;
  Stats(argument: _tiercache_v1_StatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_StatsResponse__Output>): grpc.ClientUnaryCall;
  Stats(argument: _tiercache_v1_StatsRequest, callback: grpc.requestCallback<_tiercache_v1_StatsResponse__Output>): grpc.ClientUnaryCall;
  stats(argument: _tiercache_v1_StatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_StatsResponse__Output>): grpc.ClientUnaryCall;
  stats(argument: _tiercache_v1_StatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_StatsResponse__Output>): grpc.ClientUnaryCall;
  stats(argument: _tiercache_v1_StatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_StatsResponse__Output>): grpc.ClientUnaryCall;
  stats(argument: _tiercache_v1_StatsRequest, callback: grpc.requestCallback<_tiercache_v1_StatsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  AccessPatterns: grpc.handleUnaryCall<_tiercache_v1_AccessPatternsRequest__Output, _tiercache_v1_AccessPatternsResponse>;
  
  Config: grpc.handleUnaryCall<_tiercache_v1_ConfigRequest__Output, _tiercache_v1_ConfigResponse>;
  
  Stats: grpc.handleUnaryCall<_tiercache_v1_StatsRequest__Output, _tiercache_v1_StatsResponse>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  AccessPatterns: MethodDefinition<_tiercache_v1_AccessPatternsRequest, _tiercache_v1_AccessPatternsResponse, _tiercache_v1_AccessPatternsRequest__Output, _tiercache_v1_AccessPatternsResponse__Output>
  Config: MethodDefinition<_tiercache_v1_ConfigRequest, _tiercache_v1_ConfigResponse, _tiercache_v1_ConfigRequest__Output, _tiercache_v1_ConfigResponse__Output>
  Stats: MethodDefinition<_tiercache_v1_StatsRequest, _tiercache_v1_StatsResponse, _tiercache_v1_StatsRequest__Output, _tiercache_v1_StatsResponse__Output>
}

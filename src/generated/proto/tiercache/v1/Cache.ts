// Original file: proto/tiercache/v1/cache.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { EvictRequest as _tiercache_v1_EvictRequest, EvictRequest__Output as _tiercache_v1_EvictRequest__Output } from '../../tiercache/v1/EvictRequest';
import type { EvictResponse as _tiercache_v1_EvictResponse, EvictResponse__Output as _tiercache_v1_EvictResponse__Output } from '../../tiercache/v1/EvictResponse';
import type { FileChunk as _tiercache_v1_FileChunk, FileChunk__Output as _tiercache_v1_FileChunk__Output } from '../../tiercache/v1/FileChunk';
import type { FileInfo as _tiercache_v1_FileInfo, FileInfo__Output as _tiercache_v1_FileInfo__Output } from '../../tiercache/v1/FileInfo';
import type { PlanRequest as _tiercache_v1_PlanRequest, PlanRequest__Output as _tiercache_v1_PlanRequest__Output } from '../../tiercache/v1/PlanRequest';
import type { PlanResponse as _tiercache_v1_PlanResponse, PlanResponse__Output as _tiercache_v1_PlanResponse__Output } from '../../tiercache/v1/PlanResponse';
import type { PrefetchRequest as _tiercache_v1_PrefetchRequest, PrefetchRequest__Output as _tiercache_v1_PrefetchRequest__Output } from '../../tiercache/v1/PrefetchRequest';
import type { PrefetchResponse as _tiercache_v1_PrefetchResponse, PrefetchResponse__Output as _tiercache_v1_PrefetchResponse__Output } from '../../tiercache/v1/PrefetchResponse';
import type { ReadChunk as _tiercache_v1_ReadChunk, ReadChunk__Output as _tiercache_v1_ReadChunk__Output } from '../../tiercache/v1/ReadChunk';
import type { ReadFilesRequest as _tiercache_v1_ReadFilesRequest, ReadFilesRequest__Output as _tiercache_v1_ReadFilesRequest__Output } from '../../tiercache/v1/ReadFilesRequest';
import type { ReadRequest as _tiercache_v1_ReadRequest, ReadRequest__Output as _tiercache_v1_ReadRequest__Output } from '../../tiercache/v1/ReadRequest';
import type { ReadResponse as _tiercache_v1_ReadResponse, ReadResponse__Output as _tiercache_v1_ReadResponse__Output } from '../../tiercache/v1/ReadResponse';
import type { SessionRead as _tiercache_v1_SessionRead, SessionRead__Output as _tiercache_v1_SessionRead__Output } from '../../tiercache/v1/SessionRead';
import type { SessionReply as _tiercache_v1_SessionReply, SessionReply__Output as _tiercache_v1_SessionReply__Output } from '../../tiercache/v1/SessionReply';
import type { StatRequest as _tiercache_v1_StatRequest, StatRequest__Output as _tiercache_v1_StatRequest__Output } from '../../tiercache/v1/StatRequest';
import type { WarmupProgress as _tiercache_v1_WarmupProgress, WarmupProgress__Output as _tiercache_v1_WarmupProgress__Output } from '../../tiercache/v1/WarmupProgress';
import type { WarmupRequest as _tiercache_v1_WarmupRequest, WarmupRequest__Output as _tiercache_v1_WarmupRequest__Output } from '../../tiercache/v1/WarmupRequest';

export interface CacheClient extends grpc.Client {
  Evict(argument: _tiercache_v1_EvictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  Evict(argument: _tiercache_v1_EvictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  Evict(argument: _tiercache_v1_EvictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  Evict(argument: _tiercache_v1_EvictRequest, callback: grpc.requestCallback<_tiercache_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  evict(argument: _tiercache_v1_EvictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  evict(argument: _tiercache_v1_EvictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  evict(argument: _tiercache_v1_EvictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  evict(argument: _tiercache_v1_EvictRequest, callback: grpc.requestCallback<_tiercache_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  
  Prefetch(argument: _tiercache_v1_PrefetchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_PrefetchResponse__Output>): grpc.ClientUnaryCall;
  Prefetch(argument: _tiercache_v1_PrefetchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_PrefetchResponse__Output>): grpc.ClientUnaryCall;
  Prefetch(argument: _tiercache_v1_PrefetchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_PrefetchResponse__Output>): grpc.ClientUnaryCall;
  Prefetch(argument: _tiercache_v1_PrefetchRequest, callback: grpc.requestCallback<_tiercache_v1_PrefetchResponse__Output>): grpc.ClientUnaryCall;
  prefetch(argument: _tiercache_v1_PrefetchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_PrefetchResponse__Output>): grpc.ClientUnaryCall;
  prefetch(argument: _tiercache_v1_PrefetchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_PrefetchResponse__Output>): grpc.ClientUnaryCall;
  prefetch(argument: _tiercache_v1_PrefetchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_PrefetchResponse__Output>): grpc.ClientUnaryCall;
  prefetch(argument: _tiercache_v1_PrefetchRequest, callback: grpc.requestCallback<_tiercache_v1_PrefetchResponse__Output>): grpc.ClientUnaryCall;
  
  Read(argument: _tiercache_v1_ReadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _tiercache_v1_ReadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _tiercache_v1_ReadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _tiercache_v1_ReadRequest, callback: grpc.requestCallback<_tiercache_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _tiercache_v1_ReadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _tiercache_v1_ReadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _tiercache_v1_ReadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _tiercache_v1_ReadRequest, callback: grpc.requestCallback<_tiercache_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  
  ReadFiles(argument: _tiercache_v1_ReadFilesRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_FileChunk__Output>;
  ReadFiles(argument: _tiercache_v1_ReadFilesRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_FileChunk__Output>;
  readFiles(argument: _tiercache_v1_ReadFilesRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_FileChunk__Output>;
  readFiles(argument: _tiercache_v1_ReadFilesRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_FileChunk__Output>;
  
  ReadSession(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_tiercache_v1_SessionRead, _tiercache_v1_SessionReply__Output>;
  ReadSession(options?: grpc.CallOptions): grpc.ClientDuplexStream<_tiercache_v1_SessionRead, _tiercache_v1_SessionReply__Output>;
  readSession(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_tiercache_v1_SessionRead, _tiercache_v1_SessionReply__Output>;
  readSession(options?: grpc.CallOptions): grpc.ClientDuplexStream<_tiercache_v1_SessionRead, _tiercache_v1_SessionReply__Output>;
  
  ReadStream(argument: _tiercache_v1_ReadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_ReadChunk__Output>;
  ReadStream(argument: _tiercache_v1_ReadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_ReadChunk__Output>;
  readStream(argument: _tiercache_v1_ReadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_ReadChunk__Output>;
  readStream(argument: _tiercache_v1_ReadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_ReadChunk__Output>;
  
  Stat(argument: _tiercache_v1_StatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  Stat(argument: _tiercache_v1_StatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  Stat(argument: _tiercache_v1_StatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  Stat(argument: _tiercache_v1_StatRequest, callback: grpc.requestCallback<_tiercache_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  stat(argument: _tiercache_v1_StatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  stat(argument: _tiercache_v1_StatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  stat(argument: _tiercache_v1_StatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  stat(argument: _tiercache_v1_StatRequest, callback: grpc.requestCallback<_tiercache_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  
  SubmitPlan(argument: _tiercache_v1_PlanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  SubmitPlan(argument: _tiercache_v1_PlanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  SubmitPlan(argument: _tiercache_v1_PlanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  SubmitPlan(argument: _tiercache_v1_PlanRequest, callback: grpc.requestCallback<_tiercache_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  submitPlan(argument: _tiercache_v1_PlanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  submitPlan(argument: _tiercache_v1_PlanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tiercache_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  submitPlan(argument: _tiercache_v1_PlanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tiercache_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  submitPlan(argument: _tiercache_v1_PlanRequest, callback: grpc.requestCallback<_tiercache_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  
  Warmup(argument: _tiercache_v1_WarmupRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_WarmupProgress__Output>;
  Warmup(argument: _tiercache_v1_WarmupRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_WarmupProgress__Output>;
  warmup(argument: _tiercache_v1_WarmupRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_WarmupProgress__Output>;
  warmup(argument: _tiercache_v1_WarmupRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_tiercache_v1_WarmupProgress__Output>;
  
}

export interface CacheHandlers extends grpc.UntypedServiceImplementation {
  Evict: grpc.handleUnaryCall<_tiercache_v1_EvictRequest__Output, _tiercache_v1_EvictResponse>;
  
  Prefetch: grpc.handleUnaryCall<_tiercache_v1_PrefetchRequest__Output, _tiercache_v1_PrefetchResponse>;
  
  Read: grpc.handleUnaryCall<_tiercache_v1_ReadRequest__Output, _tiercache_v1_ReadResponse>;
  
  ReadFiles: grpc.handleServerStreamingCall<_tiercache_v1_ReadFilesRequest__Output, _tiercache_v1_FileChunk>;
  
  ReadSession: grpc.handleBidiStreamingCall<_tiercache_v1_SessionRead__Output, _tiercache_v1_SessionReply>;
  
  ReadStream: grpc.handleServerStreamingCall<_tiercache_v1_ReadRequest__Output, _tiercache_v1_ReadChunk>;
  
  Stat: grpc.handleUnaryCall<_tiercache_v1_StatRequest__Output, _tiercache_v1_FileInfo>;
  
  SubmitPlan: grpc.handleUnaryCall<_tiercache_v1_PlanRequest__Output, _tiercache_v1_PlanResponse>;
  
  Warmup: grpc.handleServerStreamingCall<_tiercache_v1_WarmupRequest__Output, _tiercache_v1_WarmupProgress>;
  
}

export interface CacheDefinition extends grpc.ServiceDefinition {
  Evict: MethodDefinition<_tiercache_v1_EvictRequest, _tiercache_v1_EvictResponse, _tiercache_v1_EvictRequest__Output, _tiercache_v1_EvictResponse__Output>
  Prefetch: MethodDefinition<_tiercache_v1_PrefetchRequest, _tiercache_v1_PrefetchResponse, _tiercache_v1_PrefetchRequest__Output, _tiercache_v1_PrefetchResponse__Output>
  Read: MethodDefinition<_tiercache_v1_ReadRequest, _tiercache_v1_ReadResponse, _tiercache_v1_ReadRequest__Output, _tiercache_v1_ReadResponse__Output>
  ReadFiles: MethodDefinition<_tiercache_v1_ReadFilesRequest, _tiercache_v1_FileChunk, _tiercache_v1_ReadFilesRequest__Output, _tiercache_v1_FileChunk__Output>
  ReadSession: MethodDefinition<_tiercache_v1_SessionRead, _tiercache_v1_SessionReply, _tiercache_v1_SessionRead__Output, _tiercache_v1_SessionReply__Output>
  ReadStream: MethodDefinition<_tiercache_v1_ReadRequest, _tiercache_v1_ReadChunk, _tiercache_v1_ReadRequest__Output, _tiercache_v1_ReadChunk__Output>
  Stat: MethodDefinition<_tiercache_v1_StatRequest, _tiercache_v1_FileInfo, _tiercache_v1_StatRequest__Output, _tiercache_v1_FileInfo__Output>
  SubmitPlan: MethodDefinition<_tiercache_v1_PlanRequest, _tiercache_v1_PlanResponse, _tiercache_v1_PlanRequest__Output, _tiercache_v1_PlanResponse__Output>
  Warmup: MethodDefinition<_tiercache_v1_WarmupRequest, _tiercache_v1_WarmupProgress, _tiercache_v1_WarmupRequest__Output, _tiercache_v1_WarmupProgress__Output>
}

import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ByteRange as _tiercache_v1_ByteRange, ByteRange__Output as _tiercache_v1_ByteRange__Output } from './tiercache/v1/ByteRange';
import type { CacheClient as _tiercache_v1_CacheClient, CacheDefinition as _tiercache_v1_CacheDefinition } from './tiercache/v1/Cache';
import type { EvictRequest as _tiercache_v1_EvictRequest, EvictRequest__Output as _tiercache_v1_EvictRequest__Output } from './tiercache/v1/EvictRequest';
import type { EvictResponse as _tiercache_v1_EvictResponse, EvictResponse__Output as _tiercache_v1_EvictResponse__Output } from './tiercache/v1/EvictResponse';
import type { FileChunk as _tiercache_v1_FileChunk, FileChunk__Output as _tiercache_v1_FileChunk__Output } from './tiercache/v1/FileChunk';
import type { FileError as _tiercache_v1_FileError, FileError__Output as _tiercache_v1_FileError__Output } from './tiercache/v1/FileError';
import type { FileInfo as _tiercache_v1_FileInfo, FileInfo__Output as _tiercache_v1_FileInfo__Output } from './tiercache/v1/FileInfo';
import type { PlanRequest as _tiercache_v1_PlanRequest, PlanRequest__Output as _tiercache_v1_PlanRequest__Output } from './tiercache/v1/PlanRequest';
import type { PlanResponse as _tiercache_v1_PlanResponse, PlanResponse__Output as _tiercache_v1_PlanResponse__Output } from './tiercache/v1/PlanResponse';
import type { PrefetchRequest as _tiercache_v1_PrefetchRequest, PrefetchRequest__Output as _tiercache_v1_PrefetchRequest__Output } from './tiercache/v1/PrefetchRequest';
import type { PrefetchResponse as _tiercache_v1_PrefetchResponse, PrefetchResponse__Output as _tiercache_v1_PrefetchResponse__Output } from './tiercache/v1/PrefetchResponse';
import type { ReadChunk as _tiercache_v1_ReadChunk, ReadChunk__Output as _tiercache_v1_ReadChunk__Output } from './tiercache/v1/ReadChunk';
import type { ReadFilesRequest as _tiercache_v1_ReadFilesRequest, ReadFilesRequest__Output as _tiercache_v1_ReadFilesRequest__Output } from './tiercache/v1/ReadFilesRequest';
import type { ReadRequest as _tiercache_v1_ReadRequest, ReadRequest__Output as _tiercache_v1_ReadRequest__Output } from './tiercache/v1/ReadRequest';
import type { ReadResponse as _tiercache_v1_ReadResponse, ReadResponse__Output as _tiercache_v1_ReadResponse__Output } from './tiercache/v1/ReadResponse';
import type { SessionRead as _tiercache_v1_SessionRead, SessionRead__Output as _tiercache_v1_SessionRead__Output } from './tiercache/v1/SessionRead';
import type { SessionReply as _tiercache_v1_SessionReply, SessionReply__Output as _tiercache_v1_SessionReply__Output } from './tiercache/v1/SessionReply';
import type { StatRequest as _tiercache_v1_StatRequest, StatRequest__Output as _tiercache_v1_StatRequest__Output } from './tiercache/v1/StatRequest';
import type { WarmupProgress as _tiercache_v1_WarmupProgress, WarmupProgress__Output as _tiercache_v1_WarmupProgress__Output } from './tiercache/v1/WarmupProgress';
import type { WarmupRequest as _tiercache_v1_WarmupRequest, WarmupRequest__Output as _tiercache_v1_WarmupRequest__Output } from './tiercache/v1/WarmupRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  tiercache: {
    v1: {
      ByteRange: MessageTypeDefinition<_tiercache_v1_ByteRange, _tiercache_v1_ByteRange__Output>
      Cache: SubtypeConstructor<typeof grpc.Client, _tiercache_v1_CacheClient> & { service: _tiercache_v1_CacheDefinition }
      EvictRequest: MessageTypeDefinition<_tiercache_v1_EvictRequest, _tiercache_v1_EvictRequest__Output>
      EvictResponse: MessageTypeDefinition<_tiercache_v1_EvictResponse, _tiercache_v1_EvictResponse__Output>
      FileChunk: MessageTypeDefinition<_tiercache_v1_FileChunk, _tiercache_v1_FileChunk__Output>
      FileError: MessageTypeDefinition<_tiercache_v1_FileError, _tiercache_v1_FileError__Output>
      FileInfo: MessageTypeDefinition<_tiercache_v1_FileInfo, _tiercache_v1_FileInfo__Output>
      PlanRequest: MessageTypeDefinition<_tiercache_v1_PlanRequest, _tiercache_v1_PlanRequest__Output>
      PlanResponse: MessageTypeDefinition<_tiercache_v1_PlanResponse, _tiercache_v1_PlanResponse__Output>
      PrefetchRequest: MessageTypeDefinition<_tiercache_v1_PrefetchRequest, _tiercache_v1_PrefetchRequest__Output>
      PrefetchResponse: MessageTypeDefinition<_tiercache_v1_PrefetchResponse, _tiercache_v1_PrefetchResponse__Output>
      ReadChunk: MessageTypeDefinition<_tiercache_v1_ReadChunk, _tiercache_v1_ReadChunk__Output>
      ReadFilesRequest: MessageTypeDefinition<_tiercache_v1_ReadFilesRequest, _tiercache_v1_ReadFilesRequest__Output>
      ReadRequest: MessageTypeDefinition<_tiercache_v1_ReadRequest, _tiercache_v1_ReadRequest__Output>
      ReadResponse: MessageTypeDefinition<_tiercache_v1_ReadResponse, _tiercache_v1_ReadResponse__Output>
      SessionRead: MessageTypeDefinition<_tiercache_v1_SessionRead, _tiercache_v1_SessionRead__Output>
      SessionReply: MessageTypeDefinition<_tiercache_v1_SessionReply, _tiercache_v1_SessionReply__Output>
      StatRequest: MessageTypeDefinition<_tiercache_v1_StatRequest, _tiercache_v1_StatRequest__Output>
      WarmupProgress: MessageTypeDefinition<_tiercache_v1_WarmupProgress, _tiercache_v1_WarmupProgress__Output>
      WarmupRequest: MessageTypeDefinition<_tiercache_v1_WarmupRequest, _tiercache_v1_WarmupRequest__Output>
    }
  }
}


// The wire messages of tiercache.v1 and grpc.health.v1 under short names,
// re-exported from the types hack/gen-ts-proto.sh generates from proto/.
// `X` is the message as it is received (every field present: the loader
// fills defaults, uint64 as number), which is also what a sender builds when
// it has every field; `XIn` is the looser shape a sender may pass.

import type { ClientReadableStream, ClientUnaryCall, requestCallback } from '@grpc/grpc-js';
import type { AdminClient } from '../generated/proto/tiercache/v1/Admin';
import type { CacheClient } from '../generated/proto/tiercache/v1/Cache';
import type { CheckpointsClient } from '../generated/proto/tiercache/v1/Checkpoints';
import type { CheckpointMountClient } from '../generated/proto/tiercache/v1/CheckpointMount';
import type { PeerClient } from '../generated/proto/tiercache/v1/Peer';
import type { HealthClient } from '../generated/proto/grpc/health/v1/Health';

export type { AccessPattern__Output as AccessPattern, AccessPattern as AccessPatternIn } from '../generated/proto/tiercache/v1/AccessPattern';
export type { AccessPatternsRequest__Output as AccessPatternsRequest, AccessPatternsRequest as AccessPatternsRequestIn } from '../generated/proto/tiercache/v1/AccessPatternsRequest';
export type { AccessPatternsResponse__Output as AccessPatternsResponse, AccessPatternsResponse as AccessPatternsResponseIn } from '../generated/proto/tiercache/v1/AccessPatternsResponse';
export type { BlockRequest__Output as BlockRequest, BlockRequest as BlockRequestIn } from '../generated/proto/tiercache/v1/BlockRequest';
export type { BlockResponse__Output as BlockResponse, BlockResponse as BlockResponseIn } from '../generated/proto/tiercache/v1/BlockResponse';
export type { ByteRange__Output as ByteRange, ByteRange as ByteRangeIn } from '../generated/proto/tiercache/v1/ByteRange';
export type { CheckpointInfo__Output as CheckpointInfo, CheckpointInfo as CheckpointInfoIn } from '../generated/proto/tiercache/v1/CheckpointInfo';
export type { CheckpointMountStats__Output as CheckpointMountStats, CheckpointMountStats as CheckpointMountStatsIn } from '../generated/proto/tiercache/v1/CheckpointMountStats';
export type { CheckpointStats__Output as CheckpointStats, CheckpointStats as CheckpointStatsIn } from '../generated/proto/tiercache/v1/CheckpointStats';
export type { ConfigRequest__Output as ConfigRequest, ConfigRequest as ConfigRequestIn } from '../generated/proto/tiercache/v1/ConfigRequest';
export type { ConfigResponse__Output as ConfigResponse, ConfigResponse as ConfigResponseIn } from '../generated/proto/tiercache/v1/ConfigResponse';
export type { DeleteRequest__Output as DeleteRequest, DeleteRequest as DeleteRequestIn } from '../generated/proto/tiercache/v1/DeleteRequest';
export type { DeleteResponse__Output as DeleteResponse, DeleteResponse as DeleteResponseIn } from '../generated/proto/tiercache/v1/DeleteResponse';
export type { DistributedStats__Output as DistributedStats, DistributedStats as DistributedStatsIn } from '../generated/proto/tiercache/v1/DistributedStats';
export type { EvictRequest__Output as EvictRequest, EvictRequest as EvictRequestIn } from '../generated/proto/tiercache/v1/EvictRequest';
export type { EvictResponse__Output as EvictResponse, EvictResponse as EvictResponseIn } from '../generated/proto/tiercache/v1/EvictResponse';
export type { FileChunk__Output as FileChunk, FileChunk as FileChunkIn } from '../generated/proto/tiercache/v1/FileChunk';
export type { FileError__Output as FileError, FileError as FileErrorIn } from '../generated/proto/tiercache/v1/FileError';
export type { FileInfo__Output as FileInfo, FileInfo as FileInfoIn } from '../generated/proto/tiercache/v1/FileInfo';
export type { ListRequest__Output as ListRequest, ListRequest as ListRequestIn } from '../generated/proto/tiercache/v1/ListRequest';
export type { ListResponse__Output as ListResponse, ListResponse as ListResponseIn } from '../generated/proto/tiercache/v1/ListResponse';
export type { LoadRequest__Output as LoadRequest, LoadRequest as LoadRequestIn } from '../generated/proto/tiercache/v1/LoadRequest';
export type { LoadResponse__Output as LoadResponse, LoadResponse as LoadResponseIn } from '../generated/proto/tiercache/v1/LoadResponse';
export type { PeerStats__Output as PeerStats, PeerStats as PeerStatsIn } from '../generated/proto/tiercache/v1/PeerStats';
export type { PlanRequest__Output as PlanRequest, PlanRequest as PlanRequestIn } from '../generated/proto/tiercache/v1/PlanRequest';
export type { PlanResponse__Output as PlanResponse, PlanResponse as PlanResponseIn } from '../generated/proto/tiercache/v1/PlanResponse';
export type { PrefetchRequest__Output as PrefetchRequest, PrefetchRequest as PrefetchRequestIn } from '../generated/proto/tiercache/v1/PrefetchRequest';
export type { PrefetchResponse__Output as PrefetchResponse, PrefetchResponse as PrefetchResponseIn } from '../generated/proto/tiercache/v1/PrefetchResponse';
export type { PrefetchStats__Output as PrefetchStats, PrefetchStats as PrefetchStatsIn } from '../generated/proto/tiercache/v1/PrefetchStats';
export type { LimitsStats__Output as LimitsStats } from '../generated/proto/tiercache/v1/LimitsStats';
export type { ReadChunk__Output as ReadChunk, ReadChunk as ReadChunkIn } from '../generated/proto/tiercache/v1/ReadChunk';
export type { ReadFilesRequest__Output as ReadFilesRequest, ReadFilesRequest as ReadFilesRequestIn } from '../generated/proto/tiercache/v1/ReadFilesRequest';
export type { ReadRequest__Output as ReadRequest, ReadRequest as ReadRequestIn } from '../generated/proto/tiercache/v1/ReadRequest';
export type { ReadResponse__Output as ReadResponse, ReadResponse as ReadResponseIn } from '../generated/proto/tiercache/v1/ReadResponse';
export type { SessionRead__Output as SessionRead, SessionRead as SessionReadIn } from '../generated/proto/tiercache/v1/SessionRead';
export type { SessionReply__Output as SessionReply, SessionReply as SessionReplyIn } from '../generated/proto/tiercache/v1/SessionReply';
export type { SaveHeader__Output as SaveHeader, SaveHeader as SaveHeaderIn } from '../generated/proto/tiercache/v1/SaveHeader';
export type { SaveRequest__Output as SaveRequest, SaveRequest as SaveRequestIn } from '../generated/proto/tiercache/v1/SaveRequest';
export type { SizeBucket__Output as SizeBucket, SizeBucket as SizeBucketIn } from '../generated/proto/tiercache/v1/SizeBucket';
export type { StatRequest__Output as StatRequest, StatRequest as StatRequestIn } from '../generated/proto/tiercache/v1/StatRequest';
export type { StatsRequest__Output as StatsRequest, StatsRequest as StatsRequestIn } from '../generated/proto/tiercache/v1/StatsRequest';
export type { StatsResponse__Output as StatsResponse, StatsResponse as StatsResponseIn } from '../generated/proto/tiercache/v1/StatsResponse';
export type { TierStats__Output as TierStats, TierStats as TierStatsIn } from '../generated/proto/tiercache/v1/TierStats';
export type { WarmupProgress__Output as WarmupProgress, WarmupProgress as WarmupProgressIn } from '../generated/proto/tiercache/v1/WarmupProgress';
export type { WarmupRequest__Output as WarmupRequest, WarmupRequest as WarmupRequestIn } from '../generated/proto/tiercache/v1/WarmupRequest';
export type { HealthCheckResponse__Output as HealthCheckResponse } from '../generated/proto/grpc/health/v1/HealthCheckResponse';
export type { HealthCheckRequest__Output as HealthCheckRequest } from '../generated/proto/grpc/health/v1/HealthCheckRequest';
export type { CacheHandlers, CacheClient } from '../generated/proto/tiercache/v1/Cache';
export type { AdminHandlers, AdminClient } from '../generated/proto/tiercache/v1/Admin';
export type { CheckpointsHandlers, CheckpointsClient } from '../generated/proto/tiercache/v1/Checkpoints';
export type { PeerHandlers, PeerClient } from '../generated/proto/tiercache/v1/Peer';
export type { HealthHandlers, HealthClient } from '../generated/proto/grpc/health/v1/Health';


/** The generated client interface of each service, by the name protocol/load.ts gives it. */
export interface ServiceClients {
  Cache: CacheClient;
  Admin: AdminClient;
  Checkpoints: CheckpointsClient;
  CheckpointMount: CheckpointMountClient;
  Peer: PeerClient;
  Health: HealthClient;
}

type Method<C> = Extract<keyof C, string>;

/** Request and answer of a unary method, read off the generated client's `(argument, callback)` overload. */
export type UnaryRequest<C, M extends Method<C>> = C[M] extends (arg: infer A, cb: requestCallback<infer _R>) => ClientUnaryCall ? A : never;
export type UnaryResponse<C, M extends Method<C>> = C[M] extends (arg: infer _A, cb: requestCallback<infer R>) => ClientUnaryCall ? R : never;
/** Request and messages of a server-streaming method. */
export type StreamRequest<C, M extends Method<C>> = C[M] extends (arg: infer A, options?: infer _O) => ClientReadableStream<infer _R> ? A : never;
export type StreamMessage<C, M extends Method<C>> = C[M] extends (arg: infer _A, options?: infer _O) => ClientReadableStream<infer R> ? R : never;

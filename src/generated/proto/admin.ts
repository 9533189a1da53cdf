import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AccessPattern as _tiercache_v1_AccessPattern, AccessPattern__Output as _tiercache_v1_AccessPattern__Output } from './tiercache/v1/AccessPattern';
import type { AccessPatternsRequest as _tiercache_v1_AccessPatternsRequest, AccessPatternsRequest__Output as _tiercache_v1_AccessPatternsRequest__Output } from './tiercache/v1/AccessPatternsRequest';
import type { AccessPatternsResponse as _tiercache_v1_AccessPatternsResponse, AccessPatternsResponse__Output as _tiercache_v1_AccessPatternsResponse__Output } from './tiercache/v1/AccessPatternsResponse';
import type { AdminClient as _tiercache_v1_AdminClient, AdminDefinition as _tiercache_v1_AdminDefinition } from './tiercache/v1/Admin';
import type { CheckpointMountStats as _tiercache_v1_CheckpointMountStats, CheckpointMountStats__Output as _tiercache_v1_CheckpointMountStats__Output } from './tiercache/v1/CheckpointMountStats';
import type { CheckpointStats as _tiercache_v1_CheckpointStats, CheckpointStats__Output as _tiercache_v1_CheckpointStats__Output } from './tiercache/v1/CheckpointStats';
import type { ConfigRequest as _tiercache_v1_ConfigRequest, ConfigRequest__Output as _tiercache_v1_ConfigRequest__Output } from './tiercache/v1/ConfigRequest';
import type { ConfigResponse as _tiercache_v1_ConfigResponse, ConfigResponse__Output as _tiercache_v1_ConfigResponse__Output } from './tiercache/v1/ConfigResponse';
import type { DistributedStats as _tiercache_v1_DistributedStats, DistributedStats__Output as _tiercache_v1_DistributedStats__Output } from './tiercache/v1/DistributedStats';
import type { LimitsStats as _tiercache_v1_LimitsStats, LimitsStats__Output as _tiercache_v1_LimitsStats__Output } from './tiercache/v1/LimitsStats';
import type { PeerStats as _tiercache_v1_PeerStats, PeerStats__Output as _tiercache_v1_PeerStats__Output } from './tiercache/v1/PeerStats';
import type { PrefetchStats as _tiercache_v1_PrefetchStats, PrefetchStats__Output as _tiercache_v1_PrefetchStats__Output } from './tiercache/v1/PrefetchStats';
import type { SizeBucket as _tiercache_v1_SizeBucket, SizeBucket__Output as _tiercache_v1_SizeBucket__Output } from './tiercache/v1/SizeBucket';
import type { SsdTenantStats as _tiercache_v1_SsdTenantStats, SsdTenantStats__Output as _tiercache_v1_SsdTenantStats__Output } from './tiercache/v1/SsdTenantStats';
import type { StatsRequest as _tiercache_v1_StatsRequest, StatsRequest__Output as _tiercache_v1_StatsRequest__Output } from './tiercache/v1/StatsRequest';
import type { StatsResponse as _tiercache_v1_StatsResponse, StatsResponse__Output as _tiercache_v1_StatsResponse__Output } from './tiercache/v1/StatsResponse';
import type { TierStats as _tiercache_v1_TierStats, TierStats__Output as _tiercache_v1_TierStats__Output } from './tiercache/v1/TierStats';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  tiercache: {
    v1: {
      AccessPattern: MessageTypeDefinition<_tiercache_v1_AccessPattern, _tiercache_v1_AccessPattern__Output>
      AccessPatternsRequest: MessageTypeDefinition<_tiercache_v1_AccessPatternsRequest, _tiercache_v1_AccessPatternsRequest__Output>
      AccessPatternsResponse: MessageTypeDefinition<_tiercache_v1_AccessPatternsResponse, _tiercache_v1_AccessPatternsResponse__Output>
      Admin: SubtypeConstructor<typeof grpc.Client, _tiercache_v1_AdminClient> & { service: _tiercache_v1_AdminDefinition }
      CheckpointMountStats: MessageTypeDefinition<_tiercache_v1_CheckpointMountStats, _tiercache_v1_CheckpointMountStats__Output>
      CheckpointStats: MessageTypeDefinition<_tiercache_v1_CheckpointStats, _tiercache_v1_CheckpointStats__Output>
      ConfigRequest: MessageTypeDefinition<_tiercache_v1_ConfigRequest, _tiercache_v1_ConfigRequest__Output>
      ConfigResponse: MessageTypeDefinition<_tiercache_v1_ConfigResponse, _tiercache_v1_ConfigResponse__Output>
      DistributedStats: MessageTypeDefinition<_tiercache_v1_DistributedStats, _tiercache_v1_DistributedStats__Output>
      LimitsStats: MessageTypeDefinition<_tiercache_v1_LimitsStats, _tiercache_v1_LimitsStats__Output>
      PeerStats: MessageTypeDefinition<_tiercache_v1_PeerStats, _tiercache_v1_PeerStats__Output>
      PrefetchStats: MessageTypeDefinition<_tiercache_v1_PrefetchStats, _tiercache_v1_PrefetchStats__Output>
      SizeBucket: MessageTypeDefinition<_tiercache_v1_SizeBucket, _tiercache_v1_SizeBucket__Output>
      SsdTenantStats: MessageTypeDefinition<_tiercache_v1_SsdTenantStats, _tiercache_v1_SsdTenantStats__Output>
      StatsRequest: MessageTypeDefinition<_tiercache_v1_StatsRequest, _tiercache_v1_StatsRequest__Output>
      StatsResponse: MessageTypeDefinition<_tiercache_v1_StatsResponse, _tiercache_v1_StatsResponse__Output>
      TierStats: MessageTypeDefinition<_tiercache_v1_TierStats, _tiercache_v1_TierStats__Output>
    }
  }
}


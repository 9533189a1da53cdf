// Original file: proto/tiercache/v1/admin.proto

import type { TierStats as _tiercache_v1_TierStats, TierStats__Output as _tiercache_v1_TierStats__Output } from '../../tiercache/v1/TierStats';
import type { DistributedStats as _tiercache_v1_DistributedStats, DistributedStats__Output as _tiercache_v1_DistributedStats__Output } from '../../tiercache/v1/DistributedStats';
import type { PrefetchStats as _tiercache_v1_PrefetchStats, PrefetchStats__Output as _tiercache_v1_PrefetchStats__Output } from '../../tiercache/v1/PrefetchStats';
import type { CheckpointStats as _tiercache_v1_CheckpointStats, CheckpointStats__Output as _tiercache_v1_CheckpointStats__Output } from '../../tiercache/v1/CheckpointStats';
import type { CheckpointMountStats as _tiercache_v1_CheckpointMountStats, CheckpointMountStats__Output as _tiercache_v1_CheckpointMountStats__Output } from '../../tiercache/v1/CheckpointMountStats';
import type { LimitsStats as _tiercache_v1_LimitsStats, LimitsStats__Output as _tiercache_v1_LimitsStats__Output } from '../../tiercache/v1/LimitsStats';
import type { Long } from '@grpc/proto-loader';

export interface StatsResponse {
  'memory'?: (_tiercache_v1_TierStats | null);
  'ssd'?: (_tiercache_v1_TierStats | null);
  'distributed'?: (_tiercache_v1_DistributedStats | null);
  'backend_bytes_read'?: (number | string | Long);
  'backend_reads'?: (number | string | Long);
  'prefetch'?: (_tiercache_v1_PrefetchStats | null);
  'checkpoints'?: (_tiercache_v1_CheckpointStats | null);
  'block_size'?: (number | string | Long);
  'uptime_seconds'?: (number | string);
  'version'?: (string);
  'backend_errors'?: (number | string | Long);
  'backend_kind'?: (string);
  'backend_throttled'?: (number | string | Long);
  'backend_retries'?: (number | string | Long);
  'checkpoint_mount'?: (_tiercache_v1_CheckpointMountStats | null);
  'loads_deduped'?: (number | string | Long);
  'limits'?: (_tiercache_v1_LimitsStats | null);
}

export interface StatsResponse__Output {
  'memory': (_tiercache_v1_TierStats__Output | null);
  'ssd': (_tiercache_v1_TierStats__Output | null);
  'distributed': (_tiercache_v1_DistributedStats__Output | null);
  'backend_bytes_read': (number);
  'backend_reads': (number);
  'prefetch': (_tiercache_v1_PrefetchStats__Output | null);
  'checkpoints': (_tiercache_v1_CheckpointStats__Output | null);
  'block_size': (number);
  'uptime_seconds': (number);
  'version': (string);
  'backend_errors': (number);
  'backend_kind': (string);
  'backend_throttled': (number);
  'backend_retries': (number);
  'checkpoint_mount': (_tiercache_v1_CheckpointMountStats__Output | null);
  'loads_deduped': (number);
  'limits': (_tiercache_v1_LimitsStats__Output | null);
}

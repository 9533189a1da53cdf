// Original file: proto/tiercache/v1/admin.proto

import type { PeerStats as _tiercache_v1_PeerStats, PeerStats__Output as _tiercache_v1_PeerStats__Output } from '../../tiercache/v1/PeerStats';
import type { Long } from '@grpc/proto-loader';

export interface DistributedStats {
  'enabled'?: (boolean);
  'peers'?: (_tiercache_v1_PeerStats)[];
  'blocks_served_to_peers'?: (number | string | Long);
  'blocks_fetched_from_peers'?: (number | string | Long);
  'peer_errors'?: (number | string | Long);
  'peer_fallbacks'?: (number | string | Long);
  'backend_bytes_avoided'?: (number | string | Long);
  'bytes_fetched_from_peers'?: (number | string | Long);
  'bytes_served_to_peers'?: (number | string | Long);
  'blocks_read_local'?: (number | string | Long);
  'blocks_read_from_peers'?: (number | string | Long);
  'blocks_read_from_backend'?: (number | string | Long);
}

export interface DistributedStats__Output {
  'enabled': (boolean);
  'peers': (_tiercache_v1_PeerStats__Output)[];
  'blocks_served_to_peers': (number);
  'blocks_fetched_from_peers': (number);
  'peer_errors': (number);
  'peer_fallbacks': (number);
  'backend_bytes_avoided': (number);
  'bytes_fetched_from_peers': (number);
  'bytes_served_to_peers': (number);
  'blocks_read_local': (number);
  'blocks_read_from_peers': (number);
  'blocks_read_from_backend': (number);
}

// Attaches the optional subsystems (prefetch, checkpoints, peers, metrics)
// to a daemon. Each lives in its own folder and registers itself here.

import type { Daemon } from './daemon';
import { attachMetrics } from '../metrics/attach';
import { attachPeerTier } from '../peer/peer-tier';
import { attachPrefetch } from '../prefetch/attach';

export async function attachSubsystems(daemon: Daemon): Promise<void> {
  attachPeerTier(daemon);
  attachPrefetch(daemon);
  attachMetrics(daemon);
}

// Attaches the optional subsystems (prefetch, checkpoints, peers, metrics)
// to a daemon. Each lives in its own folder and registers itself here.

import type { Daemon } from './daemon';
import { attachMetrics } from '../metrics/attach';
import { attachPeerTier } from '../peer/peer-tier';

export async function attachSubsystems(daemon: Daemon): Promise<void> {
  attachPeerTier(daemon);
  attachMetrics(daemon);
}

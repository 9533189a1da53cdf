// Attaches the optional subsystems (prefetch, checkpoints, peers, metrics)
// to a daemon. Each lives in its own folder and registers itself here.

import type { Daemon } from './daemon';
import { attachCheckpoints } from '../checkpoint';

export async function attachSubsystems(daemon: Daemon): Promise<void> {
  // Filled in as the subsystems land.
  attachCheckpoints(daemon);
}

// Hooks the metrics subsystem into a daemon: nothing at all when
// metrics-listen is "" (no timers, no hooks on the read path).

import type { Daemon } from '../server/daemon';
import { MetricsServer } from './metrics-server';
import { TiercacheMetrics } from './tiercache-metrics';

export function attachMetrics(daemon: Daemon): void {
  const listen = daemon.config.metricsListen;
  if (!listen) return;
  const metrics = new TiercacheMetrics(daemon);
  metrics.install();
  daemon.attach(new MetricsServer(listen, metrics, daemon.log.child({ component: 'metrics' })));
}

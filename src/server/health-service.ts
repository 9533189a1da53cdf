// grpc.health.v1.Health, so Kubernetes' native gRPC probes and peers can
// check the daemon. "" is the daemon as a whole; services answer by full name.

import { status as grpcStatus, type ServerWritableStream } from '@grpc/grpc-js';
import type { HealthCheckRequest, HealthCheckResponse, HealthHandlers } from '../protocol/types';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

export class HealthState {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<{ service: string; call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse> }>();
  /** Why the whole daemon is NOT_SERVING whatever each service says (stuck file I/O), or undefined. */
  private degraded: string | undefined;

  set(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    for (const w of this.watchers) if (w.service === service) w.call.write({ status: this.effective(status) });
  }

  /** Every known service answers NOT_SERVING while `why` is set (io-watchdog.ts); undefined lifts it. */
  degrade(why: string | undefined): void {
    if (why === this.degraded) return;
    this.degraded = why;
    for (const w of this.watchers) {
      const s = this.statuses.get(w.service);
      if (s !== undefined) w.call.write({ status: this.effective(s) });
    }
  }

  private effective(s: ServingStatus): ServingStatus {
    return this.degraded === undefined ? s : 'NOT_SERVING';
  }

  /** Marks everything NOT_SERVING (shutdown) and ends the watches. */
  shutdown(): void {
    for (const k of this.statuses.keys()) this.set(k, 'NOT_SERVING');
    for (const w of this.watchers) w.call.end();
    this.watchers.clear();
  }

  implementation(): HealthHandlers {
    return {
      Check: (call, cb) => {
        const s = this.statuses.get(call.request.service);
        if (s === undefined) {
          cb({ code: grpcStatus.NOT_FOUND, details: `unknown service ${JSON.stringify(call.request.service)}` });
          return;
        }
        cb(null, { status: this.effective(s) });
      },
      Watch: (call) => {
        const service = call.request.service;
        const s = this.statuses.get(service);
        call.write({ status: s === undefined ? 'SERVICE_UNKNOWN' : this.effective(s) });
        const w = { service, call };
        this.watchers.add(w);
        call.on('cancelled', () => this.watchers.delete(w));
      },
    };
  }
}

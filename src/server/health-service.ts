// grpc.health.v1.Health, so Kubernetes' native gRPC probes and peers can
// check the daemon. "" is the daemon as a whole; services answer by full name.

import { status as grpcStatus, type ServerWritableStream } from '@grpc/grpc-js';
import type { HealthCheckRequest, HealthCheckResponse, HealthHandlers } from '../protocol/types';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

export class HealthState {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<{ service: string; call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse> }>();

  set(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    for (const w of this.watchers) if (w.service === service) w.call.write({ status });
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
        cb(null, { status: s });
      },
      Watch: (call) => {
        const service = call.request.service;
        call.write({ status: this.statuses.get(service) ?? 'SERVICE_UNKNOWN' });
        const w = { service, call };
        this.watchers.add(w);
        call.on('cancelled', () => this.watchers.delete(w));
      },
    };
  }
}

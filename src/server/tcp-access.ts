// What the TCP listener (--listen) serves, and to whom. The Unix socket is
// the node-local API (whoever can open it is trusted, see README "Trust
// model"); TCP reaches across the cluster, so by default it serves only what
// other daemons and the kubelet need: Peer (which checks the peer token on
// every call) and Health (probes carry no credentials). Cache, Admin and
// Checkpoints are served over TCP only when listed in --tcp-services, and
// then every call must carry the --tcp-token-file token; the rest answer
// PERMISSION_DENIED naming the option.
//
// Why a token and not mutual TLS: the kubelet's gRPC probes cannot present a
// client certificate (nor trust a private CA), so an mTLS port would need a
// second, plaintext port for Health anyway; the peer token already rolls
// through a kustomize secretGenerator. Traffic on the port is not encrypted:
// run it on a network you trust, or behind a NetworkPolicy (daemonset/README).

import {
  Metadata,
  ServerInterceptingCall,
  status as grpcStatus,
  type ServerInterceptor,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { TcpService } from '../config/types';
import { notServedHere, toGrpcError } from '../errors';
import type { PeerToken } from '../peer/peer-token';
import { refusingService } from './refusing-service';

/** Metadata key of the token TCP calls to Cache, Admin and Checkpoints carry. */
export const TCP_TOKEN_METADATA = 'x-tiercache-token';

/** Services that check their own credentials (Peer) or need none (Health). */
const OPEN_SERVICES: ReadonlySet<string> = new Set(['Peer', 'Health']);

const SERVICE_NAMES = {
  Cache: 'tiercache.v1.Cache',
  Admin: 'tiercache.v1.Admin',
  Checkpoints: 'tiercache.v1.Checkpoints',
  Peer: 'tiercache.v1.Peer',
  Health: 'grpc.health.v1.Health',
} as const;

/** The implementation TCP serves for `name`: the real one, or one refusing every call. */
export function tcpImplementation(
  name: TcpService,
  served: readonly TcpService[],
  impl: UntypedServiceImplementation,
): UntypedServiceImplementation {
  if (served.includes(name)) return impl;
  return refusingService(
    name,
    notServedHere(
      `${name} is not served over TCP (tcp-services: ${served.join(',')}); call it on the Unix socket, or add it to --tcp-services with --tcp-token-file`,
    ),
  );
}

/**
 * Refuses, before any handler runs, a TCP call to a served guarded service
 * that does not carry the token. Peer and Health pass through untouched, and
 * so do services not served (their stand-in refuses every call).
 */
export function tokenInterceptor(served: readonly TcpService[], token: PeerToken | undefined): ServerInterceptor {
  const guarded: ReadonlySet<string> = new Set(served.filter((x) => !OPEN_SERVICES.has(x)).map((x) => SERVICE_NAMES[x]));
  return (method, call) => {
    const service = method.path.split('/')[1] ?? '';
    if (!guarded.has(service)) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (md: Metadata, mdNext: (m: Metadata) => void) => {
            if (token?.matches(md.get(TCP_TOKEN_METADATA)[0])) {
              mdNext(md);
              return;
            }
            const err = toGrpcError(
              notServedHere(`TCP calls to ${service} must carry a valid ${TCP_TOKEN_METADATA} (the --tcp-token-file token)`),
            );
            call.sendStatus({ code: grpcStatus.UNAUTHENTICATED, details: err.details ?? '', metadata: err.metadata ?? new Metadata() });
          },
        });
      },
    });
  };
}

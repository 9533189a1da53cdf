// A service implementation whose every method answers one error: services
// this daemon was built without, and services not served on a listener.

import type { UntypedHandleCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { toGrpcError } from '../errors';
import { serviceDefinition, type services } from './proto';

export function refusingService(name: keyof typeof services, error: Error): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  const err = toGrpcError(error);
  for (const [method, d] of Object.entries(serviceDefinition(name))) {
    impl[method] = (d.requestStream
      ? (call: { on: (e: string, f: () => void) => void }, cb: (e: unknown) => void) => {
          call.on('data', () => {});
          cb(err);
        }
      : d.responseStream
        ? (call: { emit: (e: string, s: unknown) => void }) => call.emit('error', err)
        : (_call: unknown, cb: (e: unknown) => void) => cb(err)) as unknown as UntypedHandleCall;
  }
  return impl;
}

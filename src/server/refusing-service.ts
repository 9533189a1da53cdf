// A service implementation whose every method answers one error: services
// this daemon was built without, and services not served on a listener.

import type { ServiceDefinition, UntypedHandleCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { toGrpcError } from '../errors';
import { serviceDefinition, type ServiceName } from '../protocol/load';

export function refusingService(name: ServiceName, error: Error): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  const err = toGrpcError(error);
  const def: ServiceDefinition = serviceDefinition(name);
  for (const [method, d] of Object.entries(def)) {
    impl[method] = (d.requestStream && d.responseStream
      ? (call: { on: (e: string, f: () => void) => void; emit: (e: string, s: unknown) => void }) => {
          // Bidi (ReadSession): no callback; the status goes out as the stream's error.
          call.on('data', () => {});
          call.emit('error', err);
        }
      : d.requestStream
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

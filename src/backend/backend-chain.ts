// The backend chain, built once: the backend the config names (create-backend.ts),
// then, for a POSIX mount, large background reads offloaded to the prefetch
// worker threads; then the bench-only emulated link; the deadline; the observer
// (metrics) outermost, so what it times includes all of the above. Every
// reader (foreground, prefetch, checkpoints, peers) goes through the whole
// chain. What is POSIX-only (the local directory, for the change watcher and
// statfs) is handed out beside the chain, explicitly, never through it.

import type { Config } from '../config/types';
import type { Logger } from '../log';
import { createBackend } from './create-backend';
import { DeadlineBackend } from './deadline-backend';
import { ObservedBackend, type BackendObserver } from './observed-backend';
import { OffloadedBackend, type OffloadedReader } from './offloaded-backend';
import { PosixBackend } from './posix-backend';
import { ThrottledBackend, type ThrottleOptions } from './throttled-backend';
import type { Backend, ReadOptions } from './types';

export interface BackendChainOptions {
  /** Runs a large background (prefetch) block read of a POSIX backend on a worker thread. */
  readonly offload: OffloadedReader;
  /** Emulate a remote backend (bench only). */
  readonly emulate?: ThrottleOptions;
  /** Told the duration of every request (the metrics histograms). */
  readonly observers?: readonly BackendObserver[];
}

export interface BackendChain {
  /** The outermost backend: what everything reads and writes through. */
  readonly backend: Backend;
  /** The POSIX backend at the bottom of the chain, when the backend is a POSIX mount. */
  readonly posix: PosixBackend | undefined;
  /** The deadline link: what it knows of calls a hung mount never answers (the daemon's exit guard). */
  readonly deadline: DeadlineBackend;
}

export function buildBackendChain(config: Config, log: Logger, opts: BackendChainOptions): BackendChain {
  const base = createBackend(config, log);
  const posix = base instanceof PosixBackend ? base : undefined;
  const offloaded = posix ? new OffloadedBackend(posix, opts.offload, config.prefetchOffloadMinSize) : undefined;
  let backend: Backend = offloaded ?? base;
  if (opts.emulate) backend = new ThrottledBackend(backend, opts.emulate);
  // No backend call waits longer than backend-timeout, and a hung mount holds at most backend-max-inflight threads.
  const deadline = new DeadlineBackend(backend, {
    timeoutMs: config.backendTimeoutMs,
    maxInflight: config.backendMaxInflight,
    // Only what the offloaded link sends to a worker leaves the threadpool.
    ...(offloaded ? { offloaded: (length: number, o?: ReadOptions) => offloaded.offloads(length, o) } : {}),
    logger: log,
  });
  return { backend: new ObservedBackend(deadline, opts.observers ?? []), posix, deadline };
}

// The composition root: builds the whole daemon from the Config, once, in
// dependency order, and gives every part what it needs at construction.
//
//   1. the metrics histograms (only with --metrics-listen), so the backend
//      chain, the store and the checkpoint manager get their observers at birth
//   2. the prefetch worker threads, then the backend chain (backend-chain.ts):
//      the backend (POSIX or S3) -> OffloadedBackend (POSIX: background reads
//      on the workers) -> ThrottledBackend (bench emulation only) ->
//      DeadlineBackend (backend-timeout, backend-max-inflight) ->
//      ObservedBackend (request timings)
//   3. the distributed tier (undefined without --peers)
//   4. the SSD's space owner (its tenants, the SSD tier, the checkpoint
//      manager and the checkpoint mount, register with it as they are built),
//      the tiers (memory, SSD) and the CachedStore with its fetcher, read
//      observers and block timer
//   5. the prefetch engine, the checkpoint manager, the checkpoint mount
//   6. Admin.Stats, the metrics endpoint
//   7. the frontends: the gRPC services (served by the Daemon) and the POSIX
//      mount beside them, both over the same store
//
// Two relations run both ways and are closed here with closures over parts
// built a few lines later (none is called before the daemon starts): tier
// events and read observers -> prefetch engine -> store -> tiers; the
// watcher's invalidations -> store and mount.

import { mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { buildBackendChain } from '../backend/backend-chain';
import { BackendWatcher } from '../cache/backend-watcher';
import { CachedStore, type ReadObserver } from '../cache/cached-store';
import { DiskCache } from '../cache/disk-cache';
import { MemCache } from '../cache/mem-cache';
import { SsdBudget } from '../cache/ssd-budget';
import type { TierEvents } from '../cache/types';
import { CheckpointManager } from '../checkpoint/checkpoint-manager';
import { CheckpointMount } from '../checkpoint-fs/checkpoint-mount';
import { mountStatsJson } from '../checkpoint-fs/stats-json';
import type { Config } from '../config/types';
import { ConfigError } from '../errors';
import { CachedView } from '../fuse/cached-view';
import { FuseMount } from '../fuse/fuse-mount';
import type { Logger } from '../log';
import { nativeIo } from '../native/native-io';
import { MetricsHistograms } from '../metrics/histograms';
import { MetricsServer } from '../metrics/metrics-server';
import { TiercacheMetrics } from '../metrics/tiercache-metrics';
import { peerTierFromConfig } from '../peer/peer-tier';
import { PrefetchEngine } from '../prefetch/prefetch-engine';
import { PrefetchWorkerPool } from '../prefetch/worker-pool';
import type { Part } from '../util/part';
import { VERSION } from '../version';
import { adminService } from './admin-service';
import { cacheService } from './cache-service';
import { checkpointMountService } from './checkpoint-mount-service';
import { CallLimits } from './call-limits';
import { checkpointService } from './checkpoint-service';
import { ConnectionLimits } from './connection-limits';
import { Daemon, type GrpcServices } from './daemon';
import type { CallTracker } from './handlers';
import { HealthState } from './health-service';
import { IoWatchdog } from './io-watchdog';
import { peerService } from './peer-service';
import { accessPatternsApi, prefetchApi } from './prefetch-api';
import { limitsJson } from './limits-stats';
import { StatsRegistry, type StatsProviders } from './stats';
import { UploadBuffer } from './upload-buffer';

const MEMORY_SWEEP_INTERVAL_MS = 5_000;
/** How often the I/O watchdog queues its probe (at most; a quarter of io-stuck-timeout when shorter). */
const IO_PROBE_INTERVAL_MS = 2_000;
const MAX_UNIX_SOCKET_PATH = 107;

/** Test and bench hooks that are not part of the user-facing config. */
export interface DaemonExtras {
  /** Emulate a remote backend (bench only): latency per request, bandwidth in bytes/s. */
  readonly emulateBackend?: { latencyMs: number; bandwidth: number };
}

export function composeDaemon(config: Config, log: Logger, extras: DaemonExtras = {}): Daemon {
  if (Buffer.byteLength(config.socket) > MAX_UNIX_SOCKET_PATH) {
    throw new ConfigError(
      `invalid socket: ${config.socket} is longer than ${MAX_UNIX_SOCKET_PATH} bytes, the Unix socket path limit; choose a shorter --socket`,
    );
  }
  mkdirSync(config.stateDir, { recursive: true });

  // 1. Histograms: nothing is timed without a metrics endpoint.
  const histograms = config.metricsListen ? new MetricsHistograms() : undefined;

  // 2. The worker threads, then the backend chain (prefetch reads of a POSIX backend run on the workers).
  const workers = new PrefetchWorkerPool(config.prefetchWorkers);
  const { backend, posix, deadline } = buildBackendChain(config, log, {
    offload: (t) => workers.readBlock(t),
    emulate: extras.emulateBackend,
    observers: histograms ? [histograms.backendObserver] : [],
  });
  // POSIX-only, asked for explicitly: the local directory itself (not the location label, which emulation changes).
  const localRoot = posix?.localRoot;

  // 3. The distributed tier (a config it cannot run with throws here).
  const peers = peerTierFromConfig(config, log);

  // 4. Tiers and store.
  const events: TierEvents = {
    onPrefetchHit: (_tier, key) => prefetch.onPrefetchHit(key),
    onEvict: (_tier, key, origin, wasRead) => prefetch.onEvict(key, origin, wasRead),
  };
  const mem = new MemCache({
    capacityBytes: config.memoryCacheSize,
    blockSize: config.blockSize,
    ttlMs: config.memoryCacheTtlMs,
    events,
    // Held blocks are hidden from V8's external-memory GC trigger (only with the native addon).
    adjustExternalMemory: nativeIo()?.adjustExternalMemory,
  });
  // One owner of the SSD's space: cache blocks, checkpoint copies and staged checkpoint files are its tenants.
  const ssd = new SsdBudget({ dir: config.ssdCacheDir, capacityBytes: config.ssdCacheSize, freeRatio: config.ssdFreeRatio });
  const disk = new DiskCache({
    dir: config.ssdCacheDir,
    budget: ssd,
    blockSize: config.blockSize,
    logger: log,
    events,
    writeBacklogBytes: config.ssdWriteBacklog,
    writePriority: config.ssdWritePriority,
  });
  // The watcher needs the local directory itself: POSIX backends only.
  const watcher =
    config.watch && localRoot !== undefined
      ? new BackendWatcher(
          localRoot,
          (rel) => {
            store.invalidate(rel);
            view.invalidate(rel);
          },
          log,
        )
      : undefined;
  const observers: ReadObserver[] = [];
  if (watcher) observers.push((ev) => watcher.watchFileDir(ev.path));
  observers.push((ev) => prefetch.onRead(ev));
  const store: CachedStore = new CachedStore({
    backend,
    mem,
    disk,
    blockSize: config.blockSize,
    metadataTtlMs: config.metadataTtlMs,
    maxReadSize: config.maxReadSize,
    logger: log,
    peerKeepHot: config.peerKeepHot,
    fetcher: peers ? (direct) => peers.tier.fetcher(direct, config.blockSize) : undefined,
    observers,
    blockTimer: histograms?.blockTimer,
  });

  // 5. Prefetch, checkpoints, the checkpoint mount.
  const prefetch: PrefetchEngine = new PrefetchEngine(store, config, log, workers);
  // Persisted through the backend contract only: the same on a POSIX mount and a bucket.
  const checkpoints = new CheckpointManager({
    localDir: config.checkpointDir,
    handoffDir: config.checkpointHandoffDir,
    budget: ssd,
    backend,
    root: config.checkpointRoot,
    maxCheckpoints: config.maxCheckpoints,
    streamChunkSize: config.streamChunkSize,
    log: log.child({ component: 'checkpoints' }),
    onDuration: histograms?.checkpointObserver,
  });
  const cm = config.checkpointMount;
  const checkpointMount: CheckpointMount | undefined = cm
    ? new CheckpointMount({
        config: cm,
        budget: ssd,
        attrTimeoutS: Math.max(0.1, config.metadataTtlMs / 1000),
        backend,
        store,
        // Pods run as any uid: allow_other (mount-allow-other), as the read-only mount.
        mount: (dir, fs, mountLog) => FuseMount.mount(dir, fs, { log: mountLog, allowOther: config.mountAllowOther, fsName: 'tiercache-checkpoints' }),
        log: log.child({ component: 'checkpoint-mount' }),
      })
    : undefined;

  // 6. The bounds on what clients can hold, Admin.Stats and the metrics endpoint.
  const uploadBuffer = new UploadBuffer(config.limits.maxUploadBuffer);
  const callLimits = new CallLimits(config.limits, log, uploadBuffer);
  const connectionLimits = new ConnectionLimits(config.limits, log);
  const sections: StatsProviders = {
    limits: () => limitsJson(callLimits, connectionLimits, uploadBuffer, prefetch),
    prefetch: () => prefetch.snapshot(),
    ...(peers ? { distributed: () => peers.tier.stats(store.blocksBySource) } : {}),
    checkpoints: () => checkpoints.metrics.statsSection(),
    ...(checkpointMount ? { checkpoint_mount: () => mountStatsJson(checkpointMount.fs, checkpointMount.dir) } : {}),
  };
  const stats = new StatsRegistry(store, VERSION, sections);
  const metricsServer =
    config.metricsListen && histograms
      ? new MetricsServer(config.metricsListen, new TiercacheMetrics({ store, backend, stats }, histograms), log.child({ component: 'metrics' }))
      : undefined;

  // 7. Frontends.
  const view = new CachedView(config, store, log, localRoot);
  const tracker: CallTracker = { inflight: 0, closing: false, log };
  const health = new HealthState();
  const ioWatchdog = config.ioStuckTimeoutMs > 0 ? ioWatchdogFor(config, health, log) : undefined;
  const services: GrpcServices = {
    Cache: cacheService(tracker, store, config.streamChunkSize, prefetchApi(prefetch, store, config.prefetchWorkers * 2), {
      chunkSize: config.streamChunkSize,
      windowBytes: config.blockSize,
      maxPaths: config.maxPlanPaths,
    }),
    Admin: adminService(tracker, stats, config, accessPatternsApi(prefetch)),
    Health: health.implementation(),
    Checkpoints: checkpointService(tracker, checkpoints, uploadBuffer),
    ...(peers ? { Peer: peerService({ tracker, store, token: peers.token, counters: peers.tier.counters }) } : {}),
    ...(checkpointMount ? { CheckpointMount: checkpointMountService(tracker, checkpointMount.fs, checkpointMount.dir) } : {}),
  };

  // Start order; the daemon stops them in reverse.
  const parts: Part[] = [
    // A bucket that is missing or refuses the credentials stops start-up here, with its reason.
    { name: 'backend', start: async () => backend.open?.(), stop: async () => backend.close?.() },
    { name: 'ssd', stop: async () => disk.close() },
    // Stopped after everything that reads: the memory tier's blocks are given back to V8's count.
    { name: 'memory', stop: async () => mem.clear() },
    // Stopped after the prefetch engine (parts stop in reverse): nothing reads through the workers any more.
    { name: 'prefetch-workers', stop: () => workers.stop() },
    ...(watcher ? [{ name: 'watcher', stop: () => watcher.close() }] : []),
    ...(peers ? [peers.tier] : []),
    { name: 'prefetch', start: async () => prefetch.start(), stop: () => prefetch.stop() },
    { name: 'checkpoints', start: () => checkpoints.start(), stop: () => checkpoints.stop() },
    ...(checkpointMount ? [checkpointMount] : []),
    memorySweep(config.memoryCacheTtlMs, mem),
    ...(ioWatchdog ? [ioWatchdog] : []),
    // Last: it reads every other part's counters.
    ...(metricsServer ? [metricsServer] : []),
  ];
  return new Daemon({
    config,
    log,
    tracker,
    callLimits,
    connectionLimits,
    health,
    services,
    parts,
    frontends: [view],
    exitBlocker: () => {
      if (ioWatchdog?.isStuck) return 'file I/O is stuck (every I/O thread busy past io-stuck-timeout)';
      const n = deadline.abandoned;
      return n > 0 ? `${n} backend call(s) outlived backend-timeout and never returned (a hung mount holds their I/O threads)` : undefined;
    },
    describe: () => ({
      mount: view.dir,
      backend: backend.location,
      memoryCacheSize: config.memoryCacheSize,
      ssdCacheDir: config.ssdCacheDir,
      ssdCacheSize: config.ssdCacheSize,
      ssdBlocks: disk.snapshot().blocks,
      ssdStartup: disk.snapshot().startup,
      blockSize: config.blockSize,
    }),
  });
}

/** Health goes NOT_SERVING while the file I/O pool is stuck (io-watchdog.ts). */
function ioWatchdogFor(config: Config, health: HealthState, log: Logger): IoWatchdog {
  return new IoWatchdog({
    probe: () => stat(config.stateDir),
    stuckMs: config.ioStuckTimeoutMs,
    intervalMs: Math.max(50, Math.min(IO_PROBE_INTERVAL_MS, Math.floor(config.ioStuckTimeoutMs / 4))),
    onChange: (stuck, waitedMs) => {
      if (stuck) {
        log.error('file I/O is stuck: every I/O thread has been busy past io-stuck-timeout (a hung mount?); Health is NOT_SERVING', {
          waitedMs,
          ioStuckTimeoutMs: config.ioStuckTimeoutMs,
        });
      } else {
        log.warn('file I/O answers again; Health is SERVING', { waitedMs });
      }
      health.degrade(stuck ? 'file I/O stuck' : undefined);
    },
  });
}

/** Drops expired memory blocks every few seconds when memory-cache-ttl is set. */
function memorySweep(ttlMs: number, mem: MemCache): Part {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'memory-sweep',
    start: async () => {
      if (ttlMs <= 0) return;
      timer = setInterval(() => mem.sweep(), MEMORY_SWEEP_INTERVAL_MS);
      timer.unref();
    },
    stop: async () => clearInterval(timer),
  };
}

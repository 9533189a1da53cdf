// Hooks the prefetch engine into a daemon: read observer, tier events, the
// Cache.Prefetch/Warmup/SubmitPlan and Admin.AccessPatterns handlers, stats.

import type { Daemon } from '../server/daemon';
import { invalidArgument } from '../errors';
import { normalizeRequestPath } from '../backend/path-guard';
import { PrefetchEngine } from './prefetch-engine';
import { DEFAULT_PRIORITY } from './types';
import { warmup } from './warmup';


/** Largest plan accepted, in files. */
const MAX_PLAN_FILES = 10_000_000;

export function attachPrefetch(daemon: Daemon): PrefetchEngine {
  const engine = new PrefetchEngine(daemon.store, daemon.config, daemon.log, daemon.workers);
  daemon.addTierEvents({
    onPrefetchHit: (_tier, key) => engine.onPrefetchHit(key),
    onEvict: (_tier, key, origin, wasRead) => engine.onEvict(key, origin, wasRead),
  });
  daemon.stats.register('prefetch', () => engine.snapshot());
  daemon.prefetchApi = {
    async prefetch(req) {
      if (req.paths.length === 0 && req.ranges.length === 0) throw invalidArgument('give paths or ranges to prefetch');
      const priority = req.priority || DEFAULT_PRIORITY.explicit;
      let queued = 0;
      let dropped = 0;
      for (const p of req.paths) normalizeRequestPath(p);
      const r = await engine.enqueuePaths(req.paths, priority, 'explicit', false);
      queued += r.queued;
      dropped += r.dropped;
      for (const range of req.ranges) {
        const st = await daemon.store.stat(range.path);
        if (st.isDir) throw invalidArgument(`cannot prefetch a range of a directory: ${st.path}`);
        const end = range.length === 0 ? st.size : Math.min(st.size, range.offset + range.length);
        const rr = engine.enqueueRange(st, range.offset, end, priority, 'explicit');
        queued += rr.queued;
        dropped += rr.dropped;
      }
      return { blocks_queued: queued, blocks_dropped: dropped };
    },
    async warmup(req, send) {
      await warmup(daemon.store, req, send, daemon.config.prefetchWorkers * 2);
    },
    async submitPlan(req, job) {
      if (req.paths.length === 0) throw invalidArgument('a plan needs at least one path');
      if (req.paths.length > MAX_PLAN_FILES) throw invalidArgument(`a plan holds at most ${MAX_PLAN_FILES} paths, got ${req.paths.length}`);
      const paths = req.paths.map((p) => normalizeRequestPath(p));
      return engine.submitPlan(req.job || job, req.epoch, paths);
    },
  };
  daemon.patternsApi = {
    accessPatterns: (prefix, limit) => engine.analyze(prefix, Math.min(Math.max(1, limit), 10_000)),
  };
  daemon.attach({ name: 'prefetch', start: async () => engine.start(), stop: () => engine.stop() });
  return engine;
}

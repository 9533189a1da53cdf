// The prefetch engine as the Cache and Admin services see it: request
// validation (paths through the backend's guard; the engine holds plan
// limits) and the
// mapping of Prefetch / Warmup / SubmitPlan / AccessPatterns onto the engine.

import { normalizeRequestPath } from '../backend/path-guard';
import type { CachedStore } from '../cache/cached-store';
import { invalidArgument } from '../errors';
import type { PrefetchEngine } from '../prefetch/prefetch-engine';
import { DEFAULT_PRIORITY } from '../prefetch/types';
import { warmup } from '../prefetch/warmup';
import type { AccessPatternsApi } from './admin-service';
import type { PrefetchApi } from './cache-service';

/** Largest access-patterns answer, in entries. */
const MAX_PATTERNS = 10_000;

export function prefetchApi(engine: PrefetchEngine, store: CachedStore, warmupConcurrency: number): PrefetchApi {
  return {
    async prefetch(req, job) {
      if (req.paths.length === 0 && req.ranges.length === 0) throw invalidArgument('give paths or ranges to prefetch');
      const priority = req.priority || DEFAULT_PRIORITY.explicit;
      let queued = 0;
      let dropped = 0;
      let cut = 0;
      for (const p of req.paths) normalizeRequestPath(p);
      const r = await engine.enqueuePaths(req.paths, priority, 'explicit', false, job);
      queued += r.queued;
      dropped += r.dropped;
      cut += r.cut;
      for (const range of req.ranges) {
        const st = await store.stat(range.path);
        if (st.isDir) throw invalidArgument(`cannot prefetch a range of a directory: ${st.path}`);
        const end = range.length === 0 ? st.size : Math.min(st.size, range.offset + range.length);
        const rr = engine.enqueueRange(st, range.offset, end, priority, 'explicit', job);
        queued += rr.queued;
        dropped += rr.dropped;
        cut += rr.cut;
      }
      const message = cut > 0 ? engine.cutNotice(job, cut) : '';
      return { blocks_queued: queued, blocks_dropped: dropped, blocks_cut: cut, message };
    },
    async warmup(req, send, job) {
      await warmup(store, engine, { req, job, send, concurrency: warmupConcurrency });
    },
    async submitPlan(req, job) {
      if (req.paths.length === 0) throw invalidArgument('a plan needs at least one path');
      const paths = req.paths.map((p) => normalizeRequestPath(p));
      return engine.submitPlan(req.job || job, req.epoch, paths);
    },
  };
}

export function accessPatternsApi(engine: PrefetchEngine): AccessPatternsApi {
  return {
    accessPatterns: (prefix, limit) => engine.analyze(prefix, Math.min(Math.max(1, limit), MAX_PATTERNS)),
  };
}

// tiercache.v1.Cache over the CachedStore. Prefetch, Warmup and SubmitPlan
// are delegated to the prefetch engine when one is attached.

import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { CachedStore } from '../cache/cached-store';
import { invalidArgument, unimplemented } from '../errors';
import { clientSafeNumber } from './numbers';
import { jobOf, serverStream, unary, type CallTracker } from './handlers';

interface PathRequest {
  path: string;
}
interface ReadRequest {
  path: string;
  offset: number;
  length: number;
}

/** What the prefetch engine offers the Cache service (see src/prefetch/). */
export interface PrefetchApi {
  prefetch(req: unknown, job: string): Promise<unknown>;
  warmup(req: unknown, send: (msg: unknown) => Promise<void>, job: string): Promise<void>;
  submitPlan(req: unknown, job: string): Promise<unknown>;
}

export function cacheService(
  t: CallTracker,
  store: CachedStore,
  streamChunkSize: number,
  prefetch: () => PrefetchApi | undefined,
): UntypedServiceImplementation {
  const requirePath = (p: string): string => {
    if (p === '') throw invalidArgument('path is required');
    return p;
  };
  return {
    Stat: unary(t, 'Stat', async (req: PathRequest) => {
      const s = await store.stat(req.path);
      return { path: s.path, size: s.size, mtime_ms: s.mtimeMs, is_dir: s.isDir };
    }),
    Read: unary(t, 'Read', async (req: ReadRequest, call) => {
      const data = await store.read(
        requirePath(req.path),
        clientSafeNumber('offset', req.offset),
        clientSafeNumber('length', req.length),
        { job: jobOf(call) },
      );
      return { data };
    }),
    ReadStream: serverStream(t, 'ReadStream', async (req: ReadRequest, send, call) => {
      const job = jobOf(call);
      for await (const chunk of store.stream(
        requirePath(req.path),
        clientSafeNumber('offset', req.offset),
        clientSafeNumber('length', req.length),
        streamChunkSize,
        { job },
      )) {
        await send(chunk);
      }
    }),
    Evict: unary(t, 'Evict', async (req: PathRequest) => ({
      blocks_evicted: await store.evict(requirePath(req.path)),
    })),
    Prefetch: unary(t, 'Prefetch', async (req: unknown, call) => {
      const p = prefetch();
      if (!p) throw unimplemented('Cache.Prefetch', 'the prefetch engine is disabled');
      return p.prefetch(req, jobOf(call));
    }),
    Warmup: serverStream(t, 'Warmup', async (req: unknown, send, call) => {
      const p = prefetch();
      if (!p) throw unimplemented('Cache.Warmup', 'the prefetch engine is disabled');
      await p.warmup(req, send as (m: unknown) => Promise<void>, jobOf(call));
    }),
    SubmitPlan: unary(t, 'SubmitPlan', async (req: unknown, call) => {
      const p = prefetch();
      if (!p) throw unimplemented('Cache.SubmitPlan', 'the prefetch engine is disabled');
      return p.submitPlan(req, jobOf(call));
    }),
  };
}

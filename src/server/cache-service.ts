// tiercache.v1.Cache over the CachedStore. Prefetch, Warmup and SubmitPlan
// go to the prefetch engine (prefetch-api.ts); ReadFiles is read-files.ts.

import type { CachedStore } from '../cache/cached-store';
import { invalidArgument } from '../errors';
import type {
  CacheHandlers,
  EvictRequest,
  EvictResponse,
  FileChunk,
  FileInfo,
  PlanRequest,
  PlanResponse,
  PrefetchRequest,
  PrefetchResponse,
  ReadChunk,
  ReadFilesRequest,
  ReadRequest,
  ReadResponse,
  StatRequest,
  WarmupProgress,
  WarmupRequest,
} from '../protocol/types';
import { clientSafeNumber } from './numbers';
import { jobOf, serverStream, unary, type CallTracker } from './handlers';
import { readFiles, type ReadFilesLimits } from './read-files';
import { readSession } from './read-session';

/** What the prefetch engine offers the Cache service (prefetch-api.ts). */
export interface PrefetchApi {
  prefetch(req: PrefetchRequest, job: string): Promise<PrefetchResponse>;
  warmup(req: WarmupRequest, send: (msg: WarmupProgress) => Promise<void>, job: string): Promise<void>;
  submitPlan(req: PlanRequest, job: string): Promise<PlanResponse>;
}

export function cacheService(
  t: CallTracker,
  store: CachedStore,
  streamChunkSize: number,
  prefetch: PrefetchApi,
  readFilesLimits: ReadFilesLimits,
): CacheHandlers {
  const requirePath = (p: string): string => {
    if (p === '') throw invalidArgument('path is required');
    return p;
  };
  return {
    Stat: unary<StatRequest, FileInfo>(t, 'Stat', async (req) => {
      const s = await store.stat(req.path);
      return { path: s.path, size: s.size, mtime_ms: s.mtimeMs, is_dir: s.isDir };
    }),
    Read: unary<ReadRequest, ReadResponse>(t, 'Read', async (req, call) => {
      const data = await store.read(
        requirePath(req.path),
        clientSafeNumber('offset', req.offset),
        clientSafeNumber('length', req.length),
        { job: jobOf(call) },
      );
      return { data };
    }),
    ReadStream: serverStream<ReadRequest, ReadChunk>(t, 'ReadStream', async (req, send, call) => {
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
    ReadFiles: serverStream<ReadFilesRequest, FileChunk>(t, 'ReadFiles', async (req, send, call) => {
      await readFiles(store, req.paths, { job: jobOf(call) }, readFilesLimits, send);
    }),
    ReadSession: readSession(t, store),
    Evict: unary<EvictRequest, EvictResponse>(t, 'Evict', async (req) => ({
      blocks_evicted: await store.evict(requirePath(req.path)),
    })),
    Prefetch: unary<PrefetchRequest, PrefetchResponse>(t, 'Prefetch', async (req, call) => {
      return prefetch.prefetch(req, jobOf(call));
    }),
    Warmup: serverStream<WarmupRequest, WarmupProgress>(t, 'Warmup', async (req, send, call) => {
      await prefetch.warmup(req, send, jobOf(call));
    }),
    SubmitPlan: unary<PlanRequest, PlanResponse>(t, 'SubmitPlan', async (req, call) => {
      return prefetch.submitPlan(req, jobOf(call));
    }),
  };
}

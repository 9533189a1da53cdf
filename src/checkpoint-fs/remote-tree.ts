// The checkpoint directory's view of the backend in the daemon: listings
// from the backend (one readdir, a stat per entry, a few at a time), file
// bytes through the cached store (tiers, owner peers, single-flight), so a
// checkpoint another node persisted is read through the cache like data.

import type { Backend } from '../backend/types';
import type { CachedStore } from '../cache/cached-store';
import { ErrorCodes, hasCode } from '../errors';
import { forEachConcurrently } from '../util/concurrency';
import type { RemoteEntry, RemoteTree } from './types';

const STAT_CONCURRENCY = 16;
/** Reads through the mount are accounted to this job in access history and metrics. */
const READ_CONTEXT = { job: 'checkpoint-mount' } as const;

export class BackendRemoteTree implements RemoteTree {
  private readonly backend: Backend;
  private readonly store: CachedStore;

  constructor(backend: Backend, store: CachedStore) {
    this.backend = backend;
    this.store = store;
  }

  async list(dir: string): Promise<RemoteEntry[] | undefined> {
    let paths: string[];
    try {
      const st = await this.backend.stat(dir);
      if (!st.isDir) return undefined;
      paths = await this.backend.readdir(dir);
    } catch (err) {
      if (hasCode(err, ErrorCodes.NOT_FOUND)) return undefined;
      throw err;
    }
    const out: (RemoteEntry | undefined)[] = new Array(paths.length);
    await forEachConcurrently(paths.length, STAT_CONCURRENCY, async (i) => {
      const p = paths[i]!;
      const name = p.slice(p.lastIndexOf('/') + 1);
      // Temporary names of an upload in progress are not checkpoint files.
      if (name.startsWith('.tmp-')) return;
      try {
        const s = await this.backend.stat(p);
        out[i] = { name, kind: s.isDir ? 'dir' : 'file', size: s.size, mtimeMs: s.mtimeMs, version: s.version };
      } catch (err) {
        if (!hasCode(err, ErrorCodes.NOT_FOUND) && !hasCode(err, ErrorCodes.PATH_ESCAPES_ROOT)) throw err;
      }
    });
    return out.filter((e): e is RemoteEntry => e !== undefined);
  }

  read(path: string, offset: number, length: number): Promise<Buffer> {
    return this.store.read(path, offset, length, READ_CONTEXT);
  }

  invalidate(path: string): void {
    this.store.invalidate(path);
  }
}

// Watches the backend directories that clients read from (chokidar, one
// level deep each), so a file changed through this node's mount is
// invalidated at once instead of after metadata-ttl. Remote changes on a
// shared filesystem may not raise events; metadata-ttl bounds those.

import { dirname } from 'node:path';
import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';

/** Directories watched at most; past this, only metadata-ttl applies. */
const MAX_WATCHED_DIRS = 2000;

type FSWatcherLike = {
  add(paths: string | string[]): unknown;
  on(ev: string, fn: (...args: unknown[]) => void): unknown;
  close(): Promise<void>;
};

export class BackendWatcher {
  private watcher: FSWatcherLike | undefined;
  private readonly dirs = new Set<string>();
  private readonly root: string;
  private readonly onChange: (relPath: string) => void;
  private readonly log: Logger;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(root: string, onChange: (relPath: string) => void, log: Logger) {
    this.root = root;
    this.onChange = onChange;
    this.log = log;
  }

  /** Starts watching the directory of a relative file path (idempotent, cheap when already watched). */
  watchFileDir(relPath: string): void {
    const dir = dirname(relPath) === '.' ? '' : dirname(relPath);
    if (this.dirs.has(dir) || this.dirs.size >= MAX_WATCHED_DIRS || this.closed) return;
    this.dirs.add(dir);
    void this.ensureStarted().then(() => this.watcher?.add(dir === '' ? this.root : `${this.root}/${dir}`));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting;
    await this.watcher?.close();
  }

  private ensureStarted(): Promise<void> {
    this.starting ??= (async () => {
      try {
        const chokidar = await import('chokidar');
        const w = chokidar.watch([], { depth: 0, ignoreInitial: true, persistent: false }) as unknown as FSWatcherLike;
        const handle = (p: unknown) => {
          const abs = String(p);
          if (abs.startsWith(this.root + '/')) this.onChange(abs.slice(this.root.length + 1));
        };
        w.on('change', handle);
        w.on('unlink', handle);
        w.on('add', handle);
        w.on('error', (err) => this.log.warn('backend watcher error; relying on metadata-ttl', { err: getErrorMessage(err) }));
        this.watcher = w;
      } catch (err) {
        this.log.warn('backend watcher unavailable; relying on metadata-ttl', { err: getErrorMessage(err) });
      }
    })();
    return this.starting;
  }
}

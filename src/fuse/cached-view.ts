// The POSIX frontend: mounts the read-only view of the cached store
// (store-filesystem.ts) at --mount, beside the gRPC services, and takes it
// down after the drain. The domain never sees it; it only reads the store.

import type { CachedStore } from '../cache/cached-store';
import type { Logger } from '../log';
import { FuseMount, type MountedFilesystem } from './fuse-mount';
import type { Part } from '../util/part';
import { StoreFilesystem } from './store-filesystem';

export interface CachedViewConfig {
  /** Mount point (absolute); undefined = no mount. */
  readonly mount: string | undefined;
  readonly mountAllowOther: boolean;
  /** No-open (see StoreFilesystemOptions.skipOpens). */
  readonly mountSkipOpens: boolean;
  readonly metadataTtlMs: number;
  readonly maxReadSize: number;
}

/** Job identity of reads through the mount, in access history and `cache stats`. */
export const MOUNT_JOB = 'posix-mount';

export class CachedView implements Part {
  readonly name = 'posix-mount';
  private readonly config: CachedViewConfig;
  private readonly store: CachedStore;
  private readonly log: Logger;
  private readonly localRoot: string | undefined;
  private mounted: MountedFilesystem | undefined;

  /** `localRoot`: the POSIX backend's directory, when it is one (statfs figures). */
  constructor(config: CachedViewConfig, store: CachedStore, log: Logger, localRoot?: string) {
    this.config = config;
    this.store = store;
    this.log = log;
    this.localRoot = localRoot;
  }

  get dir(): string | undefined {
    return this.mounted?.dir;
  }

  async start(): Promise<void> {
    const c = this.config;
    if (!c.mount) return;
    const fs = new StoreFilesystem({
      store: this.store,
      metadataTtlMs: c.metadataTtlMs,
      maxReadSize: c.maxReadSize,
      job: MOUNT_JOB,
      localRoot: this.localRoot,
      skipOpens: c.mountSkipOpens,
    });
    this.mounted = await FuseMount.mount(c.mount, fs, { log: this.log, allowOther: c.mountAllowOther, fsName: 'tiercache' });
  }

  /** A backend path changed (the watcher saw it): drop the kernel's pages and entry too. */
  invalidate(path: string): void {
    void this.mounted?.notifier.invalidate(path);
  }

  /** After the drain: requests already taken are answered, then the mount is detached. */
  async stop(): Promise<void> {
    const m = this.mounted;
    this.mounted = undefined;
    await m?.unmount();
  }
}

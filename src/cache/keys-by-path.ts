// The block keys a tier holds, grouped by file path, so that dropping a
// file's blocks (a new version, an Evict) touches that file's keys only
// instead of scanning every key of the tier. Pure; kept in step with the
// tier's entries by the tier itself.

import { pathOfKey } from './types';

const NONE: readonly string[] = [];

export class KeysByPath {
  private readonly byPath = new Map<string, Set<string>>();

  add(key: string): void {
    const path = pathOfKey(key);
    let keys = this.byPath.get(path);
    if (!keys) {
      keys = new Set();
      this.byPath.set(path, keys);
    }
    keys.add(key);
  }

  remove(key: string): void {
    const path = pathOfKey(key);
    const keys = this.byPath.get(path);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.byPath.delete(path);
  }

  /** A copy of the keys of one path (safe to delete from the tier while iterating). */
  keysOf(path: string): readonly string[] {
    const keys = this.byPath.get(path);
    return keys ? [...keys] : NONE;
  }

  /** Paths with at least one key. */
  get paths(): number {
    return this.byPath.size;
  }
}

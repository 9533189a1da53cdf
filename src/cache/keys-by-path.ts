// The block keys a tier holds, grouped by file path, so that dropping a
// file's blocks (a new version, an Evict) touches that file's keys only
// instead of scanning every key of the tier. Pure; kept in step with the
// tier's entries by the tier itself.
//
// Most files of a training set are smaller than a block: a path with one key
// holds the key itself, and gets a Set only with its second (no Set per file).

import { pathOfKey } from './types';

const NONE: readonly string[] = [];

export class KeysByPath {
  /** path -> its one key, or a Set of its two or more keys (never empty). */
  private readonly byPath = new Map<string, string | Set<string>>();

  add(key: string): void {
    const path = pathOfKey(key);
    const keys = this.byPath.get(path);
    if (keys === undefined) this.byPath.set(path, key);
    else if (typeof keys !== 'string') keys.add(key);
    else if (keys !== key) this.byPath.set(path, new Set([keys, key]));
  }

  remove(key: string): void {
    const path = pathOfKey(key);
    const keys = this.byPath.get(path);
    if (keys === undefined) return;
    if (typeof keys === 'string') {
      if (keys === key) this.byPath.delete(path);
      return;
    }
    keys.delete(key);
    if (keys.size === 1) this.byPath.set(path, keys.values().next().value!);
  }

  /** A copy of the keys of one path (safe to delete from the tier while iterating). */
  keysOf(path: string): readonly string[] {
    const keys = this.byPath.get(path);
    if (keys === undefined) return NONE;
    return typeof keys === 'string' ? [keys] : [...keys];
  }

  /** Paths with at least one key. */
  get paths(): number {
    return this.byPath.size;
  }
}

// Inode numbers for the paths the kernel knows. The kernel counts lookups
// per inode and gives them back with FORGET; an inode lives until its count
// reaches zero. Numbers are never reused (generation stays 0). The root is
// inode 1 and is never forgotten.
//
// Invariant: byPath maps a path to the inode currently named by it. An inode
// whose name was unlinked or replaced by a rename is `detached`: the kernel
// may still hold it (open files), but no path leads to it any more.

import type { FsAttr } from './types';

export const ROOT_INO = 1;

export interface Inode {
  readonly ino: number;
  path: string;
  kind: FsAttr['kind'];
  nlookup: number;
  detached: boolean;
  /** The version last told to the kernel (read-only filesystems: a change drops its pages). */
  version: string | undefined;
  /**
   * Consistent opens (read-only): the version whose bytes the kernel's pages
   * of this file may hold, set by each open. An open of another version drops
   * them; reads of an older open are refused once a newer one set this.
   */
  pagesVersion: string | undefined;
  /** Files served without open (FUSE no_open): one filesystem handle per inode, opened on first read. */
  readHandle: Promise<number> | undefined;
  /** The listing readdir pages through: taken at offset 0, reused for the next offsets. */
  listing: { names: string[]; types: number[] } | undefined;
}

export class InodeTable {
  private readonly byIno = new Map<number, Inode>();
  private readonly byPath = new Map<string, Inode>();
  private nextIno = ROOT_INO + 1;

  constructor() {
    const root = this.make(ROOT_INO, '', 'dir');
    root.nlookup = 1;
  }

  get size(): number {
    return this.byIno.size;
  }

  get(ino: number): Inode | undefined {
    return this.byIno.get(ino);
  }

  byName(path: string): Inode | undefined {
    return this.byPath.get(path);
  }

  /** The inode named `path`, created if new; counts one kernel lookup. */
  lookup(path: string, kind: FsAttr['kind']): Inode {
    let node = this.byPath.get(path);
    if (!node || node.kind !== kind) {
      if (node) this.detach(node);
      node = this.make(this.nextIno++, path, kind);
    }
    node.nlookup++;
    return node;
  }

  /** Gives back `n` lookups; returns the inode when that was the last (it is gone now). */
  forget(ino: number, n: number): Inode | undefined {
    const node = this.byIno.get(ino);
    if (!node || ino === ROOT_INO) return undefined;
    node.nlookup -= n;
    if (node.nlookup > 0) return undefined;
    this.byIno.delete(ino);
    if (this.byPath.get(node.path) === node) this.byPath.delete(node.path);
    return node;
  }

  /** The name `path` is gone (unlink, rmdir). */
  remove(path: string): void {
    const node = this.byPath.get(path);
    if (node) this.detach(node);
  }

  /** `from` (and everything under it) is now named `to`; what `to` named before is detached. */
  rename(from: string, to: string): void {
    const replaced = this.byPath.get(to);
    if (replaced) this.detach(replaced);
    const moved: Inode[] = [];
    const prefix = from + '/';
    for (const [p, node] of this.byPath) if (p === from || p.startsWith(prefix)) moved.push(node);
    for (const node of moved) this.byPath.delete(node.path);
    for (const node of moved) {
      node.path = to + node.path.slice(from.length);
      this.byPath.set(node.path, node);
    }
  }

  private detach(node: Inode): void {
    if (this.byPath.get(node.path) === node) this.byPath.delete(node.path);
    node.detached = true;
  }

  private make(ino: number, path: string, kind: FsAttr['kind']): Inode {
    const node: Inode = {
      ino,
      path,
      kind,
      nlookup: 0,
      detached: false,
      version: undefined,
      pagesVersion: undefined,
      readHandle: undefined,
      listing: undefined,
    };
    this.byIno.set(ino, node);
    this.byPath.set(path, node);
    return node;
  }
}

/** The path of `name` inside the directory at `dir`. */
export function childPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

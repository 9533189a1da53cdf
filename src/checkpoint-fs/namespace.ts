// The checkpoint directory's tree: what the mount shows. It is the backend's
// tree under the mount root, listed lazily one directory at a time (and again
// after the entry TTL, so files another node persisted appear), with this
// node's changes on top. A local change always wins over a listing: a name a
// queued op still names (deleted, renamed away, written) is left alone by a
// refresh, and a file with local bytes is never replaced by a listing.
//
// Invariant: a node is attached (reachable from the root) iff `parent` is
// set or it is the root; unlink/rename detach and re-attach, nothing else
// changes the shape.

import { FsError } from '../fuse/types';
import type { StagedFile } from './staging';
import type { RemoteEntry, RemoteTree } from './types';

export type Content =
  | { readonly kind: 'local'; readonly staged: StagedFile }
  | { readonly kind: 'remote'; readonly size: number; readonly version: string }
  /** Being written through to the backend (the SSD was full): not readable until closed. */
  | { readonly kind: 'through'; readonly size: number };

export class FileNode {
  readonly kind = 'file';
  name: string;
  parent: DirNode | undefined;
  mode: number;
  mtimeMs: number;
  ctimeMs: number;
  content: Content;
  /** An object is (or, once queued ops run, will be) at this node's path on the backend. */
  onBackend: boolean;
  /** The backend version of the last persisted local bytes (for when the local copy goes). */
  persistedVersion: string | undefined;
  /** Open handles (any mode): a file in use keeps its local copy. */
  openHandles = 0;

  constructor(name: string, parent: DirNode | undefined, content: Content, onBackend: boolean, mtimeMs: number) {
    this.name = name;
    this.parent = parent;
    this.mode = 0o644;
    this.mtimeMs = mtimeMs;
    this.ctimeMs = mtimeMs;
    this.content = content;
    this.onBackend = onBackend;
  }

  get size(): number {
    return this.content.kind === 'local' ? this.content.staged.size : this.content.size;
  }
}

export class DirNode {
  readonly kind = 'dir';
  name: string;
  parent: DirNode | undefined;
  mode = 0o755;
  mtimeMs: number;
  ctimeMs: number;
  readonly children = new Map<string, FileNode | DirNode>();
  /** When the backend listing was last merged in; undefined = never. */
  listedAt: number | undefined;
  listing: Promise<void> | undefined;

  constructor(name: string, parent: DirNode | undefined, mtimeMs: number) {
    this.name = name;
    this.parent = parent;
    this.mtimeMs = mtimeMs;
    this.ctimeMs = mtimeMs;
  }
}

export type Node = FileNode | DirNode;

export interface NamespaceOptions {
  readonly remote: RemoteTree;
  /** Backend path of the mount root. */
  readonly root: string;
  /** How long a listing is trusted before the backend is listed again. */
  readonly listTtlMs: number;
  /** True while a queued op names this mount path. */
  readonly isTouched: (path: string) => boolean;
  readonly now: () => number;
}

export const joinPath = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);

export function splitPath(path: string): { dir: string; name: string } {
  const i = path.lastIndexOf('/');
  return i < 0 ? { dir: '', name: path } : { dir: path.slice(0, i), name: path.slice(i + 1) };
}

export class Namespace {
  readonly root: DirNode;
  private readonly opts: NamespaceOptions;

  constructor(opts: NamespaceOptions) {
    this.opts = opts;
    this.root = new DirNode('', undefined, opts.now());
  }

  backendPath(path: string): string {
    return this.opts.root === '' ? path : path === '' ? this.opts.root : `${this.opts.root}/${path}`;
  }

  /** Mount path of an attached node; undefined once it was unlinked. */
  pathOf(node: Node): string | undefined {
    const parts: string[] = [];
    for (let n: Node = node; n !== this.root; ) {
      if (!n.parent) return undefined;
      parts.push(n.name);
      n = n.parent;
    }
    return parts.reverse().join('/');
  }

  /** The node at `path` (listing directories on the way), or undefined. */
  async lookup(path: string): Promise<Node | undefined> {
    let node: Node = this.root;
    if (path === '') return node;
    for (const part of path.split('/')) {
      if (node.kind !== 'dir') return undefined;
      await this.listed(node);
      const next: Node | undefined = node.children.get(part);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  async get(path: string): Promise<Node> {
    const n = await this.lookup(path);
    if (!n) throw new FsError('ENOENT', `no such file or directory: ${path}`);
    return n;
  }

  async dir(path: string): Promise<DirNode> {
    const n = await this.get(path);
    if (n.kind !== 'dir') throw new FsError('ENOTDIR', `not a directory: ${path}`);
    await this.listed(n);
    return n;
  }

  async file(path: string): Promise<FileNode> {
    const n = await this.get(path);
    if (n.kind !== 'file') throw new FsError('EISDIR', `is a directory: ${path}`);
    return n;
  }

  /** The parent directory of `path` (which must exist) and the last name. */
  async parentOf(path: string): Promise<{ dir: DirNode; name: string }> {
    if (path === '') throw new FsError('EPERM', 'the checkpoint directory root cannot be changed');
    const { dir, name } = splitPath(path);
    return { dir: await this.dir(dir), name };
  }

  attach(dir: DirNode, node: Node, name: string): void {
    node.name = name;
    node.parent = dir;
    dir.children.set(name, node);
    dir.mtimeMs = this.opts.now();
  }

  detach(node: Node): void {
    const p = node.parent;
    if (!p) return;
    if (p.children.get(node.name) === node) p.children.delete(node.name);
    p.mtimeMs = this.opts.now();
    node.parent = undefined;
  }

  /** Creates the missing directories of `dir` (crash replay). */
  async mkdirs(dir: string): Promise<DirNode> {
    let node: DirNode = this.root;
    if (dir === '') return node;
    for (const part of dir.split('/')) {
      await this.listed(node);
      let next = node.children.get(part);
      if (next?.kind === 'file') throw new FsError('ENOTDIR', `not a directory: ${part} in ${dir}`);
      if (!next) {
        next = new DirNode(part, node, this.opts.now());
        next.listedAt = this.opts.now();
        this.attach(node, next, part);
      }
      node = next;
    }
    return node;
  }

  /** Every file under `dir` with its mount path (every directory listed first). */
  async files(dir: DirNode): Promise<{ node: FileNode; path: string }[]> {
    const out: { node: FileNode; path: string }[] = [];
    const walk = async (d: DirNode, prefix: string): Promise<void> => {
      await this.listed(d);
      for (const [name, n] of d.children) {
        const p = joinPath(prefix, name);
        if (n.kind === 'file') out.push({ node: n, path: p });
        else await walk(n, p);
      }
    };
    await walk(dir, this.pathOf(dir) ?? '');
    return out;
  }

  /** Merges the backend listing into `dir` unless it is fresh; one listing at a time per directory. */
  async listed(dir: DirNode): Promise<void> {
    const now = this.opts.now();
    if (dir.listedAt !== undefined && now - dir.listedAt < this.opts.listTtlMs) return;
    if (!dir.listing) {
      dir.listing = this.list(dir).finally(() => {
        dir.listing = undefined;
      });
    }
    await dir.listing;
  }

  private async list(dir: DirNode): Promise<void> {
    const path = this.pathOf(dir);
    if (path === undefined) return;
    let entries: RemoteEntry[] | undefined;
    try {
      entries = await this.opts.remote.list(this.backendPath(path));
    } catch (err) {
      throw new FsError('EIO', `listing ${path || '/'} on the backend failed`, { cause: err });
    }
    dir.listedAt = this.opts.now();
    const seen = new Set<string>();
    for (const e of entries ?? []) {
      seen.add(e.name);
      const p = joinPath(path, e.name);
      if (this.opts.isTouched(p)) continue;
      const have = dir.children.get(e.name);
      if (!have) {
        const n =
          e.kind === 'dir'
            ? new DirNode(e.name, dir, e.mtimeMs)
            : new FileNode(e.name, dir, { kind: 'remote', size: e.size, version: e.version }, true, e.mtimeMs);
        dir.children.set(e.name, n);
      } else if (have.kind === 'file' && have.content.kind === 'remote' && e.kind === 'file' && have.openHandles === 0) {
        if (have.content.version !== e.version) {
          have.content = { kind: 'remote', size: e.size, version: e.version };
          have.mtimeMs = e.mtimeMs;
        }
      }
    }
    // Files another node deleted: only those that are purely remote and idle.
    for (const [name, n] of dir.children) {
      if (seen.has(name) || n.kind !== 'file' || n.content.kind !== 'remote' || n.openHandles > 0) continue;
      if (this.opts.isTouched(joinPath(path, name))) continue;
      dir.children.delete(name);
      n.parent = undefined;
    }
  }
}

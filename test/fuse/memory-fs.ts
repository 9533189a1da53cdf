// A MountFilesystem held in memory, for the mount machinery's tests: every
// call is recorded, so a test can assert on what reached the filesystem.

import { FsError, type FsAttr, type FsDirEntry, type FsOpened, type FsSetattr, type FsStatfs, type MountFilesystem, type RenameFlags } from '../../src/fuse/types';

interface Node {
  kind: 'file' | 'dir';
  data: Buffer;
  mode: number;
  mtimeMs: number;
  ctimeMs: number;
  gen: number;
}

export class MemoryFilesystem implements MountFilesystem {
  readonly writable: boolean;
  readonly writebackCache: boolean;
  readonly attrTimeoutS = 60;
  readonly entryTimeoutS = 60;
  readonly calls: string[] = [];
  readonly nodes = new Map<string, Node>();
  private readonly handles = new Map<number, string>();
  private nextHandle = 1;

  constructor(writable: boolean, opts: { writebackCache?: boolean } = {}) {
    this.writable = writable;
    this.writebackCache = opts.writebackCache ?? false;
    this.nodes.set('', this.make('dir', Buffer.alloc(0), 0o755));
  }

  /** Puts a file (and its parent directories) in place, as if changed behind the mount's back. */
  put(path: string, data: Buffer | string, mode = 0o644): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!this.nodes.has(dir)) this.nodes.set(dir, this.make('dir', Buffer.alloc(0), 0o755));
    }
    const prev = this.nodes.get(path);
    const node = this.make('file', Buffer.from(data), mode);
    node.gen = (prev?.gen ?? 0) + 1;
    this.nodes.set(path, node);
  }

  count(op: string): number {
    return this.calls.filter((c) => c.split(' ')[0] === op).length;
  }

  private make(kind: Node['kind'], data: Buffer, mode: number): Node {
    const now = Date.now();
    return { kind, data, mode, mtimeMs: now, ctimeMs: now, gen: 0 };
  }

  private get(path: string): Node {
    const n = this.nodes.get(path);
    if (!n) throw new FsError('ENOENT', `no such file: ${path}`);
    return n;
  }

  private attr(n: Node): FsAttr {
    return {
      kind: n.kind,
      size: n.data.length,
      mode: n.mode,
      mtimeMs: n.mtimeMs,
      ctimeMs: n.ctimeMs,
      version: `${n.gen}-${n.data.length}-${n.mtimeMs}`,
    };
  }

  private parentOf(path: string): Node {
    const slash = path.lastIndexOf('/');
    const parent = this.get(slash < 0 ? '' : path.slice(0, slash));
    if (parent.kind !== 'dir') throw new FsError('ENOTDIR', 'parent is not a directory');
    return parent;
  }

  private touch(n: Node): void {
    n.mtimeMs = n.ctimeMs = Date.now();
    n.gen++;
  }

  async getattr(path: string): Promise<FsAttr> {
    this.calls.push(`getattr ${path}`);
    return this.attr(this.get(path));
  }

  async readdir(path: string): Promise<FsDirEntry[]> {
    this.calls.push(`readdir ${path}`);
    if (this.get(path).kind !== 'dir') throw new FsError('ENOTDIR', path);
    const prefix = path === '' ? '' : path + '/';
    const out: FsDirEntry[] = [];
    for (const [p, n] of this.nodes) {
      if (p === '' || !p.startsWith(prefix) || p.slice(prefix.length).includes('/')) continue;
      out.push({ name: p.slice(prefix.length), kind: n.kind });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async open(path: string, flags: number): Promise<FsOpened> {
    this.calls.push(`open ${path}`);
    const n = this.get(path);
    if (n.kind === 'dir') throw new FsError('EISDIR', path);
    if (flags & 0o1000 /* O_TRUNC */) {
      n.data = Buffer.alloc(0);
      this.touch(n);
    }
    const h = this.nextHandle++;
    this.handles.set(h, path);
    return { handle: h, keepCache: false };
  }

  private byHandle(h: number): Node {
    const path = this.handles.get(h);
    if (path === undefined) throw new FsError('EBADF', `handle ${h}`);
    return this.get(path);
  }

  async read(handle: number, offset: number, length: number): Promise<Buffer> {
    this.calls.push(`read ${this.handles.get(handle)} ${offset} ${length}`);
    return this.byHandle(handle).data.subarray(offset, offset + length);
  }

  async release(handle: number): Promise<void> {
    this.calls.push(`release ${this.handles.get(handle)}`);
    this.handles.delete(handle);
  }

  async statfs(): Promise<FsStatfs> {
    return { blockSize: 4096, blocks: 1000, blocksFree: 500, blocksAvail: 500, files: 100, filesFree: 50, nameMax: 255 };
  }

  async create(path: string, mode: number, flags: number): Promise<FsOpened & { readonly attr: FsAttr }> {
    this.calls.push(`create ${path}`);
    this.parentOf(path);
    if (this.nodes.has(path) && flags & 0o200 /* O_EXCL */) throw new FsError('EEXIST', path);
    const n = this.make('file', Buffer.alloc(0), mode);
    this.nodes.set(path, n);
    const h = this.nextHandle++;
    this.handles.set(h, path);
    return { handle: h, keepCache: false, attr: this.attr(n) };
  }

  async write(handle: number, data: Buffer, offset: number): Promise<number> {
    this.calls.push(`write ${this.handles.get(handle)} ${offset} ${data.length}`);
    const n = this.byHandle(handle);
    const end = offset + data.length;
    if (end > n.data.length) {
      const grown = Buffer.alloc(end);
      n.data.copy(grown);
      n.data = grown;
    }
    data.copy(n.data, offset);
    this.touch(n);
    return data.length;
  }

  async flush(handle: number): Promise<void> {
    this.calls.push(`flush ${this.handles.get(handle)}`);
  }

  async fsync(handle: number, datasync: boolean): Promise<void> {
    this.calls.push(`fsync ${this.handles.get(handle)} ${datasync}`);
  }

  async setattr(path: string, changes: FsSetattr): Promise<FsAttr> {
    this.calls.push(`setattr ${path} ${JSON.stringify(changes)}`);
    const n = this.get(path);
    if (changes.size !== undefined) {
      const resized = Buffer.alloc(changes.size);
      n.data.copy(resized, 0, 0, Math.min(changes.size, n.data.length));
      n.data = resized;
      this.touch(n);
    }
    if (changes.mode !== undefined) n.mode = changes.mode;
    if (changes.mtimeMs !== undefined) n.mtimeMs = changes.mtimeMs;
    return this.attr(n);
  }

  async mkdir(path: string, mode: number): Promise<FsAttr> {
    this.calls.push(`mkdir ${path}`);
    this.parentOf(path);
    if (this.nodes.has(path)) throw new FsError('EEXIST', path);
    const n = this.make('dir', Buffer.alloc(0), mode);
    this.nodes.set(path, n);
    return this.attr(n);
  }

  async rmdir(path: string): Promise<void> {
    this.calls.push(`rmdir ${path}`);
    if (this.get(path).kind !== 'dir') throw new FsError('ENOTDIR', path);
    if ((await this.readdir(path)).length > 0) throw new FsError('ENOTEMPTY', path);
    this.nodes.delete(path);
  }

  async unlink(path: string): Promise<void> {
    this.calls.push(`unlink ${path}`);
    if (this.get(path).kind === 'dir') throw new FsError('EISDIR', path);
    this.nodes.delete(path);
  }

  async rename(from: string, to: string, flags: RenameFlags): Promise<void> {
    this.calls.push(`rename ${from} ${to} ${flags.noReplace ? 'noreplace' : 'replace'}`);
    const n = this.get(from);
    if (flags.noReplace && this.nodes.has(to)) throw new FsError('EEXIST', to);
    this.parentOf(to);
    this.nodes.delete(from);
    this.nodes.set(to, n);
  }
}

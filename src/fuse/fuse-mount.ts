// The FUSE mount: serves a MountFilesystem (types.ts) at a directory through
// the libfuse 3 low-level addon (native-binding.ts). Owns the kernel side:
// inode numbers (inode-table.ts), open handles, errno replies, the mount's
// lifecycle (mount-point.ts repairs a dead mount first).
//
// Requests arrive on the JS thread (read there for read-only mounts; from the
// addon's session thread for writable ones) and are answered asynchronously,
// in any order. Never touch a mount synchronously
// from the process that serves it (fs.*Sync on it deadlocks: the answer
// needs this very thread).
//
// Read-only filesystems are mounted `ro`; flush and fsync answer ENOSYS once.
// With `consistentOpens` (the cached view's default) every open is answered
// and names the version it reads: the kernel keeps the file's pages only
// when they are of that version (else the open's reply drops them). Without
// it, open and opendir answer ENOSYS (no-open: the kernel stops sending
// them, keeps a file's pages across opens and sends no release) and a warm
// file costs no round trip at all. Either way, when a getattr or lookup
// shows a new version, the mount drops that file's pages. Writable
// filesystems get every open, flush, fsync and release.

import { writeFileSync } from 'node:fs';
import { constants as osc } from 'node:os';
import { ConfigError } from '../errors';
import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';
import { InodeTable, childPath, type Inode } from './inode-table';
import { mountsAt, prepareMountPoint } from './mount-point';
import { loadFuseBinding, OPS, RENAME_NOREPLACE, SETATTR, type Dispatch, type FuseBinding, type Session } from './native-binding';
import { FsError, type FsAttr, type FsOpened, type FsSetattr, type MountFilesystem, type MountNotifier } from './types';

/** Largest write the kernel may send, and largest readahead asked for. */
const MAX_WRITE = 1 << 20;
const MAX_READAHEAD = 1 << 20;
const NAME_MAX = 255;
/** On unmount, how long requests already taken may take to be answered before the session ends. */
const UNMOUNT_DRAIN_MS = 5_000;
const DEFAULT_READAHEAD_KB = 1024;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const DT_DIR = 4;
const DT_REG = 8;
const O_ACCMODE = 3;
const O_RDONLY = 0;
const ERRNO = osc.errno as Record<string, number>;

export interface FuseMountOptions {
  readonly log: Logger;
  /** Let every user's processes use the mount (needs root or user_allow_other in /etc/fuse.conf). */
  readonly allowOther?: boolean;
  /** Shown as the mount's source in /proc/mounts (default "tiercache"). */
  readonly fsName?: string;
  /**
   * Kernel readahead for the mount, KiB (its bdi's read_ahead_kb; default
   * 1024: one 1 MiB request ahead instead of the kernel's 128 KiB). Needs a
   * writable /sys (root; privileged in a container); otherwise left as is.
   */
  readonly readaheadKb?: number;
  /** Owner of every file and directory (default: this process's uid/gid). */
  readonly uid?: number;
  readonly gid?: number;
}

export interface MountedFilesystem {
  /** The absolute mount point. */
  readonly dir: string;
  readonly notifier: MountNotifier;
  /** Resolves when the mount has ended (unmount(), or unmounted from outside). */
  readonly closed: Promise<void>;
  /** Ends the session and detaches the mount (lazily: open files elsewhere see ENOTCONN). Idempotent. */
  unmount(): Promise<void>;
}

interface OpenHandle {
  readonly fsHandle: number;
  readonly ino: number;
  /** Consistent opens: the version this open reads. */
  readonly version?: string;
}

/** Live mounts, detached at process exit so a crash of JavaScript leaves no dead mount behind. */
const live = new Set<FuseMount>();
process.once('exit', () => {
  for (const m of live) m.detachNow();
});

export class FuseMount implements MountNotifier {
  /** Checks and repairs `dir`, mounts `fs` there, and resolves once the kernel has initialised the session. */
  static async mount(dir: string, fs: MountFilesystem, opts: FuseMountOptions): Promise<MountedFilesystem> {
    const binding = loadFuseBinding();
    const abs = await prepareMountPoint(dir, opts.log);
    const m = new FuseMount(binding, abs, fs, opts);
    await m.start();
    return {
      dir: abs,
      notifier: m,
      closed: m.closedPromise,
      unmount: () => m.unmount(),
    };
  }

  private readonly binding: FuseBinding;
  private readonly dir: string;
  private readonly fs: MountFilesystem;
  private readonly log: Logger;
  private readonly opts: FuseMountOptions;
  private readonly uid: number;
  private readonly gid: number;
  private readonly inodes = new InodeTable();
  /** Mount handles (never 0: fh 0 means "no open", see READ) -> filesystem handles. */
  private readonly handles = new Map<number, OpenHandle>();
  private nextFh = 1;
  /** Invalidations written by the notify thread, resolved on NOTIFY_DONE (or at the end of the session). */
  private readonly notices = new Map<number, () => void>();
  private nextNotice = 1;
  private session: Session | undefined;
  /** The kernel accepted ENOSYS for open/opendir (FUSE_CAP_NO_OPEN*_SUPPORT). */
  private noOpen = false;
  private noOpendir = false;
  /** The kernel buffers writes (FUSE_CAP_WRITEBACK_CACHE), as the filesystem asked. */
  private writebackCache = false;
  private stopping = false;
  /** Requests taken and not answered yet (for the drain on unmount). */
  private inflight = 0;
  private onDrained: (() => void) | undefined;
  private ready: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private closedResolve!: () => void;
  readonly closedPromise: Promise<void>;

  private constructor(binding: FuseBinding, dir: string, fs: MountFilesystem, opts: FuseMountOptions) {
    this.binding = binding;
    this.dir = dir;
    this.fs = fs;
    this.opts = opts;
    this.log = opts.log.child({ mount: dir });
    this.uid = opts.uid ?? process.getuid?.() ?? 0;
    this.gid = opts.gid ?? process.getgid?.() ?? 0;
    this.closedPromise = new Promise((resolve) => (this.closedResolve = resolve));
  }

  private async start(): Promise<void> {
    const options = [`fsname=${(this.opts.fsName ?? 'tiercache').replace(/[,\\]/g, '_')}`, 'subtype=tiercache', 'default_permissions'];
    if (this.opts.allowOther) options.push('allow_other');
    if (!this.fs.writable) options.push('ro');
    const ready = new Promise<void>((resolve, reject) => (this.ready = { resolve, reject }));
    try {
      // Read-only: requests are read on this thread (one wakeup per request, no thread hop).
      // Writable: the addon's thread reads them, so big writes are copied off this thread.
      const writeback = this.fs.writable && this.fs.writebackCache === true;
      this.session = this.binding.mount(this.dir, options.join(','), MAX_WRITE, MAX_READAHEAD, writeback, !this.fs.writable, this.dispatch);
    } catch (err) {
      throw mountFailed(this.dir, err);
    }
    live.add(this);
    await ready;
    this.raiseReadahead(this.opts.readaheadKb ?? DEFAULT_READAHEAD_KB);
    this.log.info('FUSE mount serving', {
      writable: this.fs.writable,
      allowOther: this.opts.allowOther ?? false,
      noOpen: this.noOpen && !this.fs.writable && !this.fs.consistentOpens,
      writebackCache: this.writebackCache,
    });
  }

  private raiseReadahead(kb: number): void {
    // mountinfo, not stat(): a synchronous stat of our own mount would wait on this very thread.
    const dev = mountsAt(this.dir).find((m) => m.fstype.startsWith('fuse'))?.dev;
    if (!dev) return;
    try {
      writeFileSync(`/sys/class/bdi/${dev}/read_ahead_kb`, String(kb));
    } catch (err) {
      this.log.debug('cannot raise the mount\'s readahead', { dev, err: getErrorMessage(err) });
    }
  }

  // ---- MountNotifier

  invalidate(path: string): Promise<void> {
    const s = this.session;
    const node = this.inodes.byName(path);
    if (!s || this.stopping) return Promise.resolve();
    const done: Promise<void>[] = [];
    if (node) {
      node.version = undefined;
      this.dropReadHandle(node);
      done.push(this.notice((id) => this.binding.notifyInvalInode(s, node.ino, id)));
    }
    const slash = path.lastIndexOf('/');
    const parent = this.inodes.byName(slash < 0 ? '' : path.slice(0, slash));
    if (parent && path !== '') done.push(this.notice((id) => this.binding.notifyInvalEntry(s, parent.ino, path.slice(slash + 1), id)));
    return Promise.all(done).then(() => {});
  }

  private notice(send: (id: number) => void): Promise<void> {
    const id = this.nextNotice++;
    return new Promise<void>((resolve) => {
      this.notices.set(id, resolve);
      send(id);
    });
  }

  // ---- lifecycle

  unmount(): Promise<void> {
    if (!this.stopping && this.session) {
      this.stopping = true;
      this.binding.stop(this.session);
    }
    return this.closedPromise;
  }

  /** Synchronous teardown at process exit. */
  detachNow(): void {
    if (!this.session) return;
    this.stopping = true;
    this.binding.stop(this.session);
    this.finish();
  }

  private finish(): void {
    const s = this.session;
    if (!s) return;
    this.session = undefined;
    live.delete(this);
    this.binding.destroy(s);
    for (const h of this.handles.values()) void this.fs.release(h.fsHandle).catch(() => {});
    this.handles.clear();
    for (const resolve of this.notices.values()) resolve();
    this.notices.clear();
    this.closedResolve();
  }

  // ---- requests

  private readonly dispatch: Dispatch = (op, req, n0, n1, n2, n3, n4, s1, s2, data) => {
    switch (op) {
      case OPS.INIT_DONE:
        this.noOpen = n0 === 1;
        this.noOpendir = n1 === 1;
        this.writebackCache = n4 === 1;
        this.log.debug('FUSE session initialised', { noOpen: this.noOpen, noOpendir: this.noOpendir, protoMinor: n2, maxWrite: n3, writebackCache: this.writebackCache });
        this.ready?.resolve();
        return;
      case OPS.LOOP_DONE:
        if (!this.stopping) this.log.warn('the FUSE mount was ended from outside (unmounted or aborted)', { errno: n0 });
        this.ready?.reject(mountFailed(this.dir, new Error(`the kernel ended the session (errno ${n0})`)));
        if (this.stopping && this.inflight > 0) {
          const timer = setTimeout(() => this.finish(), UNMOUNT_DRAIN_MS);
          this.onDrained = () => {
            clearTimeout(timer);
            this.finish();
          };
        } else {
          this.finish();
        }
        return;
      case OPS.NOTIFY_DONE: {
        const resolve = this.notices.get(n0);
        this.notices.delete(n0);
        resolve?.();
        return;
      }
      case OPS.FORGET:
        this.forget(n0, n1);
        return;
      case OPS.LOOKUP:
        return this.run(req, () => this.lookup(req, n0, s1!));
      case OPS.GETATTR:
        return this.run(req, () => this.getattr(req, n0));
      case OPS.SETATTR:
        return this.run(req, () => this.setattr(req, n0, n1, n2, n3, n4, Number(s1)));
      case OPS.OPEN:
        return this.run(req, () => this.open(req, n0, n1));
      case OPS.READ:
        return this.run(req, () => this.read(req, n0, n1, n2, n3));
      case OPS.WRITE:
        return this.run(req, () => this.write(req, n1, n2, data!));
      case OPS.FLUSH:
        return this.run(req, () => this.flush(req, n1));
      case OPS.RELEASE:
        return this.run(req, () => this.release(req, n1));
      case OPS.FSYNC:
        return this.run(req, () => this.fsync(req, n1, n2 === 1));
      case OPS.OPENDIR:
        return this.run(req, () => this.opendir(req, n0));
      case OPS.READDIR:
        return this.run(req, () => this.readdir(req, n0, n2, n3));
      case OPS.RELEASEDIR:
        this.binding.replyErr(this.session!, req, 0);
        return;
      case OPS.STATFS:
        return this.run(req, () => this.statfs(req));
      case OPS.CREATE:
        return this.run(req, () => this.create(req, n0, s1!, n1, n2));
      case OPS.MKDIR:
        return this.run(req, () => this.mkdir(req, n0, s1!, n1));
      case OPS.UNLINK:
        return this.run(req, () => this.unlink(req, n0, s1!, 'unlink'));
      case OPS.RMDIR:
        return this.run(req, () => this.unlink(req, n0, s1!, 'rmdir'));
      case OPS.RENAME:
        return this.run(req, () => this.rename(req, n0, s1!, n1, s2!, n2));
      default:
        if (req) this.binding.replyErr(this.session!, req, ERRNO.ENOSYS!);
    }
  };

  /** Runs one request; a failure becomes its errno reply. */
  private run(req: number, fn: () => Promise<void>): void {
    this.inflight++;
    fn()
      .catch((err: unknown) => {
        const s = this.session;
        if (!s) return;
        this.binding.replyErr(s, req, this.errnoOf(err));
      })
      .finally(() => {
        if (--this.inflight === 0) this.onDrained?.();
      });
  }

  private errnoOf(err: unknown): number {
    if (err instanceof FsError) return ERRNO[err.errno] ?? ERRNO.EIO!;
    this.log.error('FUSE request failed', { err: getErrorMessage(err), stack: (err as Error)?.stack });
    return ERRNO.EIO!;
  }

  private node(ino: number): Inode {
    const node = this.inodes.get(ino);
    if (!node) throw new FsError('ENOENT', `unknown inode ${ino}`);
    return node;
  }

  private named(ino: number): Inode {
    const node = this.node(ino);
    if (node.detached) throw new FsError('ENOENT', `${node.path} was removed`);
    return node;
  }

  private child(parentIno: number, name: string): string {
    const parent = this.named(parentIno);
    if (parent.kind !== 'dir') throw new FsError('ENOTDIR', `not a directory: ${parent.path}`);
    if (Buffer.byteLength(name) > NAME_MAX) throw new FsError('ENAMETOOLONG', `name longer than ${NAME_MAX} bytes`);
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
      throw new FsError('EINVAL', `invalid name ${JSON.stringify(name)}`);
    }
    return childPath(parent.path, name);
  }

  private writeSide<K extends WriteOp>(op: K): NonNullable<MountFilesystem[K]> {
    if (!this.fs.writable) throw new FsError('EROFS', 'read-only file system');
    const fn = this.fs[op];
    if (!fn) throw new FsError('EOPNOTSUPP', `${op} is not supported here`);
    return fn.bind(this.fs) as NonNullable<MountFilesystem[K]>;
  }

  /** Records the version told to the kernel; on a read-only filesystem a change drops the file's pages. */
  private noteVersion(node: Inode, attr: FsAttr): void {
    const before = node.version;
    node.version = attr.version;
    if (this.fs.writable || before === undefined || before === attr.version) return;
    this.dropReadHandle(node);
    // Not awaited: the kernel waits for this reply, and the drop may wait on its page locks.
    if (this.session) this.binding.notifyInvalInode(this.session, node.ino, 0);
  }

  private attrArgs(node: Inode, a: FsAttr): [number, number, number, number, number, number, number, number] {
    const type = a.kind === 'dir' ? S_IFDIR : S_IFREG;
    return [node.ino, type | (a.mode & 0o7777), a.kind === 'dir' ? 2 : 1, a.size, a.mtimeMs, a.ctimeMs, this.uid, this.gid];
  }

  private replyEntry(req: number, node: Inode, a: FsAttr): void {
    this.binding.replyEntry(this.session!, req, ...this.attrArgs(node, a), a.ttlS ?? this.fs.attrTimeoutS, a.ttlS ?? this.fs.entryTimeoutS);
  }

  private replyAttr(req: number, node: Inode, a: FsAttr): void {
    this.binding.replyAttr(this.session!, req, ...this.attrArgs(node, a), a.ttlS ?? this.fs.attrTimeoutS);
  }

  private async lookup(req: number, parentIno: number, name: string): Promise<void> {
    const path = this.child(parentIno, name);
    let attr: FsAttr;
    try {
      attr = await this.fs.getattr(path);
    } catch (err) {
      if (this.fs.writable || !(err instanceof FsError) || err.errno !== 'ENOENT') throw err;
      // A negative entry (inode 0): the kernel remembers the miss for the entry timeout.
      this.binding.replyEntry(this.session!, req, 0, 0, 0, 0, 0, 0, 0, 0, 0, this.fs.entryTimeoutS);
      return;
    }
    const node = this.inodes.lookup(path, attr.kind);
    this.noteVersion(node, attr);
    this.replyEntry(req, node, attr);
  }

  private forget(ino: number, n: number): void {
    const gone = this.inodes.forget(ino, n);
    if (gone) this.dropReadHandle(gone);
  }

  private async getattr(req: number, ino: number): Promise<void> {
    const node = this.named(ino);
    const attr = await this.fs.getattr(node.path);
    if (attr.kind !== node.kind) throw new FsError('ENOENT', `${node.path} was replaced`);
    this.noteVersion(node, attr);
    this.replyAttr(req, node, attr);
  }

  private async setattr(req: number, ino: number, fh: number, valid: number, size: number, mode: number, mtimeMs: number): Promise<void> {
    const setattr = this.writeSide('setattr');
    if (valid & (SETATTR.UID | SETATTR.GID)) throw new FsError('EPERM', 'changing the owner is not supported');
    const changes: { -readonly [K in keyof FsSetattr]: FsSetattr[K] } = {};
    if (valid & SETATTR.SIZE) changes.size = size;
    if (valid & SETATTR.MODE) changes.mode = mode;
    if (valid & SETATTR.MTIME) changes.mtimeMs = mtimeMs < 0 ? Date.now() : mtimeMs;
    const node = this.named(ino);
    const handle = fh ? this.handles.get(fh)?.fsHandle : undefined;
    const attr = Object.keys(changes).length === 0 ? await this.fs.getattr(node.path) : await setattr(node.path, changes, handle);
    node.version = attr.version;
    this.replyAttr(req, node, attr);
  }

  private async open(req: number, ino: number, flags: number): Promise<void> {
    const node = this.named(ino);
    if (!this.fs.writable) {
      if ((flags & O_ACCMODE) !== O_RDONLY) throw new FsError('EROFS', 'read-only file system');
      if (this.noOpen && !this.fs.consistentOpens) {
        this.binding.replyErr(this.session!, req, ERRNO.ENOSYS!);
        return;
      }
    }
    const opened = await this.fs.open(node.path, flags);
    if (!this.fs.writable && opened.version !== undefined) {
      // The kernel's pages are kept only when they are of the version this open reads; otherwise the
      // open's reply drops them, before its first read (no notification needed, none to race with).
      const keep = opened.keepCache && node.pagesVersion === opened.version;
      node.version = opened.version;
      node.pagesVersion = opened.version;
      this.replyOpened(req, node, { ...opened, keepCache: keep });
      return;
    }
    this.replyOpened(req, node, opened);
  }

  private replyOpened(req: number, node: Inode, opened: FsOpened): void {
    const fh = this.nextFh++;
    this.handles.set(fh, { fsHandle: opened.handle, ino: node.ino, ...(opened.version === undefined ? {} : { version: opened.version }) });
    if (!this.binding.replyOpen(this.session!, req, fh, opened.keepCache, opened.directIo ?? false)) {
      // The session closed meanwhile: nobody will release it.
      this.handles.delete(fh);
      void this.fs.release(opened.handle).catch(() => {});
    }
  }

  private async read(req: number, ino: number, fh: number, offset: number, size: number): Promise<void> {
    let handle: number;
    if (fh !== 0) {
      const h = this.handles.get(fh);
      if (!h) throw new FsError('EBADF', `unknown file handle ${fh}`);
      // The page cache is the inode's, shared by every open: once an open of a newer version has taken
      // it, bytes of an older open's version must not go in beside that version's.
      if (h.version !== undefined) {
        const node = this.node(ino);
        if (h.version !== node.pagesVersion) throw new FsError('EIO', `${node.path} changed since this open; open it again`);
      }
      handle = h.fsHandle;
    } else {
      // Served without open: the inode's own handle, opened on first read.
      const node = this.node(ino);
      const opening = (node.readHandle ??= this.fs.open(node.path, O_RDONLY).then((o) => o.handle));
      opening.catch(() => {
        if (node.readHandle === opening) node.readHandle = undefined;
      });
      handle = await opening;
    }
    const data = await this.fs.read(handle, offset, size);
    this.binding.replyBuf(this.session!, req, data.length > size ? data.subarray(0, size) : data);
  }

  private dropReadHandle(node: Inode): void {
    const h = node.readHandle;
    node.readHandle = undefined;
    if (h) void h.then((handle) => this.fs.release(handle)).catch(() => {});
  }

  private async write(req: number, fh: number, offset: number, data: Buffer): Promise<void> {
    const write = this.writeSide('write');
    const h = this.handles.get(fh);
    if (!h) throw new FsError('EBADF', `unknown file handle ${fh}`);
    const n = await write(h.fsHandle, data, offset);
    this.binding.replyWrite(this.session!, req, n);
  }

  private async flush(req: number, fh: number): Promise<void> {
    const h = this.handles.get(fh);
    if (!this.fs.writable || !this.fs.flush || !h) {
      // ENOSYS: the kernel stops sending flushes for this mount.
      if (!this.fs.writable) this.binding.replyErr(this.session!, req, ERRNO.ENOSYS!);
      else this.binding.replyErr(this.session!, req, 0);
      return;
    }
    await this.fs.flush(h.fsHandle);
    this.binding.replyErr(this.session!, req, 0);
  }

  private async fsync(req: number, fh: number, datasync: boolean): Promise<void> {
    const h = this.handles.get(fh);
    if (!this.fs.writable || !this.fs.fsync || !h) {
      this.binding.replyErr(this.session!, req, this.fs.writable ? 0 : ERRNO.ENOSYS!);
      return;
    }
    await this.fs.fsync(h.fsHandle, datasync);
    this.binding.replyErr(this.session!, req, 0);
  }

  private async release(req: number, fh: number): Promise<void> {
    const h = this.handles.get(fh);
    this.handles.delete(fh);
    try {
      if (h) await this.fs.release(h.fsHandle);
    } finally {
      this.binding.replyErr(this.session!, req, 0);
    }
  }

  private async opendir(req: number, ino: number): Promise<void> {
    const node = this.named(ino);
    if (node.kind !== 'dir') throw new FsError('ENOTDIR', `not a directory: ${node.path}`);
    if (this.noOpendir) this.binding.replyErr(this.session!, req, ERRNO.ENOSYS!);
    else this.binding.replyOpen(this.session!, req, 0, false, false);
  }

  private async readdir(req: number, ino: number, offset: number, size: number): Promise<void> {
    const node = this.named(ino);
    if (node.kind !== 'dir') throw new FsError('ENOTDIR', `not a directory: ${node.path}`);
    if (offset === 0 || !node.listing) {
      const entries = await this.fs.readdir(node.path);
      const names = ['.', '..'];
      const types = [DT_DIR, DT_DIR];
      for (const e of entries) {
        names.push(e.name);
        types.push(e.kind === 'dir' ? DT_DIR : e.kind === 'file' ? DT_REG : 0);
      }
      node.listing = { names, types };
    }
    this.binding.replyDir(this.session!, req, size, offset, node.listing.names, node.listing.types);
  }

  private async statfs(req: number): Promise<void> {
    const s = await this.fs.statfs();
    this.binding.replyStatfs(this.session!, req, s.blockSize, s.blocks, s.blocksFree, s.blocksAvail, s.files, s.filesFree, s.nameMax);
  }

  private async create(req: number, parentIno: number, name: string, mode: number, flags: number): Promise<void> {
    const create = this.writeSide('create');
    const path = this.child(parentIno, name);
    const r = await create(path, mode, flags);
    const node = this.inodes.lookup(path, r.attr.kind);
    node.version = r.attr.version;
    const fh = this.nextFh++;
    this.handles.set(fh, { fsHandle: r.handle, ino: node.ino });
    const a = r.attr;
    const ok = this.binding.replyCreate(
      this.session!,
      req,
      ...this.attrArgs(node, a),
      a.ttlS ?? this.fs.attrTimeoutS,
      a.ttlS ?? this.fs.entryTimeoutS,
      fh,
      r.keepCache,
      r.directIo ?? false,
    );
    if (!ok) {
      this.handles.delete(fh);
      void this.fs.release(r.handle).catch(() => {});
    }
  }

  private async mkdir(req: number, parentIno: number, name: string, mode: number): Promise<void> {
    const mkdir = this.writeSide('mkdir');
    const path = this.child(parentIno, name);
    const attr = await mkdir(path, mode);
    const node = this.inodes.lookup(path, attr.kind);
    node.version = attr.version;
    this.replyEntry(req, node, attr);
  }

  private async unlink(req: number, parentIno: number, name: string, op: 'unlink' | 'rmdir'): Promise<void> {
    const remove = this.writeSide(op);
    const path = this.child(parentIno, name);
    await remove(path);
    this.inodes.remove(path);
    this.binding.replyErr(this.session!, req, 0);
  }

  private async rename(req: number, parentIno: number, name: string, newParentIno: number, newName: string, flags: number): Promise<void> {
    const rename = this.writeSide('rename');
    if (flags & ~RENAME_NOREPLACE) throw new FsError('EINVAL', 'only RENAME_NOREPLACE is supported (no RENAME_EXCHANGE or RENAME_WHITEOUT)');
    const from = this.child(parentIno, name);
    const to = this.child(newParentIno, newName);
    await rename(from, to, { noReplace: (flags & RENAME_NOREPLACE) !== 0 });
    this.inodes.rename(from, to);
    this.binding.replyErr(this.session!, req, 0);
  }
}

type WriteOp = 'create' | 'write' | 'setattr' | 'mkdir' | 'rmdir' | 'unlink' | 'rename';

function mountFailed(dir: string, err: unknown): Error {
  const msg = getErrorMessage(err);
  let fix = 'check that /dev/fuse exists and that the daemon may mount (root, or CAP_SYS_ADMIN and /dev/fuse in a container)';
  if (/allow_other/.test(msg)) fix = 'run as root, or add user_allow_other to /etc/fuse.conf';
  else if (/\/dev\/fuse/.test(msg)) fix = 'the node needs the fuse kernel module and /dev/fuse (in a container: mount /dev/fuse and add CAP_SYS_ADMIN)';
  else if (/ermission|EPERM|not permitted/.test(msg)) fix = 'mounting needs root, or CAP_SYS_ADMIN and /dev/fuse in a container';
  return new ConfigError(`invalid mount: cannot mount FUSE at ${dir}: ${msg}; ${fix}`);
}

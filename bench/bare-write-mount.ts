// A bare writable FUSE mount for bench/checkpoint-mount.ts's ceiling row, run
// as its own process: `node bare-write-mount.js MOUNT DIR`. Each file created
// in the mount's flat root is a local file in DIR; a write is one pwrite, an
// fsync one fsync, nothing else (no staging, journal, space accounting or
// persist), and no writeback cache: each write(2) is one synchronous round
// trip through the same addon and kernel protocol as the checkpoint mount.
// A dd through it is what FUSE costs a writer without the writeback cache.
// Prints "ready" once mounted; SIGTERM unmounts and exits.

import { promises as fsp, constants as fsc } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FuseMount } from '../src/fuse/fuse-mount';
import { FsError, type FsAttr, type FsDirEntry, type FsOpened, type FsSetattr, type FsStatfs, type MountFilesystem } from '../src/fuse/types';
import { silentLogger } from '../src/log';

const O_ACCMODE = 3;

class BareWriteFilesystem implements MountFilesystem {
  readonly writable = true;
  readonly attrTimeoutS = 1;
  readonly entryTimeoutS = 1;
  private readonly dir: string;
  private readonly files = new Map<number, FileHandle>();
  private nextHandle = 1;

  constructor(dir: string) {
    this.dir = dir;
  }

  private local(path: string): string {
    if (path.includes('/')) throw new FsError('EPERM', 'the bare mount is one flat directory');
    return join(this.dir, path);
  }

  async getattr(path: string): Promise<FsAttr> {
    const st = await fsp.stat(path === '' ? this.dir : this.local(path)).catch(() => {
      throw new FsError('ENOENT', `no such file: ${path}`);
    });
    return {
      kind: st.isDirectory() ? 'dir' : 'file',
      size: st.size,
      mode: st.mode & 0o7777,
      mtimeMs: st.mtimeMs,
      ctimeMs: st.ctimeMs,
      version: `${st.size}-${st.mtimeMs}`,
    };
  }

  async readdir(): Promise<FsDirEntry[]> {
    return (await fsp.readdir(this.dir)).map((name) => ({ name, kind: 'file' as const }));
  }

  async open(path: string, flags: number): Promise<FsOpened> {
    const handle = this.nextHandle++;
    this.files.set(handle, await fsp.open(this.local(path), flags & (O_ACCMODE | fsc.O_TRUNC)));
    return { handle, keepCache: false };
  }

  async create(path: string, mode: number, flags: number): Promise<FsOpened & { readonly attr: FsAttr }> {
    const handle = this.nextHandle++;
    this.files.set(handle, await fsp.open(this.local(path), (flags & O_ACCMODE) | fsc.O_CREAT | fsc.O_TRUNC, mode & 0o7777));
    return { handle, keepCache: false, attr: await this.getattr(path) };
  }

  async read(handle: number, offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.fh(handle).read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  }

  async write(handle: number, data: Buffer, offset: number): Promise<number> {
    let done = 0;
    while (done < data.length) done += (await this.fh(handle).write(data, done, data.length - done, offset + done)).bytesWritten;
    return done;
  }

  async flush(): Promise<void> {}

  async fsync(handle: number, datasync: boolean): Promise<void> {
    if (datasync) await this.fh(handle).datasync();
    else await this.fh(handle).sync();
  }

  async setattr(path: string, changes: FsSetattr): Promise<FsAttr> {
    if (changes.size !== undefined) await fsp.truncate(this.local(path), changes.size);
    return this.getattr(path);
  }

  async release(handle: number): Promise<void> {
    const fh = this.files.get(handle);
    this.files.delete(handle);
    await fh?.close();
  }

  async statfs(): Promise<FsStatfs> {
    const s = await fsp.statfs(this.dir);
    return { blockSize: s.bsize, blocks: s.blocks, blocksFree: s.bfree, blocksAvail: s.bavail, files: s.files, filesFree: s.ffree, nameMax: 255 };
  }

  private fh(handle: number): FileHandle {
    const fh = this.files.get(handle);
    if (!fh) throw new FsError('EBADF', `unknown handle ${handle}`);
    return fh;
  }
}

async function main(): Promise<void> {
  const [mnt, dir] = process.argv.slice(2);
  if (!mnt || !dir) throw new Error('usage: bare-write-mount MOUNT DIR');
  const m = await FuseMount.mount(mnt, new BareWriteFilesystem(dir), { log: silentLogger });
  process.once('SIGTERM', () => {
    void m.unmount().then(() => process.exit(0));
  });
  process.stdout.write('ready\n');
}

main().catch((err) => {
  process.stderr.write(`bare-write-mount: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

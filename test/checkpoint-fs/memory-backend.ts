// Test double for unit tests of the checkpoint directory ONLY: an in-memory
// WritableBackend + RemoteTree that records every operation in order and can
// hold or fail writes. Integration tests use the real PosixBackend.

import type { BackendStat, BackendWriteOptions, WritableBackend } from '../../src/backend/types';
import type { RemoteEntry, RemoteTree } from '../../src/checkpoint-fs/types';

export class MemoryBackend implements WritableBackend, RemoteTree {
  readonly files = new Map<string, { data: Buffer; mtimeMs: number; version: string }>();
  readonly dirs = new Set<string>();
  /** Every mutation, in the order it completed: "put a", "del a", "mv a b", "rmdir a". */
  readonly log: string[] = [];
  reads = 0;
  failWrites = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private versions = 0;

  /** Writes wait until release(). */
  hold(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  seed(path: string, data: Buffer): void {
    this.files.set(path, { data, mtimeMs: Date.now(), version: `v${++this.versions}` });
    this.addParents(path);
  }

  async write(path: string, body: AsyncIterable<Uint8Array>, opts?: BackendWriteOptions): Promise<BackendStat> {
    const parts: Buffer[] = [];
    for await (const c of body) parts.push(Buffer.from(c));
    if (this.gate) await this.gate;
    opts?.signal?.throwIfAborted();
    if (this.failWrites > 0) {
      this.failWrites--;
      throw Object.assign(new Error('backend write failed (injected)'), { code: 'TC_BACKEND_UNAVAILABLE' });
    }
    const data = Buffer.concat(parts);
    const version = `v${++this.versions}`;
    this.files.set(path, { data, mtimeMs: Date.now(), version });
    this.addParents(path);
    this.log.push(`put ${path}`);
    return { path, size: data.length, mtimeMs: Date.now(), isDir: false, version };
  }

  async delete(path: string): Promise<void> {
    if (this.gate) await this.gate;
    this.files.delete(path);
    this.log.push(`del ${path}`);
  }

  async rename(from: string, to: string): Promise<void> {
    if (this.gate) await this.gate;
    const f = this.files.get(from);
    if (!f) throw Object.assign(new Error(`not found: ${from}`), { code: 'TC_NOT_FOUND' });
    this.files.delete(from);
    this.files.set(to, f);
    this.addParents(to);
    this.log.push(`mv ${from} ${to}`);
  }

  async removeDir(path: string): Promise<void> {
    for (const p of [...this.files.keys(), ...this.dirs]) if (p.startsWith(path + '/')) return;
    this.dirs.delete(path);
    this.log.push(`rmdir ${path}`);
  }

  async cleanupIncomplete(): Promise<number> {
    return 0;
  }

  async list(dir: string): Promise<RemoteEntry[] | undefined> {
    if (dir !== '' && !this.dirs.has(dir)) return undefined;
    const prefix = dir === '' ? '' : dir + '/';
    const out = new Map<string, RemoteEntry>();
    for (const [p, f] of this.files) {
      if (!p.startsWith(prefix) || p.slice(prefix.length).includes('/')) continue;
      const name = p.slice(prefix.length);
      out.set(name, { name, kind: 'file', size: f.data.length, mtimeMs: f.mtimeMs, version: f.version });
    }
    for (const d of this.dirs) {
      if (!d.startsWith(prefix) || d === dir || d.slice(prefix.length).includes('/')) continue;
      const name = d.slice(prefix.length);
      out.set(name, { name, kind: 'dir', size: 0, mtimeMs: 0, version: 'dir' });
    }
    return [...out.values()];
  }

  async read(path: string, offset: number, length: number): Promise<Buffer> {
    const f = this.files.get(path);
    if (!f) throw Object.assign(new Error(`not found: ${path}`), { code: 'TC_NOT_FOUND' });
    this.reads++;
    return f.data.subarray(offset, offset + length);
  }

  text(path: string): string | undefined {
    return this.files.get(path)?.data.toString();
  }

  private addParents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) this.dirs.add(parts.slice(0, i).join('/'));
  }
}

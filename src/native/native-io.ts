// Loads the batched file I/O addon (src/native/tiercache-io.c, built by
// hack/build-fuse-addon.js at npm install) and types its surface. Each call
// is one job on libuv's threadpool doing a whole open..close sequence, where
// fs.promises takes one round trip per system call. Optional: without a C
// compiler at install there is no addon, and callers take the fs path
// (nativeIo() is undefined); TIERCACHE_NATIVE_IO=0 forces that path too.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** What fstat said, as Node's fs.Stats numbers (mode with its S_IFMT bits). */
export interface NativeStat {
  readonly mode: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly dev: number;
}

/**
 * Where an opened file lies, as a job reports it: `inside` when it was opened
 * beneath the root it was given (openat2 RESOLVE_BENEATH: inside by
 * construction), else `real`, where the descriptor points (/proc/self/fd/N:
 * absolute, symlink-free), for the caller to check.
 */
export interface NativePlace {
  readonly inside?: true;
  readonly real?: string;
}

export interface NativeStatResult extends NativePlace {
  readonly stat: NativeStat;
}

/**
 * read's and readSized's guard: false (nothing: the SSD's own files), true
 * (report `real`), or the root directory the file must lie in (openat2
 * beneath it; where openat2 refuses, `real` as with true).
 */
export type NativeGuard = boolean | string;

/** `real` only when asked for (guard true, or a root openat2 refused). */
export interface NativeReadResult extends NativePlace {
  /** fstat before reading; nothing is read unless it is a regular file. */
  readonly stat: NativeStat;
  readonly bytesRead: number;
  /** fstat after reading: the very object `stat` is when it reports the same (always when nothing was read). */
  readonly after: NativeStat;
  /** CRC-32C of the bytes read, when asked for (wantCrc). */
  readonly crc32c?: number;
}

/**
 * Failures reject with Node-shaped errors: code ('ENOENT'), errno (-2),
 * syscall ('open', 'readlink', 'fstat', 'read', 'write', 'close'), path.
 */
export interface NativeIo {
  /**
   * open(O_PATH) (nothing is opened on the filesystem itself), readlink of
   * the descriptor, fstat, close; with `root` (a prefix of `path`), openat2
   * beneath it first, and no readlink when that succeeds.
   */
  stat(path: string, root?: string): Promise<NativeStatResult>;
  /**
   * open(O_RDONLY | O_NONBLOCK) as `guard` says (see NativeGuard), fstat, pread into
   * `buf` from `offset` until full or end of file (regular files only),
   * fstat, close; with `wantCrc`, the CRC-32C of the bytes read (on the pool thread).
   */
  read(path: string, offset: number, buf: Buffer, guard: NativeGuard, wantCrc?: boolean): Promise<NativeReadResult>;
  /**
   * read() into a Buffer the job allocates after its fstat, of the file's
   * size from `offset` (at most `max` bytes): for a file read before its size
   * is known (a plan's probe), with nothing to copy out of a block-sized one.
   */
  readSized(path: string, offset: number, max: number, guard: NativeGuard): Promise<NativeReadResult & { readonly data: Buffer }>;
  /**
   * CRC-32C of `data`, open(path, O_CREAT | O_EXCL) (an existing file is
   * never touched), write all, close; resolves to the CRC. The file is
   * removed when the write or close fails.
   */
  writeBlock(path: string, data: Buffer): Promise<number>;
  /**
   * The SSD tier's block writer (ssd-writer.c): a thread of its own, off the
   * threadpool, that lowers its own scheduling priority once at start.
   */
  newSsdWriter(priority: SsdWriterPriority): NativeSsdWriter;
  /** CRC-32C on the calling thread; `portable` skips the SSE4.2 instruction (tests compare both). */
  crc32c(data: Buffer, portable?: boolean): number;
  /** True when the CPU has SSE4.2 and CRC-32C uses its crc32 instruction. */
  crc32cHardware(): boolean;
  /** napi_adjust_external_memory: changes V8's external memory count (its GC trigger) by `change` bytes; returns the count after. */
  adjustExternalMemory(change: number): number;
}

/** SCHED_IDLE, nice 19, or left as it is. */
export type SsdWriterPriority = 'idle' | 'nice' | 'normal';
export const SSD_WRITER_PRIORITIES: readonly SsdWriterPriority[] = ['idle', 'nice', 'normal'];

export interface NativeSsdWriter {
  /** writeBlock() on the writer's thread, in the order queued. */
  write(path: string, data: Buffer): Promise<number>;
  /** The write being done finishes, queued ones reject with ECANCELED, the thread ends; write() then throws. */
  close(): void;
  /** What the thread applied: the priority asked for, or "normal (... refused: ...)". */
  readonly priority: string;
  /** The thread's id (/proc/self/task/<tid>). */
  readonly tid: number;
}

const ADDON = join(__dirname, '../../../build/Release/tiercache_io.node');
const S_IFMT = 0o170000;

export const isRegular = (st: NativeStat): boolean => (st.mode & S_IFMT) === 0o100000;
export const isDirectoryMode = (st: NativeStat): boolean => (st.mode & S_IFMT) === 0o040000;

let loaded: NativeIo | null | undefined;

/** The addon, or undefined when it was not built (or TIERCACHE_NATIVE_IO=0). */
export function nativeIo(): NativeIo | undefined {
  if (loaded === undefined) {
    loaded = process.env['TIERCACHE_NATIVE_IO'] !== '0' && existsSync(ADDON) ? (require(ADDON) as NativeIo) : null;
  }
  return loaded ?? undefined;
}

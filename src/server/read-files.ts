// ReadFiles: whole files streamed in the order a client asked for them, over
// one call. A unary Read of a 100 KB sample costs about a millisecond of CPU
// in grpc-js and the client (more than MooseFS takes to serve it); here that
// cost is paid once per stream, and the next files are read while one is
// being sent. Bounded per stream: at most READ_AHEAD_FILES files in flight,
// and the bytes read but not yet sent at most `windowBytes` (plus the one
// file that is always let through, so a file larger than the window still
// goes). Files over `chunkSize` are not read ahead: they are streamed chunk
// by chunk (store.stream) when their turn comes. A file that cannot be read
// is one FileChunk carrying its status (the same code and reason a unary
// Read would have answered), and the stream goes on; only a cancel, the
// drain or a bad request ends it.

import type { BackendStat } from '../backend/types';
import type { CachedStore, ReadContext } from '../cache/cached-store';
import { ErrorCodes, hasCode, invalidArgument, isDirectory, toGrpcError } from '../errors';
import type { FileChunk, FileError } from '../protocol/types';

/** Files stat'ed and read ahead of the one being sent. */
const READ_AHEAD_FILES = 16;

export interface ReadFilesLimits {
  /** Largest chunk sent; files up to this size are read ahead whole. */
  readonly chunkSize: number;
  /** Bytes read ahead and not yet sent, per stream. */
  readonly windowBytes: number;
  /** Most paths one request may name (max-plan-paths). */
  readonly maxPaths: number;
}

type Outcome =
  | { readonly kind: 'data'; readonly data: Buffer; readonly held: number }
  | { readonly kind: 'large'; readonly stat: BackendStat }
  | { readonly kind: 'error'; readonly err: unknown };

/** Bytes held by read-ahead, granted in the order asked (which is file order). */
class ByteWindow {
  private held = 0;
  private closed = false;
  private readonly waiters: Array<{ bytes: number; grant: () => void }> = [];
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Resolves true once `bytes` fit (always when nothing is held), false once closed. */
  acquire(bytes: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.waiters.length === 0 && this.fits(bytes)) {
      this.held += bytes;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiters.push({ bytes, grant: () => resolve(!this.closed) }));
  }

  release(bytes: number): void {
    this.held -= bytes;
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.bytes)) {
      const w = this.waiters.shift()!;
      this.held += w.bytes;
      w.grant();
    }
  }

  /** Wakes every waiter with false: the stream is over. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.grant();
  }

  private fits(bytes: number): boolean {
    return this.held === 0 || this.held + bytes <= this.max;
  }
}

/** A failure as it travels inside the stream: the status of the unary call it stands for. */
export function fileError(err: unknown): FileError {
  const s = toGrpcError(err);
  const reason = s.metadata?.get('x-tiercache-error')[0];
  return { code: s.code ?? 2, reason: typeof reason === 'string' ? reason : '', message: s.details ?? String(err) };
}

export async function readFiles(
  store: CachedStore,
  paths: readonly string[],
  ctx: ReadContext,
  limits: ReadFilesLimits,
  send: (msg: FileChunk) => Promise<void>,
): Promise<void> {
  if (paths.length > limits.maxPaths) {
    throw invalidArgument(
      `ReadFiles of ${paths.length} paths is over the limit of ${limits.maxPaths} (max-plan-paths); ask for the files in several calls`,
    );
  }
  const window = new ByteWindow(limits.windowBytes);
  // Resolved once the file before has its bytes granted (or needs none): grants go in file order.
  let gate: Promise<void> = Promise.resolve();

  const start = (path: string): Promise<Outcome> => {
    const stat = store.stat(path).then(
      (st) => ({ st }),
      (err: unknown) => ({ err }),
    );
    const before = gate;
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    return (async (): Promise<Outcome> => {
      try {
        const s = await stat;
        await before;
        if ('err' in s) return { kind: 'error', err: s.err };
        if (s.st.isDir) return { kind: 'error', err: isDirectory(s.st.path) };
        if (s.st.size > limits.chunkSize) return { kind: 'large', stat: s.st };
        if (!(await window.acquire(s.st.size))) return { kind: 'error', err: invalidArgument('the stream ended') };
        open();
        try {
          return { kind: 'data', data: await store.read(s.st.path, 0, 0, ctx), held: s.st.size };
        } catch (err) {
          window.release(s.st.size);
          return { kind: 'error', err };
        }
      } finally {
        open();
      }
    })();
  };

  const ahead: Array<Promise<Outcome>> = [];
  let next = 0;
  const topUp = (): void => {
    while (next < paths.length && ahead.length < READ_AHEAD_FILES) ahead.push(start(paths[next++]!));
  };
  try {
    topUp();
    for (let index = 0; index < paths.length; index++) {
      const o = await ahead.shift()!;
      topUp();
      if (o.kind === 'data') {
        try {
          await sendWhole(index, o.data, limits.chunkSize, send);
        } finally {
          window.release(o.held);
        }
      } else if (o.kind === 'large') {
        await sendStreamed(store, index, o.stat, ctx, limits.chunkSize, send);
      } else {
        if (hasCode(o.err, ErrorCodes.CANCELLED)) throw o.err;
        await send({ index, offset: 0, data: Buffer.alloc(0), eof: true, size: 0, error: fileError(o.err) });
      }
    }
  } finally {
    window.close();
  }
}

async function sendWhole(index: number, data: Buffer, chunkSize: number, send: (msg: FileChunk) => Promise<void>): Promise<void> {
  const size = data.length;
  if (size === 0) return send({ index, offset: 0, data, eof: true, size, error: null });
  for (let p = 0; p < size; p += chunkSize) {
    const end = Math.min(size, p + chunkSize);
    await send({ index, offset: p, data: data.subarray(p, end), eof: end === size, size, error: null });
  }
}

/** A file over chunkSize, block by block as ReadStream sends it; a failure midway ends the file with its status. */
async function sendStreamed(
  store: CachedStore,
  index: number,
  stat: BackendStat,
  ctx: ReadContext,
  chunkSize: number,
  send: (msg: FileChunk) => Promise<void>,
): Promise<void> {
  // Held back one chunk, so the last one can carry eof.
  let pending: { offset: number; data: Buffer } | undefined;
  let size = stat.size;
  try {
    for await (const chunk of store.stream(stat.path, 0, 0, chunkSize, ctx)) {
      if (pending) await send({ index, offset: pending.offset, data: pending.data, eof: false, size, error: null });
      pending = chunk;
    }
  } catch (err) {
    if (hasCode(err, ErrorCodes.CANCELLED)) throw err;
    await send({ index, offset: pending?.offset ?? 0, data: Buffer.alloc(0), eof: true, size, error: fileError(err) });
    return;
  }
  if (pending) size = pending.offset + pending.data.length;
  await send({ index, offset: pending?.offset ?? 0, data: pending?.data ?? Buffer.alloc(0), eof: true, size: pending ? size : 0, error: null });
}

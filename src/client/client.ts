// TiercacheClient: the TypeScript client for training code and the CLI.
// Connects to the daemon's Unix socket (default $TIERCACHE_SOCKET) or a TCP
// address, and surfaces failures as TiercacheClientError with the gRPC code.
// Checkpoints live on `client.checkpoints` (see checkpoints.ts).

import { existsSync, constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { credentials, Metadata, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { services, CHANNEL_OPTIONS } from '../server/proto';
import { CheckpointsClient } from './checkpoints';
import { DaemonUnreachableError, fromServiceError, type TiercacheClientError } from './errors';
import type {
  ByteRange,
  ClientOptions,
  FileInfo,
  PlanResult,
  PrefetchResult,
  WarmupOptions,
  WarmupProgress,
} from './types';

export type { ClientOptions, FileInfo } from './types';

export const DEFAULT_SOCKET = './.tiercache/tiercache.sock';

type Callback<T> = (err: ServiceError | null, res?: T) => void;
type UnaryMethod = (req: unknown, md: Metadata, opts: { deadline: number }, cb: Callback<unknown>) => void;
type StreamMethod = (req: unknown, md: Metadata) => ClientReadableStream<unknown>;

export function defaultSocket(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env['TIERCACHE_SOCKET'] || DEFAULT_SOCKET);
}

export class TiercacheClient {
  readonly target: string;
  readonly socket: string | undefined;
  private readonly clients = new Map<string, Client>();
  private readonly job: string | undefined;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  readonly checkpoints: CheckpointsClient;

  constructor(opts: ClientOptions = {}) {
    if (opts.address) {
      this.target = opts.address;
      this.socket = undefined;
    } else {
      this.socket = resolve(opts.socket ?? defaultSocket());
      this.target = `unix://${this.socket}`;
    }
    this.job = opts.job;
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.checkpoints = new CheckpointsClient(this);
  }

  private client(name: keyof typeof services): Client {
    let c = this.clients.get(name);
    if (!c) {
      const Ctor = services[name];
      // One channel for all services: grpc-js shares subchannels with equal options.
      c = new Ctor(this.target, credentials.createInsecure(), { ...CHANNEL_OPTIONS });
      this.clients.set(name, c);
    }
    return c;
  }

  metadata(): Metadata {
    const md = new Metadata();
    if (this.job) md.set('x-tiercache-job', this.job);
    if (this.token) md.set('x-tiercache-token', this.token);
    return md;
  }

  private where(): string {
    return this.socket ?? this.target;
  }

  private handoff: Promise<string | undefined> | undefined;

  /**
   * The daemon's checkpoint hand-off directory, when this process talks to a
   * daemon on this machine (Unix socket) and can write there; asked once.
   */
  handoffDir(): Promise<string | undefined> {
    this.handoff ??= (async () => {
      if (!this.socket) return undefined;
      try {
        const res = await this.unary<{ json: string }>('Admin', 'Config', {});
        const dir = (JSON.parse(res.json) as { checkpointHandoffDir?: string }).checkpointHandoffDir;
        if (!dir) return undefined;
        await access(dir, fsConstants.W_OK);
        return dir;
      } catch {
        return undefined;
      }
    })();
    return this.handoff;
  }

  /** A client-streaming call that sends `messages` then half-closes; resolves with the answer. */
  unaryStream<T>(service: keyof typeof services, method: string, messages: unknown[]): Promise<T> {
    return this.answered<T>((cb) => {
      const c = this.client(service) as unknown as Record<string, (md: Metadata, cb: Callback<unknown>) => { write(m: unknown): boolean; end(): void }>;
      const call = c[method]!.call(c, this.metadata(), cb);
      for (const m of messages) call.write(m);
      call.end();
    });
  }

  /** Any failure of a call on this client as a TiercacheClientError naming the endpoint. */
  toClientError(err: unknown): TiercacheClientError {
    return fromServiceError(err, this.where());
  }

  private checkSocket(): void {
    if (this.socket && !existsSync(this.socket)) {
      throw new DaemonUnreachableError(this.socket, 'no such socket (is the daemon running? set --socket or TIERCACHE_SOCKET)');
    }
  }

  /** Calls a unary method; rejects with TiercacheClientError. */
  unary<T>(service: keyof typeof services, method: string, req: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    return this.answered<T>((cb) => {
      const c = this.client(service) as unknown as Record<string, UnaryMethod>;
      const fn = c[method];
      if (!fn) throw new Error(`no method ${service}.${method}`);
      fn.call(c, req, this.metadata(), { deadline: Date.now() + timeoutMs }, cb);
    });
  }

  /**
   * A call that answers once: the socket is checked first, and the answer or
   * the failure (as TiercacheClientError) settles the promise.
   */
  private answered<T>(start: (cb: Callback<unknown>) => void): Promise<T> {
    return new Promise<T>((resolvePromise, reject) => {
      try {
        this.checkSocket();
        start((err, res) => {
          if (err) reject(fromServiceError(err, this.where()));
          else resolvePromise(res as T);
        });
      } catch (err) {
        reject(err);
      }
    });
  }

  /** Async iterator over a server stream; errors become TiercacheClientError. */
  async *serverStream<T>(service: keyof typeof services, method: string, req: unknown): AsyncGenerator<T> {
    this.checkSocket();
    const c = this.client(service) as unknown as Record<string, StreamMethod>;
    const call = c[method]!.call(c, req, this.metadata());
    try {
      for await (const msg of call) yield msg as T;
    } catch (err) {
      throw fromServiceError(err, this.where());
    } finally {
      call.cancel();
    }
  }

  rawClient(service: keyof typeof services): Client {
    this.checkSocket();
    return this.client(service);
  }

  stat(path: string): Promise<FileInfo> {
    return this.unary<FileInfo>('Cache', 'Stat', { path });
  }

  async read(path: string, offset = 0, length = 0): Promise<Buffer> {
    const res = await this.unary<{ data: Buffer }>('Cache', 'Read', { path, offset, length });
    return res.data;
  }

  /** Chunks of [offset, offset+length) (length 0 = to the end), as they arrive. */
  async *readChunks(path: string, offset = 0, length = 0): AsyncGenerator<{ offset: number; data: Buffer }> {
    yield* this.serverStream<{ offset: number; data: Buffer }>('Cache', 'ReadStream', { path, offset, length });
  }

  /** The file (or a range of it) as a Node Readable with back-pressure. */
  createReadStream(path: string, opts: { offset?: number; length?: number } = {}): Readable {
    const chunks = this.readChunks(path, opts.offset ?? 0, opts.length ?? 0);
    return Readable.from(
      (async function* () {
        for await (const c of chunks) yield c.data;
      })(),
      { objectMode: false },
    );
  }

  async evict(path: string): Promise<number> {
    const res = await this.unary<{ blocks_evicted: number }>('Cache', 'Evict', { path });
    return res.blocks_evicted;
  }

  /** Hints the daemon to fetch whole files (strings) or ranges in the background; higher priority runs first. */
  prefetch(targets: ReadonlyArray<string | ByteRange>, priority = 0): Promise<PrefetchResult> {
    const paths: string[] = [];
    const ranges: Array<Required<ByteRange>> = [];
    for (const t of targets) {
      if (typeof t === 'string') paths.push(t);
      else ranges.push({ path: t.path, offset: t.offset ?? 0, length: t.length ?? 0 });
    }
    return this.unary<PrefetchResult>('Cache', 'Prefetch', { paths, ranges, priority });
  }

  /** Loads a prefix into the cache; yields progress until a message with done=true. */
  warmup(prefix: string, opts: WarmupOptions = {}): AsyncGenerator<WarmupProgress> {
    return this.serverStream<WarmupProgress>('Cache', 'Warmup', {
      prefix,
      recursive: opts.recursive ?? true,
      check_only: opts.checkOnly ?? false,
    });
  }

  /** Tells the daemon the order in which `job` will read files in `epoch`. */
  submitPlan(job: string, epoch: number, paths: readonly string[]): Promise<PlanResult> {
    return this.unary<PlanResult>('Cache', 'SubmitPlan', { job, epoch, paths });
  }

  stats(type: 'memory' | 'ssd' | 'distributed' | 'all' = 'all'): Promise<Record<string, unknown>> {
    return this.unary('Admin', 'Stats', { type });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

// TiercacheClient: the TypeScript client for training code and the CLI.
// Connects to the daemon's Unix socket (default $TIERCACHE_SOCKET) or a TCP
// address, and surfaces failures as TiercacheClientError with the gRPC code.
// Checkpoints live on `client.checkpoints` (see checkpoints.ts).

import { existsSync, constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { credentials, Metadata, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { services, CHANNEL_OPTIONS, type ServiceName } from '../protocol/load';
import type { ServiceClients, StreamMessage, StreamRequest, UnaryRequest, UnaryResponse } from '../protocol/types';
import { CheckpointsClient } from './checkpoints';
import { ReadSession } from './read-session';
import { DaemonUnreachableError, TiercacheClientError, fromServiceError } from './errors';
import type {
  ByteRange,
  ClientOptions,
  FileInfo,
  StatsResponse,
  PlanResult,
  PrefetchResult,
  ReadFileResult,
  WarmupOptions,
  WarmupProgress,
} from './types';

export type { ClientOptions, FileInfo, ReadFileResult } from './types';

export const DEFAULT_SOCKET = './.tiercache/tiercache.sock';

type Callback<T> = (err: ServiceError | null, res?: T) => void;
/** Method names of a service's generated client (both spellings grpc-js offers). */
type MethodOf<S extends ServiceName> = Extract<keyof ServiceClients[S], string>;
// The generated clients overload each method; a call is made through this one shape.
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
  /** With opts.readSession: read() goes over one ReadSession stream. */
  private readonly session: ReadSession | undefined;
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
    this.session = opts.readSession
      ? new ReadSession({
          open: () => this.rawClient('Cache').ReadSession(this.metadata()),
          unaryRead: (path, offset, length) => this.unaryRead(path, offset, length),
          toClientError: (err) => this.toClientError(err),
          timeoutMs: this.timeoutMs,
        })
      : undefined;
  }

  private client(name: ServiceName): Client {
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
        const res = await this.unary('Admin', 'Config', {});
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
  unaryStream<T>(service: ServiceName, method: string, messages: unknown[]): Promise<T> {
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
  unary<S extends ServiceName, M extends MethodOf<S>>(
    service: S,
    method: M,
    req: UnaryRequest<ServiceClients[S], M>,
    timeoutMs = this.timeoutMs,
  ): Promise<UnaryResponse<ServiceClients[S], M>> {
    return this.answered((cb) => {
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
  async *serverStream<S extends ServiceName, M extends MethodOf<S>>(
    service: S,
    method: M,
    req: StreamRequest<ServiceClients[S], M>,
  ): AsyncGenerator<StreamMessage<ServiceClients[S], M>> {
    this.checkSocket();
    const c = this.client(service) as unknown as Record<string, StreamMethod>;
    const call = c[method]!.call(c, req, this.metadata());
    try {
      for await (const msg of call) yield msg as StreamMessage<ServiceClients[S], M>;
    } catch (err) {
      throw fromServiceError(err, this.where());
    } finally {
      call.cancel();
    }
  }

  /** The generated client of a service, for calls the helpers above do not cover (client streams). */
  rawClient<S extends ServiceName>(service: S): ServiceClients[S] {
    this.checkSocket();
    return this.client(service) as ServiceClients[S];
  }

  stat(path: string): Promise<FileInfo> {
    return this.unary('Cache', 'Stat', { path });
  }

  /** [offset, offset+length) (length 0 = to the end), at most the daemon's max-read-size. */
  read(path: string, offset = 0, length = 0): Promise<Buffer> {
    return this.session ? this.session.read(path, offset, length) : this.unaryRead(path, offset, length);
  }

  private async unaryRead(path: string, offset: number, length: number): Promise<Buffer> {
    const res = await this.unary('Cache', 'Read', { path, offset, length });
    return res.data;
  }

  /** Chunks of [offset, offset+length) (length 0 = to the end), as they arrive. */
  async *readChunks(path: string, offset = 0, length = 0): AsyncGenerator<{ offset: number; data: Buffer }> {
    yield* this.serverStream('Cache', 'ReadStream', { path, offset, length });
  }

  /**
   * Whole files in the order given, over one stream (ReadFiles): the daemon
   * reads a few ahead of the one it sends, and a file costs a message, not a
   * call. A file that cannot be read yields its error and the rest follow;
   * the stream itself fails only as a call does (daemon gone, cancelled).
   * Breaking out of the loop cancels the stream.
   */
  async *readFiles(paths: readonly string[]): AsyncGenerator<ReadFileResult> {
    let parts: Buffer[] = [];
    for await (const m of this.serverStream('Cache', 'ReadFiles', { paths: [...paths] })) {
      const path = paths[m.index] ?? '';
      if (m.error) {
        parts = [];
        yield { index: m.index, path, error: new TiercacheClientError(m.error.code, m.error.message, m.error.reason || undefined) };
        continue;
      }
      if (!m.eof) {
        parts.push(m.data);
        continue;
      }
      // A file in one chunk (the usual sample) is handed over as it arrived, without a copy.
      const data = parts.length === 0 ? m.data : Buffer.concat([...parts, m.data]);
      parts = [];
      yield { index: m.index, path, data };
    }
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
    const res = await this.unary('Cache', 'Evict', { path });
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
    return this.unary('Cache', 'Prefetch', { paths, ranges, priority });
  }

  /** Loads a prefix into the cache; yields progress until a message with done=true. */
  warmup(prefix: string, opts: WarmupOptions = {}): AsyncGenerator<WarmupProgress> {
    return this.serverStream('Cache', 'Warmup', {
      prefix,
      recursive: opts.recursive ?? true,
      check_only: opts.checkOnly ?? false,
    });
  }

  /** Tells the daemon the order in which `job` will read files in `epoch`. */
  submitPlan(job: string, epoch: number, paths: readonly string[]): Promise<PlanResult> {
    return this.unary('Cache', 'SubmitPlan', { job, epoch, paths: [...paths] });
  }

  stats(type: 'memory' | 'ssd' | 'distributed' | 'all' = 'all'): Promise<StatsResponse> {
    return this.unary('Admin', 'Stats', { type });
  }

  close(): void {
    this.session?.close();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

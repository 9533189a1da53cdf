// A real S3 API for tests: s3rver (files in a temp dir) on port 0, and in
// front of it a small HTTP proxy that counts what reached the store and can
// answer the next matching requests with a status of its own. s3rver does not
// implement everything S3 does (see test/backend/s3-backend.test.ts for what
// it ignores); the proxy's injected answers exercise those paths.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';

export const S3_ACCESS_KEY = 'S3RVER';
export const S3_SECRET_KEY = 'S3RVER';

/** Environment for a daemon (or SDK) talking to the test server: the SDK's default chain reads it. */
export function s3Env(): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, AWS_REGION: 'us-east-1' };
}

export interface SeenRequest {
  readonly method: string;
  /** Path and query as sent, e.g. /bucket/key?uploadId=... */
  readonly url: string;
  readonly range: string | undefined;
  readonly ifMatch: string | undefined;
}

export interface Injection {
  /** Which requests: tested against each request before it is forwarded. */
  readonly match: (r: SeenRequest) => boolean;
  readonly status: number;
  /** The answer's body (an S3 error document unless given). */
  readonly body: (r: SeenRequest) => string;
  /** How many matching requests get the injected answer. */
  times: number;
}

export class TestS3Server {
  readonly dir: string;
  /** Every request the proxy forwarded or answered, in order. */
  readonly seen: SeenRequest[] = [];
  private readonly injections: Injection[] = [];
  private s3: ChildProcess | undefined;
  private proxy: Server | undefined;
  private s3Port = 0;
  /** The endpoint clients use (the counting proxy). */
  endpoint = '';
  /** s3rver itself, bypassing the proxy (for test set-up that must not count). */
  directEndpoint = '';
  /** Benchmarks: each forwarded request waits this long first (an emulated distance to the store). */
  latencyMs = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'tc-s3-'));
  }

  async start(buckets: string[]): Promise<this> {
    const main = join(__dirname, 's3rver-main.js');
    const proc = spawn(process.execPath, ['--openssl-legacy-provider', main, join(this.dir, 'store'), ...buckets], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.s3 = proc;
    this.s3Port = await new Promise<number>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /\{"port":(\d+)\}/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      proc.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening`)));
    });
    this.directEndpoint = `http://127.0.0.1:${this.s3Port}`;
    this.proxy = createServer((req, res) => this.forward(req, res));
    await new Promise<void>((r) => this.proxy!.listen(0, '127.0.0.1', r));
    this.endpoint = `http://127.0.0.1:${(this.proxy.address() as AddressInfo).port}`;
    return this;
  }

  /** A client of s3rver itself (set-up and checks that must not count), with s3rver's fixed credentials. */
  directClient(): S3Client {
    return new S3Client({ endpoint: this.directEndpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  }

  /** Answers the next `times` requests that `match` with `status` / `code` instead of forwarding them. */
  inject(match: (r: SeenRequest) => boolean, status: number, code: string, times = 1): Injection {
    const body = () =>
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`;
    return this.respond(match, status, body, times);
  }

  /** Answers the next `times` matching requests with `status` and the given body. */
  respond(match: (r: SeenRequest) => boolean, status: number, body: (r: SeenRequest) => string, times = 1): Injection {
    const inj = { match, status, body, times };
    this.injections.push(inj);
    return inj;
  }

  /** Requests seen so far that `match`. */
  count(match: (r: SeenRequest) => boolean): number {
    return this.seen.filter(match).length;
  }

  async stop(): Promise<void> {
    if (this.proxy) {
      this.proxy.closeAllConnections();
      await new Promise<void>((r) => this.proxy!.close(() => r()));
    }
    const p = this.s3;
    if (p && p.exitCode === null && p.signalCode === null) {
      p.kill('SIGTERM');
      await once(p, 'exit');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private forward(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      range: req.headers['range'],
      ifMatch: req.headers['if-match'],
    };
    this.seen.push(seen);
    const inj = this.injections.find((i) => i.times > 0 && i.match(seen));
    if (inj) {
      inj.times--;
      req.resume();
      const body = inj.body(seen);
      res.writeHead(inj.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(seen.method === 'HEAD' ? undefined : body);
      return;
    }
    if (this.latencyMs > 0) {
      req.pause();
      setTimeout(() => this.send(req, res), this.latencyMs);
    } else {
      this.send(req, res);
    }
  }

  private send(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const up = httpRequest(
      { host: '127.0.0.1', port: this.s3Port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    // A client that went away mid-request (a daemon killed -9 mid-upload): drop the request to s3rver too, or it waits for the rest of the body and s3rver never stops.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  }
}

export const isGet = (r: SeenRequest): boolean => r.method === 'GET' && !r.url.includes('list-type') && !r.url.includes('?uploads') && r.range !== undefined;

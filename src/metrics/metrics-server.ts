// The /metrics endpoint (--metrics-listen, default 127.0.0.1:9464): a plain
// HTTP server, one of the daemon's parts. It logs the bound port
// ("metrics endpoint serving"), which is how port 0 is found in tests.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors';
import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';
import type { Part } from '../util/part';
import type { TiercacheMetrics } from './tiercache-metrics';

const INDEX = 'tiercache metrics: see /metrics\n';

/** "host:port" or "[v6]:port" -> parts for listen(). */
export function splitHostPort(hp: string): { host: string; port: number } {
  const i = hp.lastIndexOf(':');
  const host = hp.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(hp.slice(i + 1)) };
}

export class MetricsServer implements Part {
  readonly name = 'metrics';
  port: number | undefined;
  private readonly listen: string;
  private readonly metrics: TiercacheMetrics;
  private readonly log: Logger;
  private server: Server | undefined;

  constructor(listen: string, metrics: TiercacheMetrics, log: Logger) {
    this.listen = listen;
    this.metrics = metrics;
    this.log = log;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    const { host, port } = splitHostPort(this.listen);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new ConfigError(`cannot serve metrics on ${this.listen} (metrics-listen): ${getErrorMessage(err)}; choose another address or "" to disable`)),
      );
      server.listen(port, host, () => resolve());
    });
    server.on('error', (err) => this.log.error('metrics endpoint error', { err: getErrorMessage(err) }));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.log.info('metrics endpoint serving', { address: host, port: this.port, path: '/metrics' });
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(INDEX);
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics\n');
      return;
    }
    try {
      const body = await this.metrics.scrape();
      res.writeHead(200, { 'content-type': this.metrics.contentType }).end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      this.log.error('metrics scrape failed', { err: getErrorMessage(err) });
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`scrape failed: ${getErrorMessage(err)}\n`);
    }
  }
}

// `tiercache diagnose`, the orchestrator: reads the daemon's config and
// stats, writes a test file into its backend, measures reads through the
// daemon, checkpoints and (when installed) fio, judges the figures by the
// alert thresholds, and removes every byte it wrote, on failure too.

import { get } from 'node:http';
import type { TiercacheClient } from '../client/client';
import { splitHostPort } from '../metrics/metrics-server';
import { getErrorMessage } from '../util/errors-message';
import { checkpointProbe } from './checkpoint-probe';
import { fioProbe } from './fio-probe';
import { hostFacts } from './host-facts';
import { judgeAll, overallVerdict } from './judgements';
import { randomRead, sequentialRead } from './read-probe';
import { S3TestFile } from './s3-test-file';
import { TestFile } from './test-file';
import type { S3BackendConfig } from '../config/types';
import type { DiagnoseOptions, DiagnoseReport, MetricsEndpointCheck, Progress } from './types';

const CONFIG_TIMEOUT_MS = 5_000;
const METRICS_TIMEOUT_MS = 2_000;
const STEPS = 9;

interface DaemonConfig {
  backendDir: string;
  s3?: S3BackendConfig;
  ssdCacheDir: string;
  metricsListen?: string;
}

function checkMetrics(listen: string | undefined): Promise<MetricsEndpointCheck> {
  if (!listen) return Promise.resolve({ listen: null, reachable: false, note: 'disabled (metrics-listen "")' });
  const { host, port } = splitHostPort(listen);
  if (port === 0) {
    return Promise.resolve({ listen, reachable: false, note: 'port 0: the daemon logs the port it picked ("metrics endpoint serving")' });
  }
  const target = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return new Promise((resolve) => {
    const req = get({ host: target, port, path: '/metrics', timeout: METRICS_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve(res.statusCode === 200 ? { listen, reachable: true } : { listen, reachable: false, error: `HTTP ${res.statusCode}` }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${METRICS_TIMEOUT_MS} ms`)));
    req.on('error', (err) => resolve({ listen, reachable: false, error: getErrorMessage(err) }));
  });
}

export class Diagnosis {
  private readonly client: TiercacheClient;
  private readonly opts: DiagnoseOptions;
  private readonly progress: Progress;
  private testFile: TestFile | S3TestFile | undefined;
  private step = 0;

  constructor(client: TiercacheClient, opts: DiagnoseOptions, progress: Progress) {
    this.client = client;
    this.opts = opts;
    this.progress = progress;
  }

  private say(what: string): void {
    this.progress(`[${++this.step}/${STEPS}] ${what}`);
  }

  /** Removes the test data now (signal handlers); safe to call twice. */
  async removeTestData(): Promise<void> {
    await this.testFile?.remove();
  }

  async run(): Promise<DiagnoseReport> {
    const c = this.client;
    const o = this.opts;
    const startedAt = new Date();
    const t0 = performance.now();
    // Reached before any progress line, so a daemon that is down gives one line: the error.
    const config = JSON.parse((await c.unary('Admin', 'Config', {}, CONFIG_TIMEOUT_MS)).json) as DaemonConfig &
      Record<string, unknown>;
    const before = await c.stats('all');
    this.say(`daemon ${String(before['version'])} at ${c.socket ?? c.target}: config and stats read`);

    this.say('collecting host facts');
    const s3 = config.s3;
    const host = hostFacts(config.ssdCacheDir, s3 ? undefined : config.backendDir);

    const file = s3 ? new S3TestFile(s3, o.size) : new TestFile(config.backendDir, o.size);
    this.testFile = file;
    let cleanup: DiagnoseReport['cleanup'] = { path: file.dir, removed: false };
    try {
      this.say(`writing a ${(o.size / 2 ** 20).toFixed(0)} MiB test file into the backend (${file.dir})`);
      const write = await file.write().catch((err: unknown) => {
        throw new Error(`cannot write the test file under ${s3 ? file.dir : config.backendDir}: ${getErrorMessage(err)}`);
      });
      this.say('sequential 1 MiB reads through the daemon, cold then warm');
      const cold = await sequentialRead(c, file.relPath, o.size);
      const warm = await sequentialRead(c, file.relPath, o.size);
      this.say(`random 4 KiB reads for ${(o.randomMs / 1000).toFixed(1)} s with ${o.concurrency} readers`);
      const random = await randomRead(c, file.relPath, o.size, o.concurrency, o.randomMs);
      this.say('checkpoint save and restore');
      const checkpoints = await checkpointProbe(c, Math.min(o.size, o.checkpointSize), `tiercache-diagnose-${process.pid}`);
      this.say(s3 ? 'fio: skipped, the backend is a bucket' : 'fio against the backend mount');
      const fio = s3
        ? { available: false, note: `the backend is an S3 bucket (${file.dir}); fio needs a filesystem` }
        : await fioProbe(file.dir, o.size, o.randomMs / 1000);
      this.say('checking the metrics endpoint');
      const metrics = await checkMetrics(config.metricsListen);
      const after = await c.stats('all');
      cleanup = await this.cleanup(file);
      const judgements = judgeAll({ cold, warm, random, checkpoints, stats: before });
      return {
        tool: 'tiercache diagnose',
        started_at: startedAt.toISOString(),
        duration_seconds: (performance.now() - t0) / 1000,
        socket: c.socket ?? c.target,
        options: { size: o.size, concurrency: o.concurrency, random_seconds: o.randomMs / 1000 },
        daemon: { version: String(before['version'] ?? ''), uptime_seconds: Number(before['uptime_seconds'] ?? 0) },
        config,
        host,
        tests: {
          backend_write: write,
          sequential_read: { read_size: 1024 * 1024, cold, warm },
          random_read: random,
          checkpoints,
          fio,
        },
        stats: { before, after },
        metrics_endpoint: metrics,
        judgements,
        overall: overallVerdict(judgements),
        cleanup,
      };
    } finally {
      if (!cleanup.removed) await this.cleanup(file);
    }
  }

  /** Drops the test file's blocks from the cache, then the files from the backend. */
  private async cleanup(file: TestFile | S3TestFile): Promise<DiagnoseReport['cleanup']> {
    this.say('removing the test data');
    await this.client.evict(file.relPath).catch(() => {});
    try {
      await file.remove();
      return { path: file.dir, removed: true };
    } catch (err) {
      return { path: file.dir, removed: false, error: getErrorMessage(err) };
    }
  }
}

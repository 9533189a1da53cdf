// `tiercache diagnose [--out FILE] [--json] [--socket PATH] [--concurrency N] [--size SIZE]`.

import { renameSync, writeFileSync } from 'node:fs';
import { Diagnosis } from '../diagnose/diagnosis';
import { formatReport } from '../diagnose/report-text';
import type { DiagnoseOptions } from '../diagnose/types';
import { parseDuration, parseSize } from '../util/units';
import { getErrorMessage } from '../util/errors-message';
import { clientFor, parse, parseNonNegInt, SOCKET_OPTION, UsageError, writeAll, type Io } from './io';

export const DIAGNOSE_HELP = `Usage: tiercache diagnose [--json] [--out FILE] [--socket PATH] [--concurrency N] [--size SIZE]
Measures this node's tiercache through the running daemon and judges each figure
against the alert thresholds (OK / WARNING / CRITICAL):
  - sequential read throughput with 1 MiB reads, cold (from the backend) and warm
  - random 4 KiB read IOPS and latency (p50/p99) with N concurrent readers
  - checkpoint save and restore time (when the daemon has checkpoints)
  - fio against the backend mount, for comparison (when fio is installed)
  - the stats of every tier, host facts and the daemon's config
It writes a test file of --size into the backend directory (so run it on the
daemon's node, as a user who may write there) and removes it, and its cached
blocks, afterwards. Progress goes to stderr.

  --json             print the JSON report on stdout instead of the summary
  --out FILE         also write the JSON report to FILE
  --concurrency N    random-read concurrency [8]
  --size SIZE        test file size [64MiB]
  --random-time DUR  how long the random-read test runs [2s]
  --socket PATH      daemon socket [$TIERCACHE_SOCKET or ./.tiercache/tiercache.sock]
Exit code 0 when the diagnosis ran (whatever its verdict), 1 when it could not.
`;

const DEFAULTS = { size: 64 * 2 ** 20, concurrency: 8, randomMs: 2_000, checkpointSize: 16 * 2 ** 20 };

function options(values: Record<string, unknown>): DiagnoseOptions {
  const size = values['size'] === undefined ? DEFAULTS.size : parseArg('size', values['size'] as string, parseSize);
  if (size < 4096) throw new UsageError(`--size must be at least 4KiB, got ${JSON.stringify(values['size'])}`);
  const concurrency = parseNonNegInt('concurrency', values['concurrency'] as string | undefined, DEFAULTS.concurrency);
  if (concurrency < 1 || concurrency > 1024) throw new UsageError(`--concurrency must be between 1 and 1024, got ${concurrency}`);
  const randomMs =
    values['random-time'] === undefined ? DEFAULTS.randomMs : parseArg('random-time', values['random-time'] as string, parseDuration);
  if (randomMs <= 0) throw new UsageError('--random-time must be longer than 0');
  return { size, concurrency, randomMs, checkpointSize: DEFAULTS.checkpointSize };
}

function parseArg<T>(name: string, v: string, fn: (s: string) => T): T {
  try {
    return fn(v);
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}, got ${JSON.stringify(v)}`);
  }
}

export async function runDiagnose(argv: string[], io: Io): Promise<number> {
  const { values } = parse(
    argv,
    {
      ...SOCKET_OPTION,
      json: { type: 'boolean' },
      out: { type: 'string' },
      concurrency: { type: 'string' },
      size: { type: 'string' },
      'random-time': { type: 'string' },
    },
    false,
  );
  if (values['help']) return void io.stdout.write(DIAGNOSE_HELP), 0;
  const opts = options(values);
  const client = clientFor(values as { socket?: string }, io);
  const diagnosis = new Diagnosis(client, opts, (step) => io.stderr.write(`diagnose: ${step}\n`));
  // An operator's Ctrl-C must not leave test data in the backend.
  const onSignal = (sig: NodeJS.Signals) => {
    void diagnosis.removeTestData().then(
      () => io.stderr.write(`diagnose: interrupted by ${sig}; test data removed\n`),
      (err: unknown) => io.stderr.write(`diagnose: interrupted by ${sig}; removing the test data failed: ${getErrorMessage(err)}\n`),
    ).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const report = await diagnosis.run();
    const json = JSON.stringify(report, null, 2) + '\n';
    const out = values['out'];
    if (typeof out === 'string') {
      writeFileSync(`${out}.tmp`, json);
      renameSync(`${out}.tmp`, out);
      io.stderr.write(`diagnose: report written to ${out}\n`);
    }
    await writeAll(io.stdout, values['json'] ? json : formatReport(report));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    client.close();
  }
}

// `tiercache warmup PREFIX [--check] [--no-recursive] [--json]`: loads a
// backend prefix into this node's cache with a live progress bar.

import { SingleBar } from 'cli-progress';
import { formatBytes, formatDuration } from '../util/units';
import type { WarmupProgress as Progress } from '../client/types';
import { clientFor, parse, SOCKET_OPTION, UsageError, type Io } from './io';

export const WARMUP_HELP = `Usage: tiercache warmup PREFIX [--check] [--no-recursive] [--json] [--socket PATH]
Loads every file under PREFIX (a backend path) into this node's cache, showing
files, bytes, throughput and ETA. A prefix larger than the cache is reported up
front and only what fits is loaded; beyond the job's fair share of the memory
tier (prefetch-max-share) the warm-up is cut, and says so.
  --check          report how much of PREFIX is cached; fetch nothing
  --no-recursive   only the files directly under PREFIX
  --json           print progress messages as JSON lines (no bar)
`;

export async function runWarmup(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...SOCKET_OPTION,
    check: { type: 'boolean' },
    'no-recursive': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values['help']) return void io.stdout.write(WARMUP_HELP), 0;
  if (positionals.length !== 1) throw new UsageError(`expected exactly one PREFIX\n${WARMUP_HELP}`);
  const client = clientFor(values as { socket?: string }, io);
  const req = { prefix: positionals[0], recursive: !values['no-recursive'], check_only: !!values['check'] };
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  let bar: SingleBar | undefined;
  let last: Progress | undefined;
  try {
    for await (const p of client.serverStream('Cache', 'Warmup', req)) {
      last = p;
      if (values['json']) {
        io.stdout.write(JSON.stringify(p) + '\n');
        continue;
      }
      if (p.message && !p.done) io.stderr.write(`${p.message}\n`);
      if (req.check_only) continue;
      if (!bar) {
        bar = new SingleBar(
          {
            stream: io.stderr as NodeJS.WriteStream,
            noTTYOutput: !tty,
            notTTYSchedule: 2000,
            format: '{bar} {percentage}% | {files} files | {bytes} | {rate}/s | ETA {eta_h}',
            hideCursor: tty,
          },
          undefined,
        );
        bar.start(Math.max(1, p.bytes_total), p.bytes_done, fields(p));
      }
      bar.update(p.bytes_done, fields(p));
    }
  } finally {
    bar?.stop();
    client.close();
  }
  if (!last) throw new UsageError('the daemon sent no progress');
  if (values['json']) return 0;
  const pct = last.bytes_total === 0 ? 100 : (100 * last.bytes_cached) / Math.max(1, last.bytes_total);
  if (req.check_only) {
    io.stdout.write(
      `${req.prefix}: ${formatBytes(last.bytes_cached)} of ${formatBytes(last.bytes_total)} cached (${pct.toFixed(1)}%), ` +
        `${last.files_done} of ${last.files_total} files fully cached; cache capacity ${formatBytes(last.cache_capacity_bytes)}\n`,
    );
  } else {
    io.stdout.write(
      `${req.prefix}: ${last.files_done}/${last.files_total} files, ${formatBytes(last.bytes_done)} warm` +
        `${last.bytes_per_second > 0 ? ` at ${formatBytes(last.bytes_per_second)}/s` : ''}. ${last.message}\n`,
    );
  }
  return 0;
}

function fields(p: Progress): Record<string, string> {
  const remaining = p.bytes_total - p.bytes_done;
  return {
    files: `${p.files_done}/${p.files_total}`,
    bytes: `${formatBytes(p.bytes_done)}/${formatBytes(p.bytes_total)}`,
    rate: formatBytes(p.bytes_per_second),
    eta_h: p.bytes_per_second > 0 ? formatDuration((remaining / p.bytes_per_second) * 1000) : '-',
  };
}

// `tiercache daemon`: flags and --config -> Config, then run until SIGTERM/SIGINT.

import { parseArgs } from 'node:util';
import { loadConfig, type RawValue } from '../config/load';
import { OPTIONS } from '../config/options';
import { createLogger } from '../log';
import { composeDaemon, type DaemonExtras } from '../server/compose';
import type { Daemon } from '../server/daemon';
import { parseDuration, parseSize } from '../util/units';
import { getErrorMessage } from '../util/errors-message';
import type { Io } from './io';

/**
 * libuv threads beyond those a hung backend may hold (backend-max-inflight,
 * see backend/deadline-backend.ts): SSD-tier I/O, the index, sockets' DNS,
 * the watcher and checkpoint files keep these even when the mount hangs.
 */
const LOCAL_IO_THREADS = 8;

/** After drain-timeout (and the checkpoint mount's flush), how long the rest of the stop may take before the process exits anyway. */
const STOP_GRACE_MS = 5_000;

/**
 * Resolves the exit code, unless a normal exit would hang on I/O threads
 * blocked in a hung mount (libuv joins them at exit): then the process ends
 * itself by SIGKILL, which needs no thread to return.
 */
function exitUnlessBlocked(d: Daemon, code: number, resolve: (code: number) => void): void {
  const why = d.exitBlocker();
  if (why === undefined) {
    resolve(code);
    return;
  }
  d.log.error('exiting by SIGKILL: a normal exit would wait forever on I/O threads', { why });
  killSelf();
}

function killSelf(): void {
  process.kill(process.pid, 'SIGKILL');
}

/** Bench-only flags (see backend/throttled-backend.ts); not part of the config file. */
const BENCH_FLAGS = ['emulate-backend-latency', 'emulate-backend-bandwidth'] as const;

export function daemonHelp(): string {
  const lines = [
    'Usage: tiercache daemon [--config FILE] [--OPTION VALUE ...]',
    '',
    'Runs the node cache daemon. Options may also be set in a YAML file (same keys);',
    'flags win over the file. Sizes: 4096, 512MiB, 10GiB. Durations: 500ms, 30s, 1h.',
    '',
    `  ${'--config FILE'.padEnd(40)} YAML config file`,
  ];
  const PLACEHOLDER: Record<string, string> = {
    size: 'SIZE',
    duration: 'DURATION',
    int: 'N',
    ratio: 'RATIO',
    string: 'VALUE',
    bool: 'true|false',
    hostport: 'HOST:PORT',
  };
  for (const o of OPTIONS) {
    const d = o.default === undefined || o.default === '' ? '' : ` [${o.default}]`;
    const arg = o.kind === 'enum' ? o.values!.join('|') : PLACEHOLDER[o.kind]!;
    lines.push(`  ${`--${o.key} ${arg}`.padEnd(40)} ${o.help}${d}`);
  }
  lines.push('', 'Bench only: --emulate-backend-latency DURATION, --emulate-backend-bandwidth SIZE (per second)');
  return lines.join('\n') + '\n';
}

export async function runDaemon(argv: string[], io: Io): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    config: { type: 'string' },
    help: { type: 'boolean' },
  };
  for (const o of OPTIONS) options[o.key] = { type: 'string' };
  for (const f of BENCH_FLAGS) options[f] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values;
  } catch (err) {
    io.stderr.write(`tiercache daemon: ${getErrorMessage(err)}\n`);
    return 2;
  }
  if (values['help']) {
    io.stdout.write(daemonHelp());
    return 0;
  }
  const flags: Record<string, RawValue> = {};
  for (const o of OPTIONS) {
    const v = values[o.key];
    if (typeof v === 'string') flags[o.key] = v;
  }
  // Signals are handled from the first moment, so a SIGTERM during start-up
  // still gets a graceful stop once the daemon is up.
  let daemon: Daemon | undefined;
  let signalled: string | undefined;
  let onSignal: (sig: string) => void = (sig) => (signalled = sig);
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  try {
    const config = loadConfig({
      flags,
      configFile: typeof values['config'] === 'string' ? values['config'] : undefined,
      podIp: io.env['POD_IP'],
      nodeName: io.env['NODE_NAME'],
    });
    // libuv reads this once, at the first threadpool call, which has not happened yet
    // (the config is read synchronously); an operator's own setting wins.
    if (!io.env['UV_THREADPOOL_SIZE']) {
      process.env['UV_THREADPOOL_SIZE'] = String(config.backendMaxInflight + LOCAL_IO_THREADS);
    }
    const extras: DaemonExtras = {};
    const lat = values['emulate-backend-latency'];
    const bw = values['emulate-backend-bandwidth'];
    if (typeof lat === 'string' || typeof bw === 'string') {
      (extras as { emulateBackend?: DaemonExtras['emulateBackend'] }).emulateBackend = {
        latencyMs: typeof lat === 'string' ? parseDuration(lat) : 0,
        bandwidth: typeof bw === 'string' ? parseSize(bw) : 0,
      };
    }
    const log = createLogger(config.logLevel, { component: 'tiercache' });
    daemon = composeDaemon(config, log, extras);
    await daemon.start();
  } catch (err) {
    io.stderr.write(`tiercache daemon: ${getErrorMessage(err)}\n`);
    await daemon?.stop().catch(() => {});
    return 1;
  }
  const d = daemon;
  return new Promise<number>((resolve) => {
    let signals = 0;
    onSignal = (sig: string) => {
      if (++signals > 1) {
        d.log.warn('second signal: exiting now', { signal: sig });
        exitUnlessBlocked(d, 1, resolve);
        return;
      }
      d.log.info('signal received', { signal: sig });
      // The stop waits on file I/O (index, checkpoints): a hung mount must not keep the process alive.
      const stopBound = d.config.drainTimeoutMs + (d.config.checkpointMount?.flushTimeoutMs ?? 0) + STOP_GRACE_MS;
      setTimeout(() => {
        d.log.error('shutdown did not finish in time; exiting anyway (file I/O stuck?)', { stopBoundMs: stopBound });
        killSelf();
      }, stopBound).unref();
      d.stop().then(
        () => exitUnlessBlocked(d, 0, resolve),
        (err) => {
          d.log.error('shutdown failed', { err: getErrorMessage(err) });
          resolve(1);
        },
      );
    };
    if (signalled) onSignal(signalled);
  });
}

// Shared CLI plumbing: argument parsing with clear errors, client creation,
// and turning client errors into one line and exit code 1.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TiercacheClient, defaultSocket } from '../client/client';
import { TiercacheClientError } from '../client/errors';
import { getErrorMessage } from '../util/errors-message';

export interface Io {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const SOCKET_OPTION = {
  socket: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>, allowPositionals = true): Parsed {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true }) as Parsed;
  } catch (err) {
    throw new UsageError(getErrorMessage(err));
  }
}

export function clientFor(values: { socket?: string | boolean | undefined }, io: Io, job?: string): TiercacheClient {
  const socket = typeof values.socket === 'string' ? values.socket : defaultSocket(io.env);
  return new TiercacheClient({ socket, job: job ?? io.env['TIERCACHE_JOB'] });
}

export function parseNonNegInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number >= 0, got ${JSON.stringify(v)}`);
  return n;
}

/** Prints the error as one line; exit code 1 for daemon/client errors, 2 for usage. */
export function reportError(err: unknown, io: Io): number {
  if (err instanceof UsageError) {
    io.stderr.write(`tiercache: ${err.message} (see --help)\n`);
    return 2;
  }
  if (err instanceof TiercacheClientError) {
    io.stderr.write(`tiercache: ${err.message}\n`);
    return 1;
  }
  io.stderr.write(`tiercache: ${getErrorMessage(err)}\n`);
  return 1;
}

export function writeAll(out: NodeJS.WritableStream, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(data)) resolve();
    else {
      out.once('drain', resolve);
      out.once('error', reject);
    }
  });
}

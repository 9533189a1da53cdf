// Structured logs: one JSON object per line on stderr. Disabled levels are
// no-ops decided once at creation, so a debug call on the hot path costs a call.

import type { LogLevel } from './config/types';

export type Fields = Record<string, unknown>;
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(bindings: Fields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const noop = (): void => {};

export function createLogger(
  level: LogLevel = 'info',
  bindings: Fields = {},
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const emit = (lvl: LogLevel) =>
    RANK[lvl] < RANK[level]
      ? noop
      : (msg: string, fields?: Fields): void => {
          const rec: Fields = { time: new Date().toISOString(), level: lvl, msg, ...bindings, ...fields };
          for (const [k, v] of Object.entries(rec)) if (v instanceof Error) rec[k] = v.message;
          write(JSON.stringify(rec) + '\n');
        };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (more) => createLogger(level, { ...bindings, ...more }, write),
  };
}

export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};

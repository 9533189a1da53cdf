// The Unix socket's life: a stale socket of a dead daemon is replaced, a live
// one is refused, and the socket gets the configured mode once bound.

import { connect } from 'node:net';
import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { socketInUse, ConfigError } from '../errors';

/** Resolves true when something accepts connections on the socket. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function prepareSocket(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) {
    throw new ConfigError(`invalid socket: ${path} exists and is not a socket; remove it or choose another --socket`);
  }
  if (await isLive(path)) throw socketInUse(path);
  unlinkSync(path);
}

export function setSocketMode(path: string, mode: number): void {
  chmodSync(path, mode);
}

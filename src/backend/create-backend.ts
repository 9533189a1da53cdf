// The one place a backend is chosen from the config: the POSIX mount at
// backend-dir, or a bucket when `backend: s3://...` is set.

import type { Config } from '../config/types';
import type { Logger } from '../log';
import { PosixBackend } from './posix-backend';
import type { Backend } from './types';

/** Sockets beyond the prefetch engine's blocks in flight, for foreground readers, stats and lists. */
const FOREGROUND_SOCKETS = 32;

export function createBackend(config: Config, log: Logger): Backend {
  const s3 = config.s3;
  if (!s3) return new PosixBackend(config.backendDir, { create: true, incomplete: config.incomplete });
  // One socket per prefetch block in flight, plus the foreground's share.
  const prefetchBlocks = Math.ceil(config.prefetchMaxInflight / config.blockSize);
  // Loaded only for a bucket: the AWS SDK takes a few hundred ms to load,
  // which a POSIX daemon (and every restart after a crash) should not pay.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { S3Backend } = require('./s3-backend') as typeof import('./s3-backend');
  return new S3Backend({
    ...s3,
    maxSockets: prefetchBlocks + FOREGROUND_SOCKETS,
    incomplete: config.incomplete,
    log: log.child({ component: 's3' }),
  });
}

// Shared helpers of the checkpoint tests.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { TiercacheClient } from '../../src/client/client';
import type { CheckpointStats } from '../../src/protocol/types';
import type { CheckpointInfo } from '../../src/client/checkpoints';

export const MiB = 1024 * 1024;

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export { failure } from '../helpers/daemon';

export async function checkpointStats(c: TiercacheClient): Promise<CheckpointStats> {
  const s = (await c.stats('all')).checkpoints;
  assert.ok(s, 'the daemon reports a checkpoints section');
  return s;
}

/** Checkpoint directories under <root>/<job>, and whether each has its manifest. */
export function checkpointDirs(root: string, job: string): Array<{ id: string; complete: boolean }> {
  const dir = join(root, job);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((id) => ({ id, complete: existsSync(join(dir, id, 'manifest.json')) }));
}

export function ids(list: readonly CheckpointInfo[]): string[] {
  return list.map((c) => c.id);
}

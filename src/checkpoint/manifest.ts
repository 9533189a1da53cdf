// manifest.json: encoding, strict decoding (a manifest that does not parse or
// disagrees with its directory does not count), and CheckpointInfo.

import { checkCheckpointId, checkJobId } from './ids';
import type { CheckpointInfo, CheckpointState, Manifest } from './types';

export const MANIFEST_FILE = 'manifest.json';
export const DATA_FILE = 'data';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function encodeManifest(m: Manifest): Buffer {
  return Buffer.from(JSON.stringify(m, null, 2) + '\n');
}

/** Parses a manifest read from <job>/<id>/; throws an Error saying what is wrong. */
export function decodeManifest(raw: Buffer | string, jobId: string, id: string): Manifest {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(raw.toString()) as Record<string, unknown>;
  } catch {
    throw new Error('manifest is not valid JSON');
  }
  if (!v || typeof v !== 'object') throw new Error('manifest is not an object');
  if (v['format'] !== 1) throw new Error(`unknown manifest format ${String(v['format'])}`);
  if (v['id'] !== id || v['job_id'] !== jobId) throw new Error('manifest names another checkpoint');
  checkJobId(jobId);
  checkCheckpointId(id);
  const nonNeg = (k: string): number => {
    const n = v[k];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`manifest ${k} is not a whole number`);
    return n;
  };
  const sha = v['sha256'];
  if (typeof sha !== 'string' || !SHA256_HEX.test(sha)) throw new Error('manifest sha256 is not 64 hex digits');
  const metrics: Record<string, number> = {};
  const rawMetrics = v['metrics'];
  if (rawMetrics !== undefined) {
    if (!rawMetrics || typeof rawMetrics !== 'object') throw new Error('manifest metrics is not an object');
    for (const [k, x] of Object.entries(rawMetrics)) {
      if (typeof x !== 'number') throw new Error(`manifest metric ${k} is not a number`);
      metrics[k] = x;
    }
  }
  return {
    format: 1,
    id,
    job_id: jobId,
    step: nonNeg('step'),
    timestamp_ms: nonNeg('timestamp_ms'),
    size: nonNeg('size'),
    sha256: sha,
    metrics,
  };
}

export function toInfo(m: Manifest, state: CheckpointState, backendPath: string): CheckpointInfo {
  return {
    id: m.id,
    job_id: m.job_id,
    step: m.step,
    path: backendPath,
    timestamp_ms: m.timestamp_ms,
    size: m.size,
    sha256: m.sha256,
    metrics: { ...m.metrics },
    state,
  };
}

// Facts about the node that explain a diagnosis: kernel, CPUs, memory, and
// free space where the cache and the backend live.

import { statfsSync } from 'node:fs';
import { arch, availableParallelism, cpus, freemem, hostname, loadavg, release, totalmem, type as osType } from 'node:os';
import { getErrorMessage } from '../util/errors-message';
import type { DiskSpace, HostFacts } from './types';

export function diskSpace(path: string): DiskSpace {
  try {
    const s = statfsSync(path);
    return { path, total_bytes: s.blocks * s.bsize, free_bytes: s.bavail * s.bsize };
  } catch (err) {
    return { path, error: getErrorMessage(err) };
  }
}

/** `backendDir` is undefined when the backend is a bucket (no local filesystem to measure). */
export function hostFacts(cacheDir: string, backendDir: string | undefined): HostFacts {
  return {
    hostname: hostname(),
    kernel: release(),
    os: osType(),
    arch: arch(),
    cpus: availableParallelism(),
    cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
    load_average: loadavg().map((x) => Math.round(x * 100) / 100),
    memory_total_bytes: totalmem(),
    memory_free_bytes: freemem(),
    cache_dir: diskSpace(cacheDir),
    backend_dir: backendDir === undefined ? { path: '', error: 'the backend is an S3 bucket' } : diskSpace(backendDir),
  };
}

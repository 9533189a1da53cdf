// Request paths -> normalised relative paths inside the backend root.
// Pure (no I/O): the symlink half of the check lives in posix-backend.ts.

import { invalidPath, pathEscapesRoot } from '../errors';

const MAX_PATH_BYTES = 4096;

/**
 * Normalises a client path. Accepts "a/b", "./a//b/", "a/../b"; refuses
 * absolute paths, NUL bytes, over-long paths (INVALID_ARGUMENT) and ".." that
 * leaves the root (PERMISSION_DENIED). Returns "" for the root itself.
 */
export function normalizeRequestPath(input: string): string {
  if (typeof input !== 'string') throw invalidPath(String(input), 'expected a string');
  if (input.includes('\0')) throw invalidPath(input, 'contains a NUL byte');
  if (Buffer.byteLength(input) > MAX_PATH_BYTES) throw invalidPath(input.slice(0, 64) + '...', `longer than ${MAX_PATH_BYTES} bytes`);
  if (input.startsWith('/') || /^[A-Za-z]:[\\/]/.test(input)) {
    throw invalidPath(input, 'absolute paths are not allowed; give a path relative to the backend root');
  }
  const out: string[] = [];
  for (const part of input.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw pathEscapesRoot(input);
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out.join('/');
}

/** True when `real` (an absolute, symlink-free path) is `root` or inside it. */
export function isInsideRoot(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith('/') ? root : root + '/');
}

// Mount paths as the checkpoint directory accepts them. The FUSE mount
// refuses bad names before they get here; this is the same rule for callers
// that come another way (`tiercache checkpoint wait PATH`, tests), so a bad
// name is always a named errno, never a backend path outside the root.

import { FsError } from '../fuse/types';

export const NAME_MAX_BYTES = 255;

/** Normalises "a/b", "/a/b/", "" (the root); refuses "..", ".", NUL and overlong names. */
export function checkMountPath(path: string): string {
  if (typeof path !== 'string') throw new FsError('EINVAL', `expected a path, got ${typeof path}`);
  if (path.includes('\0')) throw new FsError('EINVAL', `path contains a NUL byte: ${JSON.stringify(path)}`);
  const parts = path.split('/').filter((p) => p !== '');
  for (const p of parts) {
    if (p === '.' || p === '..') throw new FsError('EINVAL', `"${p}" is not allowed in a checkpoint path: ${path}`);
    if (Buffer.byteLength(p) > NAME_MAX_BYTES) {
      throw new FsError('ENAMETOOLONG', `name longer than ${NAME_MAX_BYTES} bytes: ${p.slice(0, 32)}...`);
    }
  }
  return parts.join('/');
}

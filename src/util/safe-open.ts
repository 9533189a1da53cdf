// Open first, then check what was opened: the defence against a client or a
// backend writer swapping a name between the daemon's check and its use.
// The open never blocks (a FIFO opens at once with O_NONBLOCK; a socket fails
// with ENXIO), and /proc/self/fd/N says where the descriptor really points,
// whatever symlinks the name went through. Callers check the result and then
// use only the returned handle, never the name again.

import { promises as fsp, constants as fsc } from 'node:fs';

const BASE_FLAGS = fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOCTTY;

/**
 * Opens `path` read-only without blocking. With `follow: false` a symlink as
 * the last component fails with ELOOP.
 */
export function openNonBlocking(path: string, opts: { follow: boolean }): Promise<fsp.FileHandle> {
  return fsp.open(path, opts.follow ? BASE_FLAGS : BASE_FLAGS | fsc.O_NOFOLLOW);
}

/**
 * The entries of an open directory, read through its descriptor: the
 * /proc/self/fd/N magic link reaches the very directory that was opened,
 * whatever has been renamed or swapped at its name since.
 */
export function readdirOf(fh: fsp.FileHandle): Promise<import('node:fs').Dirent[]> {
  return fsp.readdir(`/proc/self/fd/${fh.fd}`, { withFileTypes: true });
}

/** Where an open descriptor points: the symlink-free absolute path the kernel reports. */
export function realPathOf(fh: fsp.FileHandle): Promise<string> {
  return fsp.readlink(`/proc/self/fd/${fh.fd}`);
}

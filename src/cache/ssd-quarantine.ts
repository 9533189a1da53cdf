// What the SSD tier does at start when its directory or its index cannot be
// used (a truncated or garbled index.sqlite, the directory replaced by a
// file, a read-only or failing disk): the broken thing is renamed aside,
// kept for a person to look at, and the tier is rebuilt empty; when even
// that fails, the tier is disabled and the daemon runs on memory and the
// backend. Either way the daemon starts, and says which (log and stats).

import { accessSync, constants as fsConstants, renameSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { getErrorCode, getErrorMessage } from '../util/errors-message';

/** How the SSD tier started: from its index, rebuilt after a quarantine, or disabled. */
export type SsdStartup = { readonly kind: 'recovered' } | { readonly kind: 'rebuilt' | 'disabled'; readonly why: string };

export function startupText(s: SsdStartup): string {
  return s.kind === 'recovered' ? 'recovered' : `${s.kind}: ${s.why}`;
}

/** The index's files: the database and SQLite's WAL and shared-memory files beside it. */
const INDEX_SUFFIXES = ['', '-wal', '-shm'] as const;

/** True when `err` says the index database itself is unreadable (not the disk or its permissions). */
export function isCorruptIndex(err: unknown): boolean {
  const code = getErrorCode(err) ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB');
}

/**
 * Renames the broken part aside with a time stamp: the index files when the
 * index is corrupt, else the whole directory (or the file standing in its
 * place). Returns where it went; throws when the rename fails too.
 */
export function quarantine(dir: string, indexFile: string, err: unknown, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  if (isCorruptIndex(err)) {
    const aside = `${indexFile}.quarantined-${stamp}`;
    for (const suffix of INDEX_SUFFIXES) {
      try {
        renameSync(indexFile + suffix, aside + suffix);
      } catch (e) {
        if (getErrorCode(e) !== 'ENOENT') throw e;
      }
    }
    return aside;
  }
  const aside = join(dirname(dir), `${basename(dir)}.quarantined-${stamp}`);
  renameSync(dir, aside);
  return aside;
}

/** A person-readable reason for a start-up failure of the tier. */
export function describeFailure(dir: string, err: unknown): string {
  if (isCorruptIndex(err)) return `the index database is corrupt (${getErrorMessage(err)})`;
  let cause = err;
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory (${getErrorMessage(err)})`;
    // mkdir -p on a read-only disk says ENOENT; the directory's own access says EROFS.
    accessSync(dir, fsConstants.W_OK);
  } catch (e) {
    if (getErrorCode(e) !== 'ENOENT') cause = e;
  }
  return `the directory ${dir} cannot be used (${getErrorMessage(cause)})`;
}

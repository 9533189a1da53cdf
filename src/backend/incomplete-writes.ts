// Which leftovers of interrupted writes a daemon may remove on a backend it
// may share with other daemons (every node of a cluster persists checkpoints
// under one root). A write's temporary name carries its writer's tag, so a
// restarted daemon removes its own leftovers at once: nothing of its own can
// still be in flight. Another writer's temporary file may be an upload in
// flight on another node, so it goes only once it has not changed for
// backend-incomplete-min-age (a file being written has a fresh mtime; an S3
// multipart upload counts from its initiation, so the age must exceed the
// longest upload). Pure: no I/O, the time is given.

import { createHash } from 'node:crypto';

/** Prefix of write()'s temporary names. */
export const WRITE_TMP_PREFIX = '.tmp-';

export interface IncompletePolicy {
  /** This daemon's tag in temporary names: [A-Za-z0-9_.], never a '-', so `.tmp-TAG-` names exactly its files. */
  readonly writerTag: string;
  /** Others' leftovers younger than this are kept (0: every leftover goes, as with a backend of one writer). */
  readonly minAgeMs: number;
}

/** The policy of a backend with one writer (tests, tools): every leftover is stale. */
export const SOLE_WRITER: IncompletePolicy = { writerTag: 'local', minAgeMs: 0 };

const MAX_NAME_CHARS = 32;

/**
 * A writer's tag: its node name (as far as it is safe in a file name) and a
 * hash of node name and state directory, so two daemons on one host with
 * their own state directories are two writers, and a restart is the same one.
 */
export function writerTag(nodeName: string, stateDir: string): string {
  const safe = nodeName.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, MAX_NAME_CHARS) || 'node';
  const hash = createHash('sha256').update(`${nodeName}\u0000${stateDir}`).digest('hex').slice(0, 8);
  return `${safe}.${hash}`;
}

/** The temporary name of a write of `base` by `policy`'s writer. */
export function tmpName(policy: IncompletePolicy, base: string, random: string): string {
  return `${WRITE_TMP_PREFIX}${policy.writerTag}-${base}-${random}`;
}

/** Whether a leftover temporary file may be removed: this writer's own, or another's unchanged for minAgeMs. */
export function isStaleTmp(name: string, mtimeMs: number, nowMs: number, policy: IncompletePolicy): boolean {
  if (!name.startsWith(WRITE_TMP_PREFIX)) return false;
  if (name.startsWith(`${WRITE_TMP_PREFIX}${policy.writerTag}-`)) return true;
  return nowMs - mtimeMs >= policy.minAgeMs;
}

/** Whether an unfinished multipart upload may be aborted: started minAgeMs ago or more (its writer is not named). */
export function isStaleUpload(initiatedMs: number | undefined, nowMs: number, policy: IncompletePolicy): boolean {
  if (policy.minAgeMs <= 0) return true;
  // A store that does not say when an upload started: it may be in flight; a lifecycle rule removes it.
  if (initiatedMs === undefined) return false;
  return nowMs - initiatedMs >= policy.minAgeMs;
}

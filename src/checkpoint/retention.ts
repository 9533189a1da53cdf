// Which checkpoints may go. Pure: decided from ids and states only.
//
// Rules: keep the newest `keep` of a job; an older one goes only once a
// newer one is PERSISTED, so the newest persisted checkpoint is never
// deleted, whatever the count (a backend that refuses writes cannot make us
// drop the last good copy).

import { byNewest } from './ids';

export interface RetentionEntry {
  readonly id: string;
  readonly persisted: boolean;
}

/** Ids to delete (locally and on the backend), newest first. */
export function retentionVictims(entries: readonly RetentionEntry[], keep: number): string[] {
  const sorted = [...entries].sort((a, b) => byNewest(a.id, b.id));
  const newestPersisted = sorted.find((e) => e.persisted);
  if (!newestPersisted) return [];
  return sorted
    .slice(keep)
    .filter((e) => e.id < newestPersisted.id)
    .map((e) => e.id);
}

export interface LocalCopy {
  readonly jobId: string;
  readonly id: string;
  readonly size: number;
  readonly persisted: boolean;
}

/** Local copies that may be dropped for space: persisted ones, oldest first (across jobs, by timestamp). */
export function spaceVictims<T extends LocalCopy>(copies: readonly T[]): T[] {
  return copies.filter((c) => c.persisted).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

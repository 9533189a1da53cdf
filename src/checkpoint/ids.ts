// Job ids and checkpoint ids: validation (they become path components on the
// SSD and the backend, so nothing but a strict pattern gets through) and
// generation. Pure: the clock and the random suffix are injected.
//
// A checkpoint id is <timestamp ms, 13 digits>-<step, 20 digits>-<8 hex>, so
// ids of one job sort by time as plain strings: "newest" is the greatest id.

import { invalidArgument } from '../errors';

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const CHECKPOINT_ID = /^(\d{13})-(\d{20})-([0-9a-f]{8})$/;

export function checkJobId(jobId: unknown): string {
  if (typeof jobId !== 'string' || jobId === '') throw invalidArgument('job_id is required');
  if (!JOB_ID.test(jobId)) {
    throw invalidArgument(
      `invalid job_id ${JSON.stringify(jobId.slice(0, 200))}: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return jobId;
}

export function isCheckpointId(id: string): boolean {
  return CHECKPOINT_ID.test(id);
}

export function checkCheckpointId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw invalidArgument('checkpoint id is required');
  if (!CHECKPOINT_ID.test(id)) {
    throw invalidArgument(
      `invalid checkpoint id ${JSON.stringify(id.slice(0, 200))}: expected <13-digit ms>-<20-digit step>-<8 hex>, as returned by Save or List`,
    );
  }
  return id;
}

export function timestampOfId(id: string): number {
  return Number(id.slice(0, 13));
}

export function formatCheckpointId(timestampMs: number, step: number, suffix: string): string {
  return `${String(timestampMs).padStart(13, '0')}-${String(step).padStart(20, '0')}-${suffix}`;
}

/** Newest first. */
export function byNewest(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

/**
 * Issues ids that grow strictly per job even when two saves land in the same
 * millisecond or the clock steps back: the timestamp is max(now, last + 1).
 */
export class IdGenerator {
  private readonly now: () => number;
  private readonly suffix: () => string;
  private readonly last = new Map<string, number>();

  constructor(now: () => number, suffix: () => string) {
    this.now = now;
    this.suffix = suffix;
  }

  /** Tells the generator about an existing id (found on disk) so new ones sort after it. */
  observe(jobId: string, id: string): void {
    const ts = timestampOfId(id);
    if (ts > (this.last.get(jobId) ?? 0)) this.last.set(jobId, ts);
  }

  next(jobId: string, step: number): string {
    const ts = Math.max(this.now(), (this.last.get(jobId) ?? 0) + 1);
    this.last.set(jobId, ts);
    return formatCheckpointId(ts, step, this.suffix());
  }
}

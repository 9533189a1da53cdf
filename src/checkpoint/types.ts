// Contracts of the checkpoint manager: what a checkpoint is on disk, the
// states it goes through, and the metrics view other subsystems bind to.
//
// Life of a checkpoint (a "complete" copy is one whose manifest exists):
//   1. Save streams the bytes to <checkpoint-dir>/<job>/<id>/data, fsyncs,
//      then writes manifest.json (tmp -> fsync -> rename): state LOCAL.
//   2. The persister copies data, then the manifest, to
//      <checkpoint-root>/<job>/<id>/ on the backend: state PERSISTED.
//   3. Retention drops old ones (backend and local) once a newer one is
//      PERSISTED; space pressure drops local copies of PERSISTED ones first.

export const CheckpointStates = {
  LOCAL: 'LOCAL',
  PERSISTED: 'PERSISTED',
} as const;
export type CheckpointState = (typeof CheckpointStates)[keyof typeof CheckpointStates];

/** manifest.json, local and on the backend; field names as in CheckpointInfo. */
export interface Manifest {
  readonly format: 1;
  readonly id: string;
  readonly job_id: string;
  readonly step: number;
  readonly timestamp_ms: number;
  readonly size: number;
  /** Hex SHA-256 of the data file. */
  readonly sha256: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** CheckpointInfo of the proto, as generated (state is a CheckpointState). */
export type { CheckpointInfo } from '../protocol/types';

export interface SaveHeader {
  readonly jobId: string;
  readonly step: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly sync: boolean;
}

/** Event counters; monotonic except where noted. */
export interface CheckpointCounters {
  saves: number;
  saveFailures: number;
  persists: number;
  persistFailures: number;
  loads: number;
  loadFailures: number;
  bytesSaved: number;
  bytesPersisted: number;
  bytesLoaded: number;
  /** Local copies that failed verification on load and were dropped. */
  corruptLocal: number;
  /** Checkpoints deleted by retention. */
  retentionDeletes: number;
  /** Local copies of persisted checkpoints dropped to free SSD space. */
  spaceEvictions: number;
  /** Partial local checkpoints removed at start-up. */
  partialsCleaned: number;
}

export const DurationKinds = {
  /** Save call start -> complete locally (what training waits for). */
  SAVE_LOCAL: 'save_local',
  /** Save call start -> manifest on the backend. */
  SAVE_PERSISTED: 'save_persisted',
  /** Load call start -> last byte sent. */
  RESTORE: 'restore',
} as const;
export type DurationKind = (typeof DurationKinds)[keyof typeof DurationKinds];

export type RestoreSource = 'local' | 'backend';

/** A duration observation, for a histogram. `source` is set for RESTORE. */
export type DurationObserver = (kind: DurationKind, seconds: number, source?: RestoreSource) => void;


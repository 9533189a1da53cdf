// The ordered persist journal: one JSON object per line, appended with a
// synchronous write before the operation it records is acknowledged, so a
// kill -9 at any moment leaves every acknowledged close, rename and delete in
// the file (the kernel keeps the page; fsync is for power loss, see sync()).
// A torn last line is what a crash mid-append leaves; replay ignores it.
//
// Records: the persist ops (put, del, mv) with their sequence number; `done`
// when an op reached the backend (or was superseded); `open` when a staged
// version is started, so a file still open at a crash can be named in the log.
// compact() rewrites the file to what is still pending (tmp, fsync, rename).

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import type { PersistOp } from './types';

export type JournalRecord =
  | PersistOp
  | { readonly op: 'done'; readonly seq: number }
  | { readonly op: 'open'; readonly file: number; readonly path: string };

export const JOURNAL_FILE = 'journal.jsonl';

export interface Replayed {
  /** Ops not marked done, in sequence order. */
  readonly pending: PersistOp[];
  /** Staged versions started but never closed: open at the crash. */
  readonly openAtCrash: { readonly file: number; readonly path: string }[];
  readonly maxSeq: number;
  readonly maxFile: number;
}

/** Pure: what a journal's records leave to do. */
export function replay(records: readonly JournalRecord[]): Replayed {
  const ops = new Map<number, PersistOp>();
  const done = new Set<number>();
  const opened = new Map<number, string>();
  const closed = new Set<number>();
  let maxSeq = 0;
  let maxFile = 0;
  for (const r of records) {
    if (r.op === 'done') {
      done.add(r.seq);
    } else if (r.op === 'open') {
      opened.set(r.file, r.path);
      maxFile = Math.max(maxFile, r.file);
    } else {
      ops.set(r.seq, r);
      maxSeq = Math.max(maxSeq, r.seq);
      if (r.op === 'put') {
        closed.add(r.file);
        maxFile = Math.max(maxFile, r.file);
      }
    }
  }
  for (const s of done) maxSeq = Math.max(maxSeq, s);
  const pending = [...ops.values()].filter((o) => !done.has(o.seq)).sort((a, b) => a.seq - b.seq);
  const openAtCrash = [...opened].filter(([f]) => !closed.has(f)).map(([file, path]) => ({ file, path }));
  return { pending, openAtCrash, maxSeq, maxFile };
}

/** Pure: the records of a journal file's text; a torn or foreign line is skipped. */
export function parseJournal(text: string): JournalRecord[] {
  const out: JournalRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const r = JSON.parse(line) as JournalRecord;
      if (r && typeof r === 'object' && typeof r.op === 'string') out.push(r);
    } catch {
      // A crash mid-append tears only the last line.
    }
  }
  return out;
}

export class Journal {
  private readonly path: string;
  private fd: number;
  /** Lines since the last compaction. */
  lines = 0;

  private constructor(path: string, fd: number, lines: number) {
    this.path = path;
    this.fd = fd;
    this.lines = lines;
  }

  /** Opens (or creates) the journal in `dir` and returns what it held. */
  static open(dir: string): { journal: Journal; records: JournalRecord[] } {
    const path = join(dir, JOURNAL_FILE);
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const records = parseJournal(text);
    // A torn last line must not glue itself to the next record.
    const fd = openSync(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o600);
    if (text.length > 0 && !text.endsWith('\n')) writeSync(fd, '\n');
    return { journal: new Journal(path, fd, records.length), records };
  }

  append(r: JournalRecord): void {
    writeSync(this.fd, JSON.stringify(r) + '\n');
    this.lines++;
  }

  /** Durable against power loss too (fsync(2) of a file makes its close record durable). */
  sync(): void {
    fsyncSync(this.fd);
  }

  /** Rewrites the journal to `keep` (pending ops and open versions), atomically. */
  compact(keep: readonly JournalRecord[]): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC, 0o600);
    try {
      const text = keep.map((r) => JSON.stringify(r) + '\n').join('');
      if (text.length > 0) writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, fsc.O_WRONLY | fsc.O_APPEND, 0o600);
    this.lines = keep.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}

// Access history in SQLite: every read (job, path, offset, length, time),
// buffered in memory and written in one transaction per flush, off the read
// path. Bounded by age and by row count; a flush that falls far behind drops
// the oldest buffered rows and counts them rather than growing.

import Database from 'better-sqlite3';
import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';
import type { AccessRow } from './types';

const FLUSH_INTERVAL_MS = 1000;
const PRUNE_INTERVAL_MS = 60_000;
/** Buffered rows at most between flushes; past this, new rows are dropped and counted. */
const MAX_BUFFERED = 200_000;
/** Rows per transaction of the background flush (a few ms each). */
const FLUSH_BATCH = 2000;

export class AccessHistory {
  readonly dbPath: string;
  droppedRows = 0;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private buffer: AccessRow[] = [];
  private readonly maxRows: number;
  private readonly maxAgeMs: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private flushTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private slicing = false;
  private closed = false;

  constructor(dbPath: string, opts: { maxRows: number; maxAgeMs: number; logger: Logger; now?: () => number }) {
    this.dbPath = dbPath;
    this.maxRows = opts.maxRows;
    this.maxAgeMs = opts.maxAgeMs;
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
    this.db = new Database(dbPath);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS access (
      id INTEGER PRIMARY KEY,
      time INTEGER NOT NULL,
      job TEXT NOT NULL,
      path TEXT NOT NULL,
      offset INTEGER NOT NULL,
      length INTEGER NOT NULL,
      size INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS access_path ON access (path, id);
    CREATE INDEX IF NOT EXISTS access_time ON access (time);`);
    this.insert = this.db.prepare(
      'INSERT INTO access (time, job, path, offset, length, size) VALUES (@time, @job, @path, @offset, @length, @size)',
    );
  }

  start(): void {
    this.flushTimer = setInterval(() => this.flushInSlices(), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  /** Hot path: one array push (or a counted drop when the writer is far behind). */
  record(row: AccessRow): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      this.droppedRows++;
      return;
    }
    this.buffer.push(row);
  }

  /** Writes everything buffered now (analysis, shutdown). */
  flush(): number {
    let n = 0;
    while (this.buffer.length > 0) n += this.writeBatch();
    return n;
  }

  /**
   * Background flush: one transaction of at most FLUSH_BATCH rows per turn of
   * the event loop, so reads are never held up for more than a few ms.
   */
  private flushInSlices(): void {
    if (this.buffer.length === 0 || this.slicing) return;
    this.slicing = true;
    const step = (): void => {
      this.writeBatch();
      if (this.buffer.length > 0 && !this.closed) setImmediate(step);
      else this.slicing = false;
    };
    step();
  }

  private writeBatch(): number {
    const rows = this.buffer.length <= FLUSH_BATCH ? this.buffer : this.buffer.slice(0, FLUSH_BATCH);
    this.buffer = rows === this.buffer ? [] : this.buffer.slice(FLUSH_BATCH);
    try {
      this.db.transaction(() => {
        for (const r of rows) this.insert.run(r);
      })();
    } catch (err) {
      this.droppedRows += rows.length;
      this.log.warn('writing access history failed; rows dropped', { err: getErrorMessage(err), rows: rows.length });
    }
    return rows.length;
  }

  prune(): void {
    try {
      this.db.prepare('DELETE FROM access WHERE time < ?').run(this.now() - this.maxAgeMs);
      this.db.prepare('DELETE FROM access WHERE id <= (SELECT MAX(id) FROM access) - ?').run(this.maxRows);
    } catch (err) {
      this.log.warn('pruning access history failed', { err: getErrorMessage(err) });
    }
  }

  rowCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM access').get() as { n: number }).n;
  }

  close(): void {
    this.closed = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.flush();
    this.prune();
    this.db.close();
  }
}

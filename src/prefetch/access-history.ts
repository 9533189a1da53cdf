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
/** Buffered rows at most between flushes. */
const MAX_BUFFERED = 200_000;

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
    this.flushTimer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  /** Hot path: one array push. */
  record(row: AccessRow): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      this.buffer.shift();
      this.droppedRows++;
    }
    this.buffer.push(row);
  }

  flush(): number {
    if (this.buffer.length === 0) return 0;
    const rows = this.buffer;
    this.buffer = [];
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
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.flush();
    this.prune();
    this.db.close();
  }
}

// Piscina worker: access-pattern analysis (SQLite scans), off the main thread.
// Prefetch block reads are not done here: they go through backend.read, so the
// DeadlineBackend bounds them and they can run many at once on the threadpool.

import type Database from 'better-sqlite3';
import type { PatternJson } from './analysis';
import type { AccessRow } from './types';

export interface AnalyzeTask {
  readonly dbPath: string;
  readonly prefix: string;
  readonly limit: number;
  /** Most recent rows considered. */
  readonly maxRows: number;
}

export function analyze(t: AnalyzeTask): { patterns: PatternJson[]; rows: number } {
  // Loaded on first use: block reads must not wait for SQLite to load in a new thread.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Db = require('better-sqlite3') as typeof Database;
  const { analyzeAccesses } = require('./analysis') as typeof import('./analysis');
  const db = new Db(t.dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT time, job, path, offset, length, size FROM (
           SELECT * FROM access WHERE path >= ? AND path < ? ORDER BY id DESC LIMIT ?
         ) ORDER BY id ASC`,
      )
      .all(t.prefix, t.prefix + '\uffff', t.maxRows) as AccessRow[];
    const total = (db.prepare('SELECT COUNT(*) AS n FROM access').get() as { n: number }).n;
    return { patterns: analyzeAccesses(rows, { prefix: t.prefix, limit: t.limit }), rows: total };
  } finally {
    db.close();
  }
}

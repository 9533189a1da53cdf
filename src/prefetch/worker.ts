// Piscina worker: prefetch I/O and access-pattern analysis, off the main
// thread. Block bytes are moved back to the main thread, not copied.

import { closeSync, constants as fsc, fstatSync, openSync, readSync, readlinkSync } from 'node:fs';
import type Database from 'better-sqlite3';
import Piscina from 'piscina';
import { versionOf } from '../backend/posix-backend';
import type { OffloadedRead, OffloadedResult } from '../backend/offloaded-backend';
import type { PatternJson } from './analysis';
import type { AccessRow } from './types';

/**
 * Reads one block for offloaded-backend.ts: the bytes, moved back to the
 * main thread (allocUnsafeSlow gives the Buffer its own ArrayBuffer, so moving
 * a full one is free), or FILE_CHANGED if the file is no longer at `version`,
 * or the errno of a failure (errors do not cross threads with their codes).
 */
export function readBlock(t: OffloadedRead): OffloadedResult {
  let fd: number | undefined;
  try {
    // Non-blocking, and checked after the open: the name may have been swapped
    // (for a symlink out of the root, a FIFO) since the main thread resolved it.
    fd = openSync(t.absPath, fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOCTTY);
    const opened = fstatSync(fd);
    if (!opened.isFile() || readlinkSync(`/proc/self/fd/${fd}`) !== t.absPath) return { changed: true };
    const buf = Buffer.allocUnsafeSlow(t.length);
    let filled = 0;
    while (filled < t.length) {
      const n = readSync(fd, buf, filled, t.length - filled, t.offset + filled);
      if (n === 0) break;
      filled += n;
    }
    const st = fstatSync(fd);
    if (versionOf(st) !== t.version) return { changed: true };
    const ab = filled === buf.buffer.byteLength ? (buf.buffer as ArrayBuffer) : (buf.buffer.slice(0, filled) as ArrayBuffer);
    return Piscina.move(ab) as ArrayBuffer;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { errno: e.code ?? 'EIO', message: e.message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

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

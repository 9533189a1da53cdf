// Persists the SSD tier's index in SQLite so a restarted daemon starts warm.
// The live index is in memory; this store only receives batched upserts and
// deletes, written in one transaction per flush, never on a cache hit.
// Schema changes are additive columns with a default that is right for the
// rows already there (crc_kind: an older daemon's rows are zlib CRC-32), so
// a restarted daemon starts warm from an index written by an older one.

import Database from 'better-sqlite3';
import { Checksums, type Checksum } from './ssd-checksum';

export interface IndexRow {
  readonly file: string;
  readonly path: string;
  readonly version: string;
  readonly idx: number;
  readonly size: number;
  readonly crc: number;
  /** Which checksum `crc` is (ssd-checksum.ts); a name this daemon does not know is a row to drop. */
  readonly crcKind: Checksum;
  readonly lastAccess: number;
}

export class IndexStore {
  private readonly db: Database.Database;
  private readonly upsertStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  /** Pending writes by file name; a later op on the same file replaces an earlier one. */
  private readonly pending = new Map<string, IndexRow | null>();

  constructor(dbPath: string) {
    this.db = new Database(dbPath);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS blocks (
      file TEXT PRIMARY KEY,
      path TEXT NOT NULL,
      version TEXT NOT NULL,
      idx INTEGER NOT NULL,
      size INTEGER NOT NULL,
      crc INTEGER NOT NULL,
      last_access INTEGER NOT NULL,
      crc_kind TEXT NOT NULL DEFAULT '${Checksums.CRC32}'
    )`);
    const columns = this.db.prepare('PRAGMA table_info(blocks)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'crc_kind')) {
      // An index from before crc_kind: all its rows are zlib CRC-32.
      this.db.exec(`ALTER TABLE blocks ADD COLUMN crc_kind TEXT NOT NULL DEFAULT '${Checksums.CRC32}'`);
    }
    this.upsertStmt = this.db.prepare(
      `INSERT INTO blocks (file, path, version, idx, size, crc, crc_kind, last_access)
       VALUES (@file, @path, @version, @idx, @size, @crc, @crcKind, @lastAccess)
       ON CONFLICT(file) DO UPDATE SET last_access = excluded.last_access`,
    );
    this.deleteStmt = this.db.prepare('DELETE FROM blocks WHERE file = ?');
  }

  /** All rows, least recently used first. */
  loadAll(): IndexRow[] {
    return this.db
      .prepare(
        'SELECT file, path, version, idx, size, crc, crc_kind AS crcKind, last_access AS lastAccess FROM blocks ORDER BY last_access ASC',
      )
      .all() as IndexRow[];
  }

  upsert(row: IndexRow): void {
    this.pending.set(row.file, row);
  }

  delete(file: string): void {
    this.pending.set(file, null);
  }

  flush(): number {
    if (this.pending.size === 0) return 0;
    const ops = [...this.pending];
    this.pending.clear();
    this.db.transaction(() => {
      for (const [file, row] of ops) {
        if (row) this.upsertStmt.run(row);
        else this.deleteStmt.run(file);
      }
    })();
    return ops.length;
  }

  /** Closes without flushing (a store that failed to open). */
  closeQuietly(): void {
    try {
      this.db.close();
    } catch {
      // already unusable
    }
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}

// Opening the embedded log's SQLite file with the settings its guarantees rest on, and
// turning SQLite failures into LogErrors (busy → canRetry; full, I/O → storage; corrupt).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ERROR_CODES, LogError, isPitwallError } from '../../errors.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

export type SqliteDatabase = Database.Database;

/** The database file inside a log folder (with its `-wal` and `-shm` companions). */
export const LOG_FILE_NAME = 'log.db';

export interface DatabaseSettings {
  readonly file: string;
  /** `normal`: survives a process crash; `full`: also an OS crash or power cut; `off`: see EmbeddedLogOptions. */
  readonly synchronous: 'off' | 'normal' | 'full';
  readonly busyTimeoutMs: number;
  /** Page size of a new database file (bytes); batches of ~1 MB favour large pages. */
  readonly pageSize: number;
}

/**
 * The WAL is copied back into the database ("checkpoint") when it reaches this size. Each
 * checkpoint waits for the disk (fsync of the WAL, then of the database); larger ones
 * happen less often. Measured with raw 1,800-message batches of 600 B on the 2-core VM:
 * 8 MB → ~150 k msg/s, 64 MB → ~200 k msg/s, 256 MB → ~220 k msg/s (docs/log.md).
 */
const CHECKPOINT_BYTES = 64 * 1024 * 1024;

/** Opens (creating when needed) a connection to the log database and brings its schema up. */
export function openDatabase(settings: DatabaseSettings): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    mkdirSync(path.dirname(settings.file), { recursive: true });
    db = new Database(settings.file, { timeout: settings.busyTimeoutMs });
  } catch (error) {
    throw toLogError(error, `cannot open the log at ${settings.file}`);
  }
  try {
    // page_size only takes effect on a file that has no content yet.
    db.pragma(`page_size = ${settings.pageSize}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') {
      throw new LogError(
        ERROR_CODES.logStorage,
        `the log at ${settings.file} cannot use WAL mode (got ${String(mode)})`,
      );
    }
    db.pragma(`synchronous = ${settings.synchronous.toUpperCase()}`);
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    db.pragma(`wal_autocheckpoint = ${Math.max(1000, Math.ceil(CHECKPOINT_BYTES / pageSize))}`);
    db.pragma(`journal_size_limit = ${CHECKPOINT_BYTES}`);
    db.pragma('cache_size = -16384');
    migrate(db, settings.file);
    return db;
  } catch (error) {
    db.close();
    throw toLogError(error, `cannot open the log at ${settings.file}`);
  }
}

function migrate(db: SqliteDatabase, file: string): void {
  const hasMeta = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'")
    .get();
  if (hasMeta) {
    const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      { value: string } | undefined;
    const version = Number(row?.value ?? 0);
    if (version > SCHEMA_VERSION) {
      throw new LogError(
        ERROR_CODES.logStorage,
        `the log at ${file} has schema version ${version}; this Pitwall reads up to ${SCHEMA_VERSION}`,
      );
    }
    if (version === SCHEMA_VERSION) return;
  }
  // Several processes may open a new log at once: IMMEDIATE serialises them, and
  // IF NOT EXISTS makes the losers' runs no-ops.
  writeTransaction(db, () => {
    db.exec(SCHEMA_SQL);
    db.prepare(
      "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(String(SCHEMA_VERSION));
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('created_ms', ?)").run(
      String(Date.now()),
    );
  });
}

/**
 * Runs `fn` in a write transaction taken up front (BEGIN IMMEDIATE): it waits up to the
 * busy timeout for another writer instead of failing midway on a lock upgrade.
 */
export function writeTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** Runs `fn` in a read transaction: every statement in it sees one snapshot. */
export function readTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  return db.transaction(fn).deferred();
}

/** A SQLite failure (or anything thrown) as a LogError whose message starts with `what`. */
export function toLogError(error: unknown, what: string): LogError {
  if (error instanceof LogError) return error;
  if (isPitwallError(error)) {
    return new LogError(ERROR_CODES.logStorage, `${what}: ${error.message}`, {
      cause: error,
      canRetry: error.canRetry,
    });
  }
  const code =
    error instanceof Database.SqliteError ? error.code : (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new LogError(
        ERROR_CODES.logBusy,
        `${what}: the log is locked by another process (${code})`,
        {
          cause: error,
          canRetry: true,
        },
      );
    }
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
      return new LogError(ERROR_CODES.logCorrupt, `${what}: ${message} (${code})`, {
        cause: error,
      });
    }
  }
  return new LogError(
    ERROR_CODES.logStorage,
    `${what}: ${message}${typeof code === 'string' ? ` (${code})` : ''}`,
    {
      cause: error,
    },
  );
}

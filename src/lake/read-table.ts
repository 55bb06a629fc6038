// Reading a snapshot's rows through DuckDB: `read_parquet` over the active files, with
// partition values (which live in the log, not the files) joined back in by file name.
import type {
  DuckDBValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBTimestampTZValue,
} from '@duckdb/node-api';
import { LakeUnsupportedError } from '../errors.js';
import { DuckDbEngine } from './duckdb-engine.js';
import { checkOptionKeys } from './options.js';
import { resolveActionPath } from './paths.js';
import {
  DUCKDB_TYPES,
  quoteIdentifier,
  quoteLiteral,
  type LakeField,
  type LakeType,
} from './schema.js';
import type { Snapshot } from './snapshot.js';
import { daysToIsoDate } from './values.js';

/**
 * A value read back: string, number (integer, double), bigint (long; timestamp as
 * microseconds since the epoch, UTC), boolean, 'YYYY-MM-DD' string (date) or Uint8Array.
 */
export type ReadValue = string | number | bigint | boolean | Uint8Array;

export type ReadRow = Record<string, ReadValue | null>;

/** The local file paths of a snapshot's active files; remote storage is not readable yet. */
export function activeFilePaths(snapshot: Snapshot): string[] {
  return snapshot.files.map((add) => {
    const resolved = resolveActionPath(add.path);
    if ('file' in resolved) return resolved.file;
    const local = snapshot.storage.localPath(resolved.key);
    if (local === undefined) {
      throw new LakeUnsupportedError(
        `reading ${snapshot.uri} through DuckDB needs local storage; remote reads come with cloud storage support`,
      );
    }
    return local;
  });
}

function partitionExpression(field: LakeField, column: string): string {
  // Partition values are strings in the log; an ISO 8601 'Z' timestamp casts to TIMESTAMPTZ.
  return `CAST(${column} AS ${DUCKDB_TYPES[field.type]})`;
}

/**
 * A DuckDB `SELECT` over the snapshot: every schema column, in schema order, with partition
 * columns typed from the log. Compose it as a subquery; it reads local files only.
 *
 * @example
 * const sql = `SELECT vehicle_id, count(*) FROM (${scanSql(snapshot)}) GROUP BY 1`;
 */
export function scanSql(snapshot: Snapshot): string {
  const { fields } = snapshot.schema;
  const partitioned = new Set(snapshot.partitionColumns);
  const files = snapshot.files;
  if (files.length === 0) {
    const empty = fields.map(
      (f) => `CAST(NULL AS ${DUCKDB_TYPES[f.type]}) AS ${quoteIdentifier(f.name)}`,
    );
    return `SELECT ${empty.join(', ')} WHERE false`;
  }
  const paths = activeFilePaths(snapshot);
  const source = `read_parquet([${paths.map(quoteLiteral).join(', ')}], filename = true, union_by_name = true)`;
  if (partitioned.size === 0) {
    return `SELECT ${fields.map((f) => `d.${quoteIdentifier(f.name)}`).join(', ')} FROM ${source} AS d`;
  }
  const partitionFields = fields.filter((f) => partitioned.has(f.name));
  const rows = files.map((add, i) => {
    const values = partitionFields.map((f) => {
      const value = add.partitionValues[f.name] ?? null;
      return value === null ? 'NULL' : quoteLiteral(value);
    });
    return `(${[quoteLiteral(paths[i] ?? ''), ...values].join(', ')})`;
  });
  const names = ['file', ...partitionFields.map((_, i) => `p${i}`)].join(', ');
  const select = fields.map((f) => {
    const index = partitionFields.indexOf(f);
    return index < 0
      ? `d.${quoteIdentifier(f.name)}`
      : `${partitionExpression(f, `p.p${index}`)} AS ${quoteIdentifier(f.name)}`;
  });
  return (
    `SELECT ${select.join(', ')} FROM ${source} AS d ` +
    `JOIN (VALUES ${rows.join(', ')}) AS p(${names}) ON d.filename = p.file`
  );
}

function readValue(type: LakeType, value: DuckDBValue): ReadValue | null {
  if (value === null) return null;
  switch (type) {
    case 'timestamp':
      return (value as DuckDBTimestampTZValue).micros;
    case 'date':
      return daysToIsoDate((value as DuckDBDateValue).days);
    case 'binary': {
      // A plain Uint8Array view (DuckDB hands out Buffers).
      const { bytes } = value as DuckDBBlobValue;
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    default:
      return value as string | number | bigint | boolean;
  }
}

export interface ReadTableOptions {
  /** A DuckDB engine to use; by default a temporary one is started and closed. */
  readonly engine?: DuckDbEngine;
  /** An SQL condition over the table's columns, e.g. `speed_kmh > 100`. */
  readonly where?: string;
  /** An SQL ordering, e.g. `vehicle_id, ts`. */
  readonly orderBy?: string;
}

/**
 * Reads every row of a snapshot into memory (for tests, small tables and `pitwall lake
 * stats`); large reads should compose `scanSql` into their own query instead.
 *
 * @example
 * const rows = await readTable(await table.snapshot(), { orderBy: 'ts' });
 */
export async function readTable(
  snapshot: Snapshot,
  options: ReadTableOptions = {},
): Promise<ReadRow[]> {
  checkOptionKeys(options, ['engine', 'where', 'orderBy'], 'options');
  let sql = `SELECT * FROM (${scanSql(snapshot)})`;
  if (options.where !== undefined) sql += ` WHERE ${options.where}`;
  if (options.orderBy !== undefined) sql += ` ORDER BY ${options.orderBy}`;
  const { fields } = snapshot.schema;
  const engine = options.engine ?? new DuckDbEngine();
  try {
    return await engine.withConnection(async (connection) => {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRows().map((row) => {
        const out: ReadRow = {};
        fields.forEach((field, i) => {
          out[field.name] = readValue(field.type, row[i] ?? null);
        });
        return out;
      });
    });
  } finally {
    if (options.engine === undefined) engine.close();
  }
}

// Writing a DuckDB query's result into a Delta table without passing rows through
// JavaScript: DuckDB `COPY … TO` writes zstd Parquet straight into the table folder (Hive
// partition folders for partitioned tables) and returns per-file statistics
// (`RETURN_STATS`), from which the add actions and their Delta stats are built; one commit
// then publishes them, optionally replacing every file the table had.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection, DuckDBMapValue, DuckDBValue } from '@duckdb/node-api';
import { LakeDataError, LakeUnsupportedError } from '../errors.js';
import { LOG_DIR, type Action, type AddAction, type RemoveAction } from './actions.js';
import type { CommitResult, DeltaTable } from './delta-table.js';
import type { TxnId } from './options.js';
import { keyToActionPath } from './paths.js';
import { quoteIdentifier, quoteLiteral, type LakeField } from './schema.js';
import { Snapshot } from './snapshot.js';
import { encodeStats, hasBounds, stringBound, type StatValue } from './stats.js';
import { statsColumnLimit } from './table-config.js';

/** Data files DuckDB wrote for a table, not yet committed. */
export interface StagedParquet {
  readonly adds: readonly AddAction[];
  readonly numRecords: number;
}

function mapEntries(value: DuckDBValue): { key: DuckDBValue; value: DuckDBValue }[] {
  return value === null ? [] : (value as DuckDBMapValue).entries;
}

/** DuckDB's text of a TIMESTAMPTZ (`2026-01-01 08:00:00.123+00`) as Delta's ISO millis. */
function timestampBound(text: string): string | undefined {
  const ms = Date.parse(text.replace(' ', 'T').replace(/\+00$/, 'Z'));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function bound(field: LakeField, text: string, kind: 'min' | 'max'): StatValue | undefined {
  switch (field.type) {
    case 'timestamp':
      return timestampBound(text);
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : undefined;
    case 'string': {
      // A string maximum DuckDB may have shortened would be below the true one: keep short ones.
      const chars = Array.from(text).length;
      if (kind === 'max' && chars >= 32) return undefined;
      return stringBound(text, kind);
    }
    case 'long':
      return /^-?\d+$/.test(text) ? BigInt(text) : undefined;
    case 'integer': {
      const n = Number(text);
      return Number.isInteger(n) ? n : undefined;
    }
    case 'double': {
      const n = Number(text);
      return Number.isFinite(n) ? n : undefined;
    }
    default:
      return undefined;
  }
}

/** The add action's stats JSON from one `RETURN_STATS` row. */
function statsJson(fields: readonly LakeField[], count: number, columnStats: DuckDBValue): string {
  const byColumn = new Map<string, Map<string, string>>();
  for (const entry of mapEntries(columnStats)) {
    const name = String(entry.key)
      .replace(/^"(.*)"$/, '$1')
      .replaceAll('""', '"');
    const stats = new Map<string, string>();
    for (const stat of mapEntries(entry.value)) stats.set(String(stat.key), String(stat.value));
    byColumn.set(name, stats);
  }
  const minValues: Record<string, StatValue> = {};
  const maxValues: Record<string, StatValue> = {};
  const nullCount: Record<string, number> = {};
  for (const field of fields) {
    const stats = byColumn.get(field.name);
    if (stats === undefined) continue;
    const nulls = Number(stats.get('null_count'));
    if (Number.isSafeInteger(nulls)) nullCount[field.name] = nulls;
    if (!hasBounds(field.type)) continue;
    const min = stats.get('min');
    const max = stats.get('max');
    const min2 = min === undefined ? undefined : bound(field, min, 'min');
    // With a NaN the maximum is NaN, which JSON cannot hold: leave it out.
    const max2 =
      max === undefined || stats.get('has_nan') === 'true' ? undefined : bound(field, max, 'max');
    if (min2 !== undefined) minValues[field.name] = min2;
    if (max2 !== undefined) maxValues[field.name] = max2;
  }
  return encodeStats({ numRecords: count, minValues, maxValues, nullCount });
}

/**
 * Runs `COPY (<query>) TO <table folder>` and returns add actions for the files written.
 * The query must return the table's columns by name (any order; partition columns
 * included). Files are invisible until committed; on failure the ones written are removed.
 *
 * @example
 * const staged = await copyQueryToTable(connection, snapshot, 'SELECT * FROM silver_rows');
 * await commitStaged(table, snapshot, staged, { txns: [{ appId: 'pitwall-silver', version: 12 }] });
 */
export async function copyQueryToTable(
  connection: DuckDBConnection,
  snapshot: Snapshot,
  query: string,
): Promise<StagedParquet> {
  const logDir = snapshot.storage.localPath(LOG_DIR);
  const root = logDir === undefined ? undefined : path.dirname(logDir);
  if (root === undefined) {
    throw new LakeUnsupportedError(
      `DuckDB writes Parquet into local folders only; ${snapshot.uri} is not one`,
    );
  }
  const { fields } = snapshot.schema;
  const partitioned = new Set(snapshot.partitionColumns);
  const dataFields = fields.filter((field) => !partitioned.has(field.name));
  const limit = statsColumnLimit(snapshot.configuration);
  const statsFields = limit < 0 ? dataFields : dataFields.slice(0, limit);
  const columns = [...dataFields, ...fields.filter((field) => partitioned.has(field.name))]
    .map((field) => quoteIdentifier(field.name))
    .join(', ');
  const select = `SELECT ${columns} FROM (${query})`;
  // Each write gets its own file names: a crashed attempt's leftovers never collide.
  const tag = randomUUID();
  const target =
    partitioned.size === 0 ? path.join(root, `part-${tag}.zstd.parquet`) : path.resolve(root);
  const options = ['FORMAT parquet', 'COMPRESSION zstd', 'RETURN_STATS true'];
  if (partitioned.size > 0) {
    options.push(
      `PARTITION_BY (${snapshot.partitionColumns.map(quoteIdentifier).join(', ')})`,
      `FILENAME_PATTERN ${quoteLiteral('part-{uuid}.zstd')}`,
      'APPEND true',
    );
  }
  const reader = await connection.runAndReadAll(
    `COPY (${select}) TO ${quoteLiteral(target)} (${options.join(', ')})`,
  );
  const names = reader.columnNames();
  const at = (name: string): number => {
    const index = names.indexOf(name);
    if (index < 0) throw new LakeDataError(`DuckDB's COPY returned no ${name} column`);
    return index;
  };
  const [iFile, iCount, iSize, iStats, iKeys] = [
    at('filename'),
    at('count'),
    at('file_size_bytes'),
    at('column_statistics'),
    at('partition_keys'),
  ];
  const adds: AddAction[] = [];
  let numRecords = 0;
  const now = Date.now();
  for (const row of reader.getRows()) {
    const file = String(row[iFile]);
    const count = Number(row[iCount]);
    if (count === 0) {
      // An unpartitioned COPY of no rows still writes a file: drop it.
      await rm(file, { force: true });
      continue;
    }
    numRecords += count;
    const partitionValues: Record<string, string | null> = {};
    for (const column of snapshot.partitionColumns) partitionValues[column] = null;
    for (const entry of mapEntries(row[iKeys] ?? null)) {
      const value = entry.value === null ? null : String(entry.value);
      partitionValues[String(entry.key)] = value === 'NULL' ? null : value;
    }
    const key = path.relative(root, file).split(path.sep).join('/');
    adds.push({
      path: keyToActionPath(key),
      partitionValues,
      size: Number(row[iSize]),
      modificationTime: now,
      dataChange: true,
      stats: statsJson(statsFields, count, row[iStats] ?? null),
    });
  }
  return { adds, numRecords };
}

export interface CommitStagedOptions {
  /** Application transactions recorded with the files (skipped when already at that version). */
  readonly txns?: readonly TxnId[];
  /** Remove every file of `base` in the same commit: the table is replaced. */
  readonly replace?: boolean;
  readonly operation?: string;
}

/**
 * Commits staged files (and, with `replace`, the removal of every file `base` had) as one
 * Delta commit planned on `base`. A txn whose version the table already holds is left out
 * (a full refresh at the same input version).
 */
export async function commitStaged(
  table: DeltaTable,
  base: Snapshot,
  staged: StagedParquet,
  options: CommitStagedOptions = {},
): Promise<CommitResult> {
  const now = Date.now();
  const removes: Action[] = options.replace
    ? base.files.map((add): Action => {
        const remove: RemoveAction = {
          path: add.path,
          deletionTimestamp: now,
          dataChange: true,
          extendedFileMetadata: true,
          partitionValues: add.partitionValues,
          size: add.size,
        };
        return { remove };
      })
    : [];
  const txns = (options.txns ?? []).filter((txn) => {
    const done = base.txnVersion(txn.appId);
    return done === undefined || done < txn.version;
  });
  return table.commit([...removes, ...staged.adds.map((add): Action => ({ add }))], {
    operation: options.operation ?? 'WRITE',
    operationParameters: {
      mode: options.replace ? 'Overwrite' : 'Append',
      partitionBy: base.partitionColumns,
    },
    txns,
    readVersion: base.version,
  });
}

/** A snapshot that sees only `files` (for example the files added since an older version). */
export function snapshotWithFiles(snapshot: Snapshot, files: readonly AddAction[]): Snapshot {
  return new Snapshot(
    snapshot.storage,
    snapshot.version,
    snapshot.protocol,
    snapshot.metadata,
    new Map(files.map((add) => [add.path, add])),
    snapshot.tombstonesByPath,
    snapshot.txns,
    snapshot.commitInfo,
  );
}

/**
 * Files active in `newer` that `older` did not have: what an append-only table gained
 * between two versions (all of `newer` when `older` is undefined).
 */
export function filesAddedSince(older: Snapshot | undefined, newer: Snapshot): AddAction[] {
  if (older === undefined) return [...newer.files];
  return newer.files.filter((add) => !older.filesByPath.has(add.path));
}

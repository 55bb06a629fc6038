// Writes a checked batch as Parquet data files through DuckDB: one zstd file per partition,
// with per-file statistics computed from the same staged rows, and returns their add actions.
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  DuckDBDataChunk,
  type DuckDBDateValue,
  type DuckDBTimestampTZValue,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { LakeError } from '../errors.js';
import type { AddAction, MetadataAction, PartitionValues } from './actions.js';
import { valueAt, type CheckedBatch } from './batch.js';
import type { DuckDbEngine } from './duckdb-engine.js';
import { keyToActionPath, newDataFileKey } from './paths.js';
import {
  duckDbColumnList,
  quoteIdentifier,
  quoteLiteral,
  type LakeField,
  type TableSchema,
} from './schema.js';
import { encodeStats, hasBounds, stringBound, type StatValue } from './stats.js';
import type { LakeStorage } from './storage.js';
import { statsColumnLimit } from './table-config.js';
import { daysToIsoDate, microsToIsoMillis, partitionValueString, toDuckDbValue } from './values.js';

/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;
const STAGE = 'pitwall_stage';
const GROUP = '__pitwall_group';

interface PartitionGroup {
  readonly values: PartitionValues;
  rows: number;
}

interface Layout {
  readonly dataFields: readonly LakeField[];
  readonly dataColumns: readonly number[];
  readonly statsFields: readonly LakeField[];
  readonly groups: readonly PartitionGroup[];
  readonly groupOf: Int32Array;
}

function layout(schema: TableSchema, metadata: MetadataAction, batch: CheckedBatch): Layout {
  const partitioned = new Set(metadata.partitionColumns);
  const dataColumns: number[] = [];
  schema.fields.forEach((field, index) => {
    if (!partitioned.has(field.name)) dataColumns.push(index);
  });
  // In the table's partition column order, which is also the folder nesting order.
  const partitionColumns = metadata.partitionColumns.map((name) =>
    schema.fields.findIndex((field) => field.name === name),
  );
  // Partition columns live in folder names and the log, not in the data files.
  const dataFields = dataColumns.map((index) => schema.fields[index] as LakeField);
  const limit = statsColumnLimit(metadata.configuration);
  const statsFields = limit < 0 ? dataFields : dataFields.slice(0, limit);

  const groups: PartitionGroup[] = [];
  const groupOf = new Int32Array(batch.numRows);
  const byKey = new Map<string, number>();
  // Batches hold few distinct partition values (often one): format each only once.
  const formatted = partitionColumns.map(() => new Map<unknown, string | null>());
  let previous: unknown[] | undefined;
  let previousGroup = 0;
  for (let row = 0; row < batch.numRows; row++) {
    // Runs of rows with the same partition values (the usual case) skip the lookup.
    const raw = partitionColumns.map((index) => valueAt(batch.columns[index] ?? [], row));
    if (previous !== undefined && raw.every((value, k) => value === previous?.[k])) {
      (groups[previousGroup] as PartitionGroup).rows++;
      groupOf[row] = previousGroup;
      continue;
    }
    previous = raw;
    const values: Record<string, string | null> = {};
    partitionColumns.forEach((index, k) => {
      const field = schema.fields[index] as LakeField;
      const value = valueAt(batch.columns[index] ?? [], row);
      const cache = formatted[k] as Map<unknown, string | null>;
      let text = cache.get(value);
      if (text === undefined && !cache.has(value)) {
        text = partitionValueString(field.type, value);
        cache.set(value, text);
      }
      values[field.name] = text ?? null;
    });
    const key = JSON.stringify(metadata.partitionColumns.map((name) => values[name] ?? null));
    let group = byKey.get(key);
    if (group === undefined) {
      group = groups.length;
      byKey.set(key, group);
      groups.push({ values, rows: 0 });
    }
    (groups[group] as PartitionGroup).rows++;
    groupOf[row] = group;
    previousGroup = group;
  }
  return { dataFields, dataColumns, statsFields, groups, groupOf };
}

async function stage(
  connection: DuckDBConnection,
  schema: TableSchema,
  batch: CheckedBatch,
  plan: Layout,
): Promise<void> {
  await connection.run(
    `CREATE TEMP TABLE ${STAGE} (${duckDbColumnList(plan.dataFields)}, ${GROUP} INTEGER)`,
  );
  const appender = await connection.createAppender(STAGE);
  try {
    const types: DuckDBType[] = Array.from({ length: appender.columnCount }, (_, i) =>
      appender.columnType(i),
    );
    for (let start = 0; start < batch.numRows; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, batch.numRows - start);
      const columns: DuckDBValue[][] = plan.dataColumns.map((index) => {
        const field = schema.fields[index] as LakeField;
        const source = batch.columns[index] ?? [];
        const out = new Array<DuckDBValue>(count);
        for (let i = 0; i < count; i++) {
          const value = valueAt(source, start + i);
          out[i] = value === null ? null : toDuckDbValue(field.type, value);
        }
        return out;
      });
      columns.push(Array.from(plan.groupOf.subarray(start, start + count)));
      const chunk = DuckDBDataChunk.create(types, count);
      chunk.setColumns(columns);
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

function boundOf(field: LakeField, value: DuckDBValue, kind: 'min' | 'max'): StatValue | undefined {
  if (value === null) return undefined;
  switch (field.type) {
    case 'timestamp':
      return microsToIsoMillis((value as DuckDBTimestampTZValue).micros);
    case 'date':
      return daysToIsoDate((value as DuckDBDateValue).days);
    case 'string':
      return stringBound(value as string, kind);
    case 'double':
      // JSON has no NaN or Infinity; an absent bound carries no information.
      return Number.isFinite(value) ? (value as number) : undefined;
    default:
      return value as number | bigint;
  }
}

/** Per-group statistics, computed by DuckDB over the staged rows. */
async function groupStats(
  connection: DuckDBConnection,
  plan: Layout,
): Promise<Map<number, string>> {
  const selects = [`${GROUP}`, 'count(*)::BIGINT'];
  for (const field of plan.statsFields) {
    const column = quoteIdentifier(field.name);
    if (hasBounds(field.type)) selects.push(`min(${column})`, `max(${column})`);
    selects.push(`(count(*) - count(${column}))::BIGINT`);
  }
  const reader = await connection.runAndReadAll(
    `SELECT ${selects.join(', ')} FROM ${STAGE} GROUP BY ${GROUP}`,
  );
  const out = new Map<number, string>();
  for (const row of reader.getRows()) {
    let at = 0;
    const group = row[at++] as number;
    const numRecords = Number(row[at++]);
    const minValues: Record<string, StatValue> = {};
    const maxValues: Record<string, StatValue> = {};
    const nullCount: Record<string, number> = {};
    for (const field of plan.statsFields) {
      if (hasBounds(field.type)) {
        const min = boundOf(field, row[at++] ?? null, 'min');
        const max = boundOf(field, row[at++] ?? null, 'max');
        if (min !== undefined) minValues[field.name] = min;
        if (max !== undefined) maxValues[field.name] = max;
      }
      nullCount[field.name] = Number(row[at++]);
    }
    out.set(group, encodeStats({ numRecords, minValues, maxValues, nullCount }));
  }
  return out;
}

async function copyGroup(
  connection: DuckDBConnection,
  storage: LakeStorage,
  plan: Layout,
  group: number,
  key: string,
): Promise<{ size: number; modifiedMs: number }> {
  const local = storage.localPath(key);
  const target = local ?? path.join(tmpdir(), `pitwall-${randomUUID()}.parquet`);
  await mkdir(path.dirname(target), { recursive: true });
  const columns = plan.dataFields.map((field) => quoteIdentifier(field.name)).join(', ');
  try {
    await connection.run(
      `COPY (SELECT ${columns} FROM ${STAGE} WHERE ${GROUP} = ${group}) ` +
        `TO ${quoteLiteral(target)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    // Remote stores get the finished file in one write.
    if (local === undefined) await storage.write(key, await readFile(target));
  } finally {
    if (local === undefined) await unlink(target).catch(() => undefined);
  }
  const info = await storage.stat(key);
  if (info === undefined)
    throw new LakeError(`data file ${key} vanished right after it was written`);
  return info;
}

export interface WriteDataFilesOptions {
  /** False when the files only rearrange data already in the table (compaction). */
  readonly dataChange?: boolean;
}

/**
 * Writes the batch as one Parquet file per partition value combination. Files are invisible
 * until an add action commits them; if writing fails midway, the files already written are
 * deleted before the error is rethrown.
 */
export async function writeDataFiles(
  engine: DuckDbEngine,
  storage: LakeStorage,
  schema: TableSchema,
  metadata: MetadataAction,
  batch: CheckedBatch,
  options: WriteDataFilesOptions = {},
): Promise<AddAction[]> {
  if (batch.numRows === 0) return [];
  const plan = layout(schema, metadata, batch);
  const written: string[] = [];
  try {
    return await engine.withConnection(async (connection) => {
      await stage(connection, schema, batch, plan);
      const stats = await groupStats(connection, plan);
      const adds: AddAction[] = [];
      for (let group = 0; group < plan.groups.length; group++) {
        const { values } = plan.groups[group] as PartitionGroup;
        const key = newDataFileKey(metadata.partitionColumns, values);
        written.push(key);
        const info = await copyGroup(connection, storage, plan, group, key);
        adds.push({
          path: keyToActionPath(key),
          partitionValues: values,
          size: info.size,
          modificationTime: info.modifiedMs,
          dataChange: options.dataChange ?? true,
          ...(stats.has(group) ? { stats: stats.get(group) } : {}),
        });
      }
      return adds;
    });
  } catch (error) {
    await Promise.all(written.map((key) => storage.delete(key).catch(() => undefined)));
    throw error;
  }
}

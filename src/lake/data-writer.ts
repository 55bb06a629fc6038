// Writes a checked batch as Parquet data files with Pitwall's own encoder (src/lake/parquet):
// one file per partition value combination, with the per-file statistics computed in the same
// pass, and returns their add actions. DuckDB reads these files; it is not on the write path.
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { LakeError } from '../errors.js';
import type { AddAction, MetadataAction, PartitionValues } from './actions.js';
import { valueAt, type CheckedBatch } from './batch.js';
import { engineInfo } from './engine-info.js';
import { ioError } from './local-storage.js';
import {
  encodeParquet,
  type ColumnSummary,
  type EncodedParquet,
  type ParquetColumn,
  type ParquetCompression,
} from './parquet/index.js';
import { keyToActionPath, newDataFileKey } from './paths.js';
import type { LakeField, TableSchema } from './schema.js';
import { encodeStats, hasBounds, stringBound, type StatValue } from './stats.js';
import type { LakeStorage } from './storage.js';
import { parquetCompression, statsColumnLimit } from './table-config.js';
import {
  daysToIsoDate,
  microsToIsoMillis,
  partitionValueString,
  type CanonicalValue,
} from './values.js';

/** Codec tag in data file names, as Spark names its files (`part-….gz.parquet`). */
const FILE_SUFFIX = {
  uncompressed: 'parquet',
  gzip: 'gz.parquet',
} as const satisfies Record<ParquetCompression, string>;

/**
 * Output buffers of finished local writes, kept for the next file: the pages of a big fresh
 * buffer cost more to fault in than encoding into them (measured: 67 MB of bronze values,
 * 190–330 ms into fresh memory, 47 ms into reused memory).
 */
const spareOutputs: Buffer[] = [];
const MAX_SPARE_OUTPUTS = 2;
const MAX_SPARE_BYTES = 256 * 1024 * 1024;

const CREATED_BY = `${engineInfo().replace('/', ' version ')}`;

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
  const sources = partitionColumns.map((index) => batch.columns[index] ?? []);
  // The previous row's partition values, reused: no allocation per row.
  const previous = new Array<unknown>(partitionColumns.length);
  let hasPrevious = false;
  let previousGroup = 0;
  for (let row = 0; row < batch.numRows; row++) {
    // Runs of rows with the same partition values (the usual case) skip the lookup.
    // Object.is, not ===: -0 and 0 are different partition values ('-0.0' and '0').
    let same = hasPrevious;
    for (let k = 0; same && k < sources.length; k++) {
      same = Object.is(valueAt(sources[k]!, row), previous[k]);
    }
    if (same) {
      (groups[previousGroup] as PartitionGroup).rows++;
      groupOf[row] = previousGroup;
      continue;
    }
    for (let k = 0; k < sources.length; k++) previous[k] = valueAt(sources[k]!, row);
    hasPrevious = true;
    const values: Record<string, string | null> = {};
    partitionColumns.forEach((index, k) => {
      const field = schema.fields[index] as LakeField;
      const value = previous[k] as CanonicalValue | null;
      const cache = formatted[k] as Map<unknown, string | null>;
      // Map keys equate -0 with 0; a double column's values are numbers, so '-0' is free.
      const cacheKey = Object.is(value, -0) ? '-0' : value;
      let text = cache.get(cacheKey);
      if (text === undefined && !cache.has(cacheKey)) {
        text = partitionValueString(field.type, value);
        cache.set(cacheKey, text);
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

function bound(
  field: LakeField,
  summary: ColumnSummary,
  kind: 'min' | 'max',
): StatValue | undefined {
  const value = kind === 'min' ? summary.min : summary.max;
  if (value === undefined) return undefined;
  switch (field.type) {
    case 'timestamp':
      return microsToIsoMillis(value as bigint);
    case 'date':
      return daysToIsoDate(value as number);
    case 'string':
      return stringBound(value as string, kind);
    case 'double':
      // NaN sorts above every number (as in Spark and DuckDB), so with a NaN the maximum is
      // NaN, which JSON cannot hold; an absent bound carries no information. Same for ±Infinity.
      if (kind === 'max' && summary.nanCount > 0) return undefined;
      return Number.isFinite(value) ? (value as number) : undefined;
    default:
      return value as number | bigint;
  }
}

/** The add action's stats JSON, from the encoder's column summaries. */
function fileStats(plan: Layout, encoded: EncodedParquet): string {
  const minValues: Record<string, StatValue> = {};
  const maxValues: Record<string, StatValue> = {};
  const nullCount: Record<string, number> = {};
  plan.statsFields.forEach((field, c) => {
    const summary = encoded.columns[c] as ColumnSummary;
    if (hasBounds(field.type)) {
      const min = bound(field, summary, 'min');
      const max = bound(field, summary, 'max');
      if (min !== undefined) minValues[field.name] = min;
      if (max !== undefined) maxValues[field.name] = max;
    }
    nullCount[field.name] = summary.nullCount;
  });
  return encodeStats({ numRecords: encoded.numRows, minValues, maxValues, nullCount });
}

/**
 * Writes a new data file. Local files are written in place and fsynced (the commit that
 * references them is durable, so they must be too); remote stores get the bytes in one write.
 */
async function writeFile(
  storage: LakeStorage,
  key: string,
  bytes: Uint8Array,
): Promise<{ size: number; modifiedMs: number }> {
  const local = storage.localPath(key);
  if (local === undefined) {
    await storage.write(key, bytes);
    const info = await storage.stat(key);
    if (info === undefined) {
      throw new LakeError(`data file ${key} vanished right after it was written`);
    }
    return info;
  }
  await mkdir(path.dirname(local), { recursive: true });
  try {
    // 'wx': names are unique, so an existing file is a bug, never something to overwrite.
    const handle = await open(local, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.datasync();
      const info = await handle.stat();
      return { size: info.size, modifiedMs: Math.floor(info.mtimeMs) };
    } finally {
      await handle.close();
    }
  } catch (cause) {
    throw ioError('writing data file', local, cause);
  }
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
  storage: LakeStorage,
  schema: TableSchema,
  metadata: MetadataAction,
  batch: CheckedBatch,
  options: WriteDataFilesOptions = {},
): Promise<AddAction[]> {
  if (batch.numRows === 0) return [];
  const compression = parquetCompression(metadata.configuration);
  const plan = layout(schema, metadata, batch);
  const columns: ParquetColumn[] = plan.dataColumns.map((index) => {
    const field = schema.fields[index] as LakeField;
    return {
      name: field.name,
      type: field.type,
      nullable: field.nullable ?? true,
      values: batch.columns[index] ?? [],
    };
  });
  const written: string[] = [];
  try {
    const adds: AddAction[] = [];
    for (let group = 0; group < plan.groups.length; group++) {
      const { values } = plan.groups[group] as PartitionGroup;
      const key = newDataFileKey(metadata.partitionColumns, values, FILE_SUFFIX[compression]);
      // Only local writes reuse buffers: they are done with the bytes when they return.
      const local = storage.localPath(key) !== undefined;
      const output = local ? spareOutputs.pop() : undefined;
      const encoded = await encodeParquet(columns, {
        compression,
        createdBy: CREATED_BY,
        ...(plan.groups.length > 1 ? { rows: rowsOf(plan, group) } : {}),
        ...(output === undefined ? {} : { output }),
      });
      written.push(key);
      let info: { size: number; modifiedMs: number };
      try {
        info = await writeFile(storage, key, encoded.bytes);
      } finally {
        if (
          local &&
          spareOutputs.length < MAX_SPARE_OUTPUTS &&
          encoded.output.length <= MAX_SPARE_BYTES
        ) {
          spareOutputs.push(encoded.output);
        }
      }
      adds.push({
        path: keyToActionPath(key),
        partitionValues: values,
        size: info.size,
        modificationTime: info.modifiedMs,
        dataChange: options.dataChange ?? true,
        stats: fileStats(plan, encoded),
      });
    }
    return adds;
  } catch (error) {
    await Promise.all(written.map((key) => storage.delete(key).catch(() => undefined)));
    throw error;
  }
}

/** The rows of one partition group, in batch order. */
function rowsOf(plan: Layout, group: number): Int32Array {
  const rows = new Int32Array((plan.groups[group] as PartitionGroup).rows);
  let k = 0;
  const { groupOf } = plan;
  for (let row = 0; row < groupOf.length; row++) if (groupOf[row] === group) rows[k++] = row;
  return rows;
}

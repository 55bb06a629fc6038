// Input batches for appends: row objects or a columnar batch (plain arrays or typed arrays),
// checked against the table schema once, where they enter.
import { LakeDataError } from '../errors.js';
import type { LakeField, LakeType, TableSchema } from './schema.js';
import { canonicalValue, type CanonicalValue, type LakeValue } from './values.js';

/** One row: column name → value; a missing or undefined value is null. */
export type LakeRow = Readonly<Record<string, LakeValue | null | undefined>>;

/**
 * Values of one column. Typed arrays are the allocation-free form for hot paths:
 * Float64Array for double, Int32Array for integer or date (days since 1970-01-01),
 * BigInt64Array for long or timestamp (microseconds). They hold no nulls. Typed arrays, and
 * arrays whose values are already canonical (strings, Uint8Arrays, numbers, booleans, bigints,
 * nulls), are written as they are, not copied: leave them unchanged until the append settles.
 */
export type ColumnValues =
  readonly (LakeValue | null | undefined)[] | Float64Array | Int32Array | BigInt64Array;

/** A columnar batch: every schema column (or only the non-null ones) with `numRows` values. */
export interface ColumnBatch {
  readonly numRows: number;
  readonly columns: Readonly<Record<string, ColumnValues>>;
}

/** A column ready for writing: canonical values, or a typed array used as is. */
export type CanonicalColumn =
  readonly (CanonicalValue | null)[] | Float64Array | Int32Array | BigInt64Array;

export interface CheckedBatch {
  readonly numRows: number;
  /** One entry per schema field, in schema order. */
  readonly columns: readonly CanonicalColumn[];
}

export function isColumnBatch(data: readonly LakeRow[] | ColumnBatch): data is ColumnBatch {
  return !Array.isArray(data);
}

const TYPED_ARRAY_TYPES: ReadonlyMap<unknown, readonly LakeType[]> = new Map<
  unknown,
  readonly LakeType[]
>([
  [Float64Array, ['double']],
  [Int32Array, ['integer', 'date']],
  [BigInt64Array, ['long', 'timestamp']],
]);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function checkNull(field: LakeField, where: string): null {
  if (field.nullable === false) {
    throw new LakeDataError(`${where}: column '${field.name}' is not nullable`);
  }
  return null;
}

/**
 * True when every value of an array column is already in canonical form (or null where the
 * column allows it): one inline check per value instead of a `canonicalValue` call, and the
 * array is used as it is. Anything else (undefined, a Date, a number for a long…) takes the
 * converting path, which also names the offending value.
 */
function isCanonical(field: LakeField, list: readonly unknown[]): boolean {
  const nullable = field.nullable !== false;
  const n = list.length;
  switch (field.type) {
    case 'string':
      for (let r = 0; r < n; r++) {
        const v = list[r];
        if (typeof v !== 'string' && !(v === null && nullable)) return false;
      }
      return true;
    case 'binary':
      for (let r = 0; r < n; r++) {
        const v = list[r];
        if (!(v instanceof Uint8Array) && !(v === null && nullable)) return false;
      }
      return true;
    case 'double':
      for (let r = 0; r < n; r++) {
        const v = list[r];
        if (typeof v !== 'number' && !(v === null && nullable)) return false;
      }
      return true;
    case 'boolean':
      for (let r = 0; r < n; r++) {
        const v = list[r];
        if (typeof v !== 'boolean' && !(v === null && nullable)) return false;
      }
      return true;
    case 'integer':
      for (let r = 0; r < n; r++) {
        const v = list[r];
        if (!((typeof v === 'number' && (v | 0) === v) || (v === null && nullable))) return false;
      }
      return true;
    case 'long':
    case 'timestamp':
      for (let r = 0; r < n; r++) {
        const v = list[r];
        if (typeof v === 'bigint') {
          if (v < INT64_MIN || v > INT64_MAX) return false;
        } else if (!(v === null && nullable)) {
          return false;
        }
      }
      return true;
    case 'date':
      // Canonical dates are day numbers; inputs are strings or Dates: always converted.
      return false;
  }
}

function fromRows(schema: TableSchema, rows: readonly LakeRow[]): CheckedBatch {
  const known = new Set(schema.fields.map((field) => field.name));
  const columns = schema.fields.map(() => new Array<CanonicalValue | null>(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (typeof row !== 'object' || row === null) {
      throw new LakeDataError(`rows[${r}]: a row must be an object`);
    }
    for (const key of Object.keys(row)) {
      if (!known.has(key))
        throw new LakeDataError(`rows[${r}].${key}: no such column in the table`);
    }
    schema.fields.forEach((field, c) => {
      const value = row[field.name];
      const where = `rows[${r}].${field.name}`;
      (columns[c] as (CanonicalValue | null)[])[r] =
        value === null || value === undefined
          ? checkNull(field, where)
          : canonicalValue(field.type, value, where);
    });
  }
  return { numRows: rows.length, columns };
}

function fromColumns(schema: TableSchema, batch: ColumnBatch): CheckedBatch {
  const { numRows } = batch;
  if (!Number.isSafeInteger(numRows) || numRows < 0) {
    throw new LakeDataError(`batch.numRows: ${String(numRows)} is not a row count`);
  }
  const known = new Set(schema.fields.map((field) => field.name));
  for (const key of Object.keys(batch.columns)) {
    if (!known.has(key))
      throw new LakeDataError(`batch.columns.${key}: no such column in the table`);
  }
  const columns = schema.fields.map((field): CanonicalColumn => {
    const values = batch.columns[field.name];
    const where = `batch.columns.${field.name}`;
    if (values === undefined) {
      if (numRows > 0) checkNull(field, where);
      return new Array<null>(numRows).fill(null);
    }
    if (values.length !== numRows) {
      throw new LakeDataError(`${where}: has ${values.length} values, expected ${numRows}`);
    }
    if (!Array.isArray(values)) {
      const allowed = TYPED_ARRAY_TYPES.get(values.constructor);
      if (allowed === undefined || !allowed.includes(field.type)) {
        throw new LakeDataError(
          `${where}: a ${values.constructor.name} cannot hold a ${field.type} column`,
        );
      }
      return values as Float64Array | Int32Array | BigInt64Array;
    }
    const list = values as readonly (LakeValue | null | undefined)[];
    if (isCanonical(field, list)) return list as readonly (CanonicalValue | null)[];
    return list.map((value, r) =>
      value === null || value === undefined
        ? checkNull(field, `${where}[${r}]`)
        : canonicalValue(field.type, value, `${where}[${r}]`),
    );
  });
  return { numRows, columns };
}

/** Checks every value against the schema and returns the batch in canonical form. */
export function checkBatch(
  schema: TableSchema,
  data: readonly LakeRow[] | ColumnBatch,
): CheckedBatch {
  if (isColumnBatch(data)) {
    if (typeof data !== 'object' || data === null || typeof data.columns !== 'object') {
      throw new LakeDataError('batch: expected an array of rows or { numRows, columns }');
    }
    return fromColumns(schema, data);
  }
  return fromRows(schema, data);
}

/** The canonical value at `row` of a column. */
export function valueAt(column: CanonicalColumn, row: number): CanonicalValue | null {
  return column[row] ?? null;
}

// Pitwall's table schema: a small set of column types, their Delta schema-string names
// (PROTOCOL.md, "Schema Serialization Format") and their DuckDB types.
import { LakeDataError, LakeUnsupportedError } from '../errors.js';

/** Column types Pitwall tables use; each is also the Delta primitive type name. */
export const LAKE_TYPES = [
  'string',
  'long',
  'integer',
  'double',
  'boolean',
  /** Microsecond instant, UTC (Parquet TIMESTAMP(isAdjustedToUTC=true, MICROS)). */
  'timestamp',
  'date',
  'binary',
] as const;

export type LakeType = (typeof LAKE_TYPES)[number];

export const DUCKDB_TYPES = {
  string: 'VARCHAR',
  long: 'BIGINT',
  integer: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  // TIMESTAMPTZ is written to Parquet with isAdjustedToUTC=true, as Delta's `timestamp` needs;
  // plain TIMESTAMP would be Delta's `timestamp_ntz`, which needs a table feature.
  timestamp: 'TIMESTAMPTZ',
  date: 'DATE',
  binary: 'BLOB',
} as const satisfies Record<LakeType, string>;

export interface LakeField {
  readonly name: string;
  readonly type: LakeType;
  /** Defaults to true. A non-nullable column rejects nulls on write. */
  readonly nullable?: boolean;
  /** Column metadata, kept as given in the Delta schema. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface TableSchema {
  readonly fields: readonly LakeField[];
}

/** The Delta JSON form of a struct field. */
interface DeltaStructField {
  name: string;
  type: unknown;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

// Without column mapping, Delta (like Spark) forbids these characters in column names,
// since Parquet and Hive-style paths cannot hold them.
const INVALID_NAME_CHARS = /[ ,;{}()\n\t=]/;

function isLakeType(value: unknown): value is LakeType {
  return typeof value === 'string' && (LAKE_TYPES as readonly string[]).includes(value);
}

/** Array.isArray without narrowing a typed readonly array to any[]. */
export function isList(value: unknown): boolean {
  return Array.isArray(value);
}

/** Checks names, types and uniqueness; returns the schema with `nullable` filled in. */
export function validateSchema(schema: TableSchema): TableSchema {
  const given: readonly LakeField[] = schema.fields;
  if (!isList(given) || given.length === 0) {
    throw new LakeDataError('schema: a table needs at least one column');
  }
  const seen = new Set<string>();
  const fields = given.map((field, index): LakeField => {
    const where = `schema.fields[${index}]`;
    if (typeof field.name !== 'string' || field.name === '') {
      throw new LakeDataError(`${where}.name: a column name must be a non-empty string`);
    }
    if (INVALID_NAME_CHARS.test(field.name)) {
      throw new LakeDataError(
        `${where}.name: column '${field.name}' contains one of " ,;{}()\\n\\t=", which Delta tables without column mapping do not allow`,
      );
    }
    // PROTOCOL.md: "All column names must be unique regardless of casing."
    const folded = field.name.toLowerCase();
    if (seen.has(folded)) {
      throw new LakeDataError(
        `${where}.name: column '${field.name}' appears twice (names are case-insensitive)`,
      );
    }
    seen.add(folded);
    if (!isLakeType(field.type)) {
      throw new LakeDataError(
        `${where}.type: '${String(field.type)}' is not one of ${LAKE_TYPES.join(', ')}`,
      );
    }
    if (field.nullable !== undefined && typeof field.nullable !== 'boolean') {
      throw new LakeDataError(`${where}.nullable: must be a boolean`);
    }
    return {
      name: field.name,
      type: field.type,
      nullable: field.nullable ?? true,
      metadata: { ...(field.metadata ?? {}) },
    };
  });
  return { fields };
}

/** The Delta `schemaString` for a schema (one JSON line). */
export function toDeltaSchemaString(schema: TableSchema): string {
  const fields: DeltaStructField[] = schema.fields.map((field) => ({
    name: field.name,
    type: field.type,
    nullable: field.nullable ?? true,
    metadata: { ...(field.metadata ?? {}) },
  }));
  return JSON.stringify({ type: 'struct', fields });
}

/** Parses a Delta `schemaString`; types outside Pitwall's set are unsupported. */
export function parseDeltaSchemaString(schemaString: string): TableSchema {
  let parsed: unknown;
  try {
    parsed = JSON.parse(schemaString);
  } catch (cause) {
    throw new LakeUnsupportedError('metaData.schemaString is not valid JSON', { cause });
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !('type' in parsed) ||
    parsed.type !== 'struct' ||
    !('fields' in parsed) ||
    !Array.isArray(parsed.fields)
  ) {
    throw new LakeUnsupportedError('metaData.schemaString is not a Delta struct type');
  }
  const fields = (parsed.fields as unknown[]).map((raw, index): LakeField => {
    const field = raw as Partial<DeltaStructField>;
    if (typeof field.name !== 'string') {
      throw new LakeUnsupportedError(`metaData.schemaString: field ${index} has no name`);
    }
    if (!isLakeType(field.type)) {
      const shown = typeof field.type === 'string' ? field.type : JSON.stringify(field.type);
      throw new LakeUnsupportedError(
        `column '${field.name}' has Delta type ${shown}; Pitwall reads only ${LAKE_TYPES.join(', ')}`,
      );
    }
    return {
      name: field.name,
      type: field.type,
      nullable: field.nullable ?? true,
      metadata: field.metadata ?? {},
    };
  });
  return { fields };
}

/** Double-quotes an SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Single-quotes an SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `CREATE TABLE` column list for the given fields, e.g. `"a" BIGINT, "b" VARCHAR`. */
export function duckDbColumnList(fields: readonly LakeField[]): string {
  return fields.map((f) => `${quoteIdentifier(f.name)} ${DUCKDB_TYPES[f.type]}`).join(', ');
}

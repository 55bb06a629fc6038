// Any table → a feature matrix and labels, read by DuckDB: Parquet or CSV files. Numeric
// and boolean columns become features (as doubles, null → NaN); the label column is read
// as text; other columns (text ids, timestamps) are left out and reported.
import { existsSync } from 'node:fs';
import { IoError, MlError } from '../../errors.js';
import { DuckDbEngine } from '../../lake/duckdb-engine.js';
import { quoteIdentifier, quoteLiteral } from '../../lake/schema.js';
import type { FeatureMatrix } from './matrix.js';

export interface ReadTableOptions {
  /** The label column (read as text; a null label is an error). */
  readonly label: string;
  /** Feature columns, in this order; default every numeric column but the label and `exclude`. */
  readonly features?: readonly string[];
  /** Columns never used as features. */
  readonly exclude?: readonly string[];
  /** A column to read beside (as text), such as a session id to split by. */
  readonly group?: string;
  /** A DuckDB engine to use; by default one is started and closed. */
  readonly engine?: DuckDbEngine;
}

export interface TableData {
  /** Column-major, one column per feature. */
  readonly X: FeatureMatrix;
  readonly y: string[];
  readonly features: readonly string[];
  /** Columns neither features nor label, with their DuckDB types. */
  readonly skipped: readonly { readonly name: string; readonly type: string }[];
  /** The `group` column's values, when asked for. */
  readonly groups?: string[];
}

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|BOOLEAN)$/;

/** The DuckDB scan of a file by its extension. */
export function tableScanSql(file: string): string {
  const lower = file.toLowerCase();
  if (lower.endsWith('.parquet') || lower.endsWith('.pq')) {
    return `read_parquet(${quoteLiteral(file)})`;
  }
  if (/\.(csv|tsv|txt)(\.gz|\.zst)?$/.test(lower)) return `read_csv_auto(${quoteLiteral(file)})`;
  throw new MlError(`cannot tell the format of ${file}: use a .parquet or .csv file`);
}

/**
 * Reads a table file into a feature matrix and labels.
 *
 * @example
 * const { X, y, features } = await readTableData('train.parquet', { label: 'label', exclude: ['window_seconds'] });
 */
export async function readTableData(file: string, options: ReadTableOptions): Promise<TableData> {
  if (!existsSync(file)) throw new IoError(`no such file: ${file}`);
  const scan = tableScanSql(file);
  const engine = options.engine ?? new DuckDbEngine();
  try {
    return await engine.withConnection(async (connection) => {
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${scan}`);
      const columns = described.getRowObjects().map((row) => ({
        name: String(row.column_name),
        type: String(row.column_type),
      }));
      const names = columns.map((c) => c.name);
      const need = (name: string, what: string): void => {
        if (!names.includes(name)) {
          throw new MlError(
            `${file} has no ${what} column "${name}" (columns: ${names.join(', ')})`,
          );
        }
      };
      need(options.label, 'label');
      if (options.group !== undefined) need(options.group, 'group');
      const excluded = new Set([options.label, ...(options.exclude ?? [])]);
      if (options.group !== undefined) excluded.add(options.group);
      let features: string[];
      if (options.features !== undefined) {
        for (const name of options.features) {
          need(name, 'feature');
          const type = columns.find((c) => c.name === name)!.type;
          if (!NUMERIC_TYPE.test(type)) {
            throw new MlError(
              `feature column "${name}" is ${type}: features must be numeric or boolean`,
            );
          }
          if (name === options.label)
            throw new MlError(`"${name}" is the label: it cannot be a feature too`);
        }
        features = [...options.features];
      } else {
        features = columns
          .filter((c) => !excluded.has(c.name) && NUMERIC_TYPE.test(c.type))
          .map((c) => c.name);
      }
      if (features.length === 0) {
        throw new MlError(
          `${file} has no numeric feature columns besides the label "${options.label}"`,
        );
      }
      const featureSet = new Set(features);
      const skipped = columns.filter(
        (c) => !featureSet.has(c.name) && c.name !== options.label && c.name !== options.group,
      );
      const counted = await connection.runAndReadAll(`SELECT count(*) FROM ${scan}`);
      const rows = Number(counted.getRows()[0]![0]);
      const select = [
        ...features.map((name) => `CAST(${quoteIdentifier(name)} AS DOUBLE)`),
        `CAST(${quoteIdentifier(options.label)} AS VARCHAR)`,
        ...(options.group === undefined
          ? []
          : [`CAST(${quoteIdentifier(options.group)} AS VARCHAR)`]),
      ];
      const result = await connection.stream(`SELECT ${select.join(', ')} FROM ${scan}`);
      const F = features.length;
      const data = new Float64Array(rows * F);
      const y = new Array<string>(rows);
      const groups = options.group === undefined ? undefined : new Array<string>(rows);
      let at = 0;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) break;
        const n = chunk.rowCount;
        if (at + n > rows) throw new MlError(`${file} changed while it was read`);
        for (let f = 0; f < F; f++) {
          const vector = chunk.getColumnVector(f);
          const offset = f * rows + at;
          for (let i = 0; i < n; i++) {
            const v = vector.getItem(i) as number | null;
            data[offset + i] = v === null ? Number.NaN : v;
          }
        }
        const labels = chunk.getColumnVector(F);
        for (let i = 0; i < n; i++) {
          const label = labels.getItem(i) as string | null;
          if (label === null) {
            throw new MlError(
              `${file} row ${at + i + 1} has no label (column "${options.label}" is null): drop unlabelled rows first`,
            );
          }
          y[at + i] = label;
        }
        if (groups !== undefined) {
          const vector = chunk.getColumnVector(F + 1);
          for (let i = 0; i < n; i++) groups[at + i] = String(vector.getItem(i));
        }
        at += n;
      }
      if (at !== rows) throw new MlError(`${file} changed while it was read`);
      return {
        X: { rows, cols: F, data, layout: 'column-major', columns: features },
        y,
        features,
        skipped,
        ...(groups === undefined ? {} : { groups }),
      };
    });
  } finally {
    if (options.engine === undefined) engine.close();
  }
}

/** The given rows of a matrix, as a new matrix of the same layout and columns. */
export function takeRows(X: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const n = rows.length;
  const data = new Float64Array(n * X.cols);
  if (X.layout === 'column-major') {
    for (let c = 0; c < X.cols; c++) {
      const from = c * X.rows;
      const to = c * n;
      for (let i = 0; i < n; i++) data[to + i] = X.data[from + rows[i]!]!;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const from = rows[i]! * X.cols;
      for (let c = 0; c < X.cols; c++) data[i * X.cols + c] = X.data[from + c]!;
    }
  }
  return {
    rows: n,
    cols: X.cols,
    data,
    ...(X.layout === undefined ? {} : { layout: X.layout }),
    ...(X.columns === undefined ? {} : { columns: X.columns }),
  };
}

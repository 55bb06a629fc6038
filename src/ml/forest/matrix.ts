// The forest's input: a dense rows × cols matrix of numbers in one typed array, with
// optional column names. NaN marks a missing value; infinities are refused at fit.
import { MlError } from '../../errors.js';

export const MATRIX_LAYOUTS = ['row-major', 'column-major'] as const;
export type MatrixLayout = (typeof MATRIX_LAYOUTS)[number];

/**
 * A dense feature matrix. Row-major (the default): row r, column c at `data[r * cols + c]`;
 * column-major: at `data[c * rows + r]` (what a columnar reader produces without a copy).
 */
export interface FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array | Float32Array;
  readonly layout?: MatrixLayout;
  /** Feature names, one per column. */
  readonly columns?: readonly string[];
}

/** Index steps of a matrix: value (r, c) is at `data[r * rowStride + c * colStride]`. */
export interface MatrixStrides {
  readonly rowStride: number;
  readonly colStride: number;
}

export function matrixStrides(matrix: FeatureMatrix): MatrixStrides {
  return matrix.layout === 'column-major'
    ? { rowStride: 1, colStride: matrix.rows }
    : { rowStride: matrix.cols, colStride: 1 };
}

/**
 * A row-major matrix from arrays of numbers (`null`/`undefined` become NaN, i.e. missing).
 *
 * @example
 * const X = featureMatrix([[1, 2], [3, 4]], ['speed_kmh', 'rpm']);
 */
export function featureMatrix(
  rows: readonly (ArrayLike<number | null | undefined> | undefined)[],
  columns?: readonly string[],
): FeatureMatrix {
  const cols = columns?.length ?? rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (row === undefined || row.length !== cols) {
      throw new MlError(
        `row ${r} has ${row?.length ?? 0} values, expected ${cols} (one per column)`,
      );
    }
    for (let c = 0; c < cols; c++) {
      const v = row[c];
      data[r * cols + c] = v === null || v === undefined ? Number.NaN : v;
    }
  });
  return { rows: rows.length, cols, data, ...(columns === undefined ? {} : { columns }) };
}

/** A column-major matrix from named columns of equal length (copied into one array). */
export function featureMatrixFromColumns(
  columns: Readonly<Record<string, ArrayLike<number>>> | ReadonlyMap<string, ArrayLike<number>>,
): FeatureMatrix {
  const entries: [string, ArrayLike<number>][] =
    columns instanceof Map
      ? [...(columns as ReadonlyMap<string, ArrayLike<number>>).entries()]
      : Object.entries(columns as Readonly<Record<string, ArrayLike<number>>>);
  const names = entries.map(([name]) => name);
  const rows = entries[0]?.[1].length ?? 0;
  const data = new Float64Array(rows * entries.length);
  entries.forEach(([name, values], c) => {
    if (values.length !== rows) {
      throw new MlError(`column "${name}" has ${values.length} values, expected ${rows}`);
    }
    data.set(values, c * rows);
  });
  return { rows, cols: entries.length, data, layout: 'column-major', columns: names };
}

/** Checks the shape of a matrix; `what` names it in errors ("X", "the test set"). */
export function checkMatrix(matrix: FeatureMatrix, what = 'X'): void {
  if (matrix === null || typeof matrix !== 'object') {
    throw new MlError(`${what} must be a FeatureMatrix ({ rows, cols, data })`);
  }
  const { rows, cols, data } = matrix;
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw new MlError(`${what}.rows must be a whole number >= 0, got ${String(rows)}`);
  }
  if (!Number.isSafeInteger(cols) || cols < 1) {
    throw new MlError(`${what}.cols must be a whole number >= 1, got ${String(cols)}`);
  }
  if (!(data instanceof Float64Array || data instanceof Float32Array)) {
    throw new MlError(`${what}.data must be a Float64Array or Float32Array`);
  }
  if (data.length !== rows * cols) {
    throw new MlError(
      `${what}.data holds ${data.length} values, expected rows × cols = ${rows} × ${cols} = ${rows * cols}`,
    );
  }
  if (matrix.layout !== undefined && !MATRIX_LAYOUTS.includes(matrix.layout)) {
    throw new MlError(
      `${what}.layout must be one of ${MATRIX_LAYOUTS.join(', ')}, got ${JSON.stringify(matrix.layout)}`,
    );
  }
  if (matrix.columns !== undefined) {
    if (matrix.columns.length !== cols) {
      throw new MlError(`${what}.columns names ${matrix.columns.length} columns, expected ${cols}`);
    }
    const seen = new Set<string>();
    for (const name of matrix.columns) {
      if (seen.has(name)) throw new MlError(`${what}.columns names "${name}" twice`);
      seen.add(name);
    }
  }
}

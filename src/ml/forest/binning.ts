// Quantile binning, done once per fit: every feature's values map to at most 255 bin codes
// (Uint8, row-major, in shared memory so worker threads read them without a copy), and
// split finding works on per-node histograms of those codes. NaN gets its own code.
//
// Bin edges come from the sorted distinct values: with at most `maxBins` distinct values
// every value has a bin of its own (thresholds are then exactly scikit-learn's midpoints);
// with more, edges sit at quantiles of a deterministic subsample of up to 200,000 rows (as
// scikit-learn's HistGradientBoosting does). The smallest and largest training value of
// each bin are kept, so a split between two bins gets its threshold at the midpoint of the
// gap between the values the training rows actually hold.
import { MlError } from '../../errors.js';
import { matrixStrides, type FeatureMatrix } from './matrix.js';
import { TreeRandom } from './random.js';

/** The bin code of a missing value (NaN); value codes are 0 … maxBins − 1 ≤ 254. */
export const MISSING_BIN = 255;
/** Bin slots per feature in the per-bin arrays (value bins and the missing bin). */
export const BIN_SLOTS = 256;
/** Rows sampled to place the quantile edges. */
const EDGE_SUBSAMPLE = 200_000;

export interface BinnedData {
  readonly rows: number;
  readonly cols: number;
  /** Bytes per row of `codes`: cols rounded up to a multiple of 4, so rows move as 32-bit words. */
  readonly rowBytes: number;
  /** Bin code of row r, feature f at `codes[r * rowBytes + f]`; backed by a SharedArrayBuffer. */
  readonly codes: Uint8Array;
  /** Smallest training value in bin b of feature f at `binLo[f * BIN_SLOTS + b]` (NaN if empty). */
  readonly binLo: Float64Array;
  /** Largest training value in each bin, same layout. */
  readonly binHi: Float64Array;
  /** Value bins per feature (codes 0 … nBins − 1). */
  readonly nBins: Uint16Array;
}

/** The midpoint of a < b, never equal to b (two adjacent doubles can round up to b). */
export function splitPoint(a: number, b: number): number {
  const mid = a / 2 + b / 2;
  return mid >= b ? a : mid;
}

/** Upper edges of the value bins of one feature (the last bin's edge, +∞, is implicit). */
function featureEdges(sorted: Float64Array, maxBins: number): Float64Array {
  const n = sorted.length;
  if (n === 0) return new Float64Array(0);
  const distinct: number[] = [sorted[0]!];
  for (let i = 1; i < n && distinct.length <= maxBins; i++) {
    if (sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  }
  const edges: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 1; i < distinct.length; i++)
      edges.push(splitPoint(distinct[i - 1]!, distinct[i]!));
    return Float64Array.from(edges);
  }
  for (let k = 1; k < maxBins; k++) {
    const i = Math.floor((k * n) / maxBins);
    const below = sorted[i - 1]!;
    const at = sorted[i]!;
    // Inside a run of equal values the run goes to the lower bin.
    const edge = below < at ? splitPoint(below, at) : at;
    if (edge < sorted[n - 1]! && (edges.length === 0 || edge > edges[edges.length - 1]!)) {
      edges.push(edge);
    }
  }
  return Float64Array.from(edges);
}

/**
 * Maps values to bins fast: a uniform grid of cells over the edges' range remembers, per
 * cell, the first edge at or above the cell's start, so a value needs one multiply, one
 * table read and a short forward scan (usually zero or one step) instead of a binary
 * search's eight unpredictable branches.
 */
class BinLookup {
  readonly #edges: Float64Array;
  readonly #low: number;
  readonly #scale: number;
  readonly #cells: Int32Array;

  constructor(edges: Float64Array) {
    this.#edges = edges;
    const n = edges.length;
    const cellCount = n === 0 ? 1 : Math.min(1 << 14, 16 * n);
    this.#low = n === 0 ? 0 : edges[0]!;
    const span = n === 0 ? 0 : edges[n - 1]! - edges[0]!;
    this.#scale = span > 0 ? cellCount / span : 0;
    this.#cells = new Int32Array(cellCount + 1);
    // cells[k] = the first edge ≥ the cell's lower bound (low + k / scale).
    let e = 0;
    for (let k = 0; k <= cellCount; k++) {
      const start = this.#scale > 0 ? this.#low + k / this.#scale : this.#low;
      while (e < n && edges[e]! < start) e++;
      this.#cells[k] = e;
    }
  }

  /** The index of the first edge ≥ x (edges.length when none is); x is not NaN. */
  binOf(x: number): number {
    const edges = this.#edges;
    const n = edges.length;
    if (n === 0 || x <= edges[0]!) return 0;
    if (x > edges[n - 1]!) return n;
    const k = Math.floor((x - this.#low) * this.#scale);
    // The cell's start may round either way: step back while the previous edge is ≥ x.
    let e = this.#cells[k < 0 ? 0 : k >= this.#cells.length ? this.#cells.length - 1 : k]!;
    while (e > 0 && edges[e - 1]! >= x) e--;
    while (edges[e]! < x) e++;
    return e;
  }
}

/**
 * Bins every feature of `X`. Infinite values are refused (a split between a finite value
 * and infinity has no midpoint); NaN is kept as missing.
 */
export function binMatrix(X: FeatureMatrix, maxBins: number, seed: number): BinnedData {
  const { rows, cols, data } = X;
  const { rowStride, colStride } = matrixStrides(X);
  const rowBytes = Math.ceil(cols / 4) * 4;
  const codes = new Uint8Array(new SharedArrayBuffer(rows * rowBytes));
  const binLo = new Float64Array(cols * BIN_SLOTS).fill(Number.NaN);
  const binHi = new Float64Array(cols * BIN_SLOTS).fill(Number.NaN);
  const nBins = new Uint16Array(cols);
  // One subsample of row indices shared by all features (sorted, for cache-friendly reads).
  let sampleRows: Int32Array | undefined;
  if (rows > EDGE_SUBSAMPLE) {
    const random = new TreeRandom(seed);
    const picked = new Uint8Array(rows);
    let count = 0;
    while (count < EDGE_SUBSAMPLE) {
      const r = random.int(rows);
      if (picked[r] === 0) {
        picked[r] = 1;
        count++;
      }
    }
    sampleRows = new Int32Array(EDGE_SUBSAMPLE);
    for (let r = 0, k = 0; r < rows; r++) if (picked[r] === 1) sampleRows[k++] = r;
  }
  const scratch = new Float64Array(sampleRows?.length ?? rows);
  const lookups: BinLookup[] = [];
  for (let f = 0; f < cols; f++) {
    const offset = f * colStride;
    let n = 0;
    if (sampleRows === undefined) {
      for (let r = 0; r < rows; r++) {
        const x = data[offset + r * rowStride]!;
        if (x === x) scratch[n++] = x;
      }
    } else {
      for (const r of sampleRows) {
        const x = data[offset + r * rowStride]!;
        if (x === x) scratch[n++] = x;
      }
    }
    const edges = featureEdges(scratch.subarray(0, n).sort(), maxBins);
    lookups.push(new BinLookup(edges));
    nBins[f] = edges.length + 1;
  }
  // Codes are written in blocks of rows so the row-major output stays in cache while each
  // feature's column is read.
  const BLOCK = 4096;
  for (let start = 0; start < rows; start += BLOCK) {
    const end = Math.min(rows, start + BLOCK);
    for (let f = 0; f < cols; f++) {
      const lookup = lookups[f]!;
      const offset = f * colStride;
      const base = f * BIN_SLOTS;
      for (let r = start; r < end; r++) {
        const x = data[offset + r * rowStride]!;
        let code: number;
        if (x !== x) {
          code = MISSING_BIN;
        } else {
          if (x === Infinity || x === -Infinity) {
            throw new MlError(
              `X holds an infinite value at row ${r}, column ${f}: use a finite value, or NaN for missing`,
            );
          }
          code = lookup.binOf(x);
          if (!(x >= binLo[base + code]!)) binLo[base + code] = x;
          if (!(x <= binHi[base + code]!)) binHi[base + code] = x;
        }
        codes[r * rowBytes + f] = code;
      }
    }
  }
  return { rows, cols, rowBytes, codes, binLo, binHi, nBins };
}

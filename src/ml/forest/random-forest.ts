// RandomForestClassifier: scikit-learn's random forest (bootstrap, per-split feature draws,
// Gini, class weights) on binned data, trees built in parallel on worker threads and
// stored as flat arrays for fast prediction.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { IoError, MlError } from '../../errors.js';
import { accuracy, balancedAccuracy, macroF1 } from '../metrics.js';
import { binMatrix } from './binning.js';
import {
  flattenTrees,
  NODE_BYTES,
  predictProbaOne,
  predictProbaRange,
  type FlatForest,
} from './flat-forest.js';
import { checkMatrix, matrixStrides, type FeatureMatrix } from './matrix.js';
import { decodeModel, encodeModel } from './model-format.js';
import {
  resolveForestParams,
  resolveJobs,
  resolveMaxFeatures,
  resolveMaxSamples,
  resolveSampleCount,
  type ClassWeight,
  type ForestParams,
  type RandomForestOptions,
} from './options.js';
import { buildTreesInWorkers } from './pool.js';
import { mixSeed, TreeRandom } from './random.js';
import {
  TreeBuilder,
  type TrainingSet,
  type TreeArrays,
  type TreeSettings,
} from './tree-builder.js';

export interface FitProgress {
  readonly treesDone: number;
  readonly nTrees: number;
  readonly elapsedS: number;
}

export interface FitOptions {
  /** Per-row weights (scikit-learn `sample_weight`), multiplied with class weights. */
  readonly sampleWeight?: ArrayLike<number>;
  /** Called after each tree (and once after binning with `treesDone: 0`). */
  readonly onProgress?: (progress: FitProgress) => void;
}

export const PERMUTATION_SCORINGS = ['accuracy', 'balanced_accuracy', 'macro_f1'] as const;
export type PermutationScoring = (typeof PERMUTATION_SCORINGS)[number];

export interface PermutationImportanceOptions {
  /** Shuffles per feature (scikit-learn `n_repeats`). Default 5. */
  readonly nRepeats?: number;
  /** Seed of the shuffles. Default 0. */
  readonly randomState?: number;
  /** Default `'accuracy'`. */
  readonly scoring?: PermutationScoring;
}

export interface PermutationImportance {
  readonly scoring: PermutationScoring;
  /** The score on the unshuffled data. */
  readonly baseline: number;
  /** Per feature: mean drop of the score when that feature's column is shuffled. */
  readonly importancesMean: Float64Array;
  readonly importancesStd: Float64Array;
  /** Per feature, the drop of each repeat. */
  readonly importances: readonly Float64Array[];
  readonly featureNames: readonly string[] | null;
}

interface Trained {
  readonly classes: readonly string[];
  readonly featureNames: readonly string[] | null;
  readonly forest: FlatForest;
  readonly featureImportances: Float64Array;
  readonly treeDepth: Int32Array;
}

interface Prepared {
  readonly set: TrainingSet;
  readonly settings: TreeSettings;
  readonly seeds: number[];
  readonly classes: string[];
}

/** Labels sorted as scikit-learn's `classes_` (np.unique: by code unit here). */
function sortedClasses(y: readonly string[]): string[] {
  return [...new Set(y)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function checkLabels(y: readonly string[], rows: number, what = 'y'): void {
  if (!Array.isArray(y)) throw new MlError(`${what} must be an array of label strings`);
  if (y.length !== rows) {
    throw new MlError(`${what} has ${y.length} labels but X has ${rows} rows`);
  }
  for (let i = 0; i < y.length; i++) {
    if (typeof y[i] !== 'string') {
      throw new MlError(
        `${what}[${i}] is ${JSON.stringify(y[i]) ?? typeof y[i]}: labels must be strings`,
      );
    }
  }
}

/** Class weights in class order (scikit-learn's compute_class_weight). */
export function classWeights(
  weight: ClassWeight,
  classes: readonly string[],
  yIndex: Uint16Array,
): Float64Array {
  const out = new Float64Array(classes.length).fill(1);
  if (weight === null) return out;
  if (weight === 'balanced') {
    const counts = new Float64Array(classes.length);
    for (const c of yIndex) counts[c]! += 1;
    for (let c = 0; c < classes.length; c++) {
      out[c] = yIndex.length / (classes.length * counts[c]!);
    }
    return out;
  }
  for (const [label, w] of Object.entries(weight)) {
    const c = classes.indexOf(label);
    if (c < 0) {
      throw new MlError(
        `classWeight names label "${label}", which is not in y (labels: ${classes.join(', ')})`,
      );
    }
    out[c] = w;
  }
  return out;
}

/**
 * A random-forest classifier with scikit-learn's parameters and meanings (see docs/ml.md for
 * the differences). Trees are trained on worker threads.
 *
 * @example
 * const forest = new RandomForestClassifier({ nEstimators: 300, maxDepth: 12, classWeight: 'balanced', randomState: 42 });
 * await forest.fit(featureMatrix(rows, names), labels);
 * const style = forest.predictRow([0.4, 2100, ...]);
 * await forest.save('driving-style.pwrf');
 */
export class RandomForestClassifier {
  readonly params: ForestParams;
  /** String pairs saved with the model (data version, run id, …). */
  metadata: Record<string, string> = {};
  #trained: Trained | undefined;
  #rowOut = new Float64Array(0);

  constructor(options: RandomForestOptions = {}) {
    this.params = resolveForestParams(options);
  }

  /** Trains the forest, trees on `nJobs` worker threads (1: in this thread). */
  async fit(X: FeatureMatrix, y: readonly string[], options: FitOptions = {}): Promise<this> {
    const started = performance.now();
    const prepared = this.#prepare(X, y, options);
    const progress = (treesDone: number): void =>
      options.onProgress?.({
        treesDone,
        nTrees: prepared.seeds.length,
        elapsedS: (performance.now() - started) / 1000,
      });
    progress(0);
    const jobs = resolveJobs(this.params.nJobs, prepared.seeds.length);
    let trees: TreeArrays[];
    if (jobs === 1) {
      trees = this.#buildHere(prepared, progress);
    } else {
      let done = 0;
      trees = await buildTreesInWorkers(
        { set: prepared.set, settings: prepared.settings },
        prepared.seeds,
        jobs,
        () => progress(++done),
      );
    }
    this.#finish(prepared, X, trees);
    return this;
  }

  /** Trains the forest in this thread, whatever `nJobs` says (same forest as `fit`). */
  fitSync(X: FeatureMatrix, y: readonly string[], options: FitOptions = {}): this {
    const started = performance.now();
    const prepared = this.#prepare(X, y, options);
    const trees = this.#buildHere(prepared, (treesDone) =>
      options.onProgress?.({
        treesDone,
        nTrees: prepared.seeds.length,
        elapsedS: (performance.now() - started) / 1000,
      }),
    );
    this.#finish(prepared, X, trees);
    return this;
  }

  #buildHere(prepared: Prepared, progress: (treesDone: number) => void): TreeArrays[] {
    const builder = new TreeBuilder(prepared.set, prepared.settings);
    return prepared.seeds.map((seed, k) => {
      const tree = builder.build(seed);
      progress(k + 1);
      return tree;
    });
  }

  #prepare(X: FeatureMatrix, y: readonly string[], options: FitOptions): Prepared {
    checkMatrix(X);
    checkLabels(y, X.rows);
    if (X.rows < 2) throw new MlError(`X has ${X.rows} rows: a forest needs at least 2`);
    const p = this.params;
    const classes = sortedClasses(y);
    if (classes.length > 65535)
      throw new MlError(`y has ${classes.length} distinct labels (at most 65,535)`);
    const classIndex = new Map(classes.map((c, k) => [c, k]));
    const yIndex = new Uint16Array(new SharedArrayBuffer(X.rows * 2));
    for (let i = 0; i < X.rows; i++) yIndex[i] = classIndex.get(y[i]!)!;
    const perClass = classWeights(p.classWeight, classes, yIndex);
    const rowWeight = new Float64Array(new SharedArrayBuffer(X.rows * 8));
    const sw = options.sampleWeight;
    if (sw !== undefined && sw.length !== X.rows) {
      throw new MlError(`sampleWeight has ${sw.length} values but X has ${X.rows} rows`);
    }
    for (let i = 0; i < X.rows; i++) {
      const w = sw === undefined ? 1 : sw[i]!;
      if (!(w >= 0 && Number.isFinite(w))) {
        throw new MlError(`sampleWeight[${i}] is ${w}: weights must be finite and >= 0`);
      }
      rowWeight[i] = perClass[yIndex[i]!]! * w;
    }
    const baseSeed = p.randomState ?? randomBytes(4).readUInt32LE(0);
    const binned = binMatrix(X, p.maxBins, mixSeed(baseSeed, 0x62696e73));
    const set: TrainingSet = {
      rows: X.rows,
      cols: X.cols,
      nClasses: classes.length,
      rowBytes: binned.rowBytes,
      codes: binned.codes,
      y: yIndex,
      rowWeight,
      binLo: binned.binLo,
      binHi: binned.binHi,
      nBins: binned.nBins,
    };
    const minSamplesLeaf = resolveSampleCount(p.minSamplesLeaf, X.rows, 1);
    const settings: TreeSettings = {
      maxDepth: p.maxDepth ?? Number.POSITIVE_INFINITY,
      maxFeatures: resolveMaxFeatures(p.maxFeatures, X.cols),
      // scikit-learn: min_samples_split = max(min_samples_split, 2 * min_samples_leaf).
      minSamplesSplit: Math.max(
        resolveSampleCount(p.minSamplesSplit, X.rows, 2),
        2 * minSamplesLeaf,
      ),
      minSamplesLeaf,
      minImpurityDecrease: p.minImpurityDecrease,
      bootstrap: p.bootstrap,
      nDraws: p.bootstrap ? resolveMaxSamples(p.maxSamples, X.rows) : X.rows,
    };
    const seeds = Array.from({ length: p.nEstimators }, (_, t) => mixSeed(baseSeed, t + 1));
    return { set, settings, seeds, classes };
  }

  #finish(prepared: Prepared, X: FeatureMatrix, trees: readonly TreeArrays[]): void {
    const F = X.cols;
    const forest = flattenTrees(trees, prepared.classes.length, F);
    // scikit-learn: each tree's importances normalised to sum 1; the mean over trees with
    // a split, normalised again.
    const importances = new Float64Array(F);
    let counted = 0;
    for (const tree of trees) {
      if (tree.nodeCount <= 1) continue;
      let sum = 0;
      for (let f = 0; f < F; f++) sum += tree.importances[f]!;
      if (sum <= 0) continue;
      for (let f = 0; f < F; f++) importances[f]! += tree.importances[f]! / sum;
      counted++;
    }
    let total = 0;
    for (let f = 0; f < F; f++) total += importances[f]!;
    if (counted > 0 && total > 0) for (let f = 0; f < F; f++) importances[f]! /= total;
    this.#trained = {
      classes: prepared.classes,
      featureNames: X.columns === undefined ? null : [...X.columns],
      forest,
      featureImportances: importances,
      treeDepth: Int32Array.from(trees, (t) => t.depth),
    };
  }

  #model(): Trained {
    if (this.#trained === undefined) {
      throw new MlError(
        'this RandomForestClassifier is not fitted yet: call fit() or load a model',
      );
    }
    return this.#trained;
  }

  get isFitted(): boolean {
    return this.#trained !== undefined;
  }

  /** Labels in the order of `predictProba`'s columns. */
  get classes(): readonly string[] {
    return this.#model().classes;
  }

  get nFeatures(): number {
    return this.#model().forest.nFeatures;
  }

  /** Column names seen at fit, or null when X had none. */
  get featureNames(): readonly string[] | null {
    return this.#model().featureNames;
  }

  /** Impurity-based importances (mean decrease in impurity), summing to 1. */
  get featureImportances(): Float64Array {
    return this.#model().featureImportances.slice();
  }

  /** Node count, leaf count and depth of each tree. */
  get treeStats(): {
    nTrees: number;
    nodes: number;
    leaves: number;
    depthMean: number;
    depthMax: number;
  } {
    const { forest, treeDepth } = this.#model();
    let depthSum = 0;
    let depthMax = 0;
    for (const d of treeDepth) {
      depthSum += d;
      depthMax = Math.max(depthMax, d);
    }
    return {
      nTrees: forest.treeRoot.length,
      nodes: forest.nodes.byteLength / NODE_BYTES,
      leaves: forest.leafValues.length / forest.nClasses,
      depthMean: depthSum / treeDepth.length,
      depthMax,
    };
  }

  #checkInput(X: FeatureMatrix): Trained {
    const model = this.#model();
    checkMatrix(X);
    if (X.cols !== model.forest.nFeatures) {
      throw new MlError(
        `X has ${X.cols} columns but the model was trained on ${model.forest.nFeatures}`,
      );
    }
    if (X.columns !== undefined && model.featureNames !== null) {
      const k = X.columns.findIndex((name, i) => name !== model.featureNames![i]);
      if (k >= 0) {
        throw new MlError(
          `X column ${k} is "${X.columns[k]}" but the model expects "${model.featureNames[k]}" there (same features, same order)`,
        );
      }
    }
    return model;
  }

  /** Class probabilities, `rows × classes.length`, row-major (mean of the trees' leaf distributions). */
  predictProba(X: FeatureMatrix): Float64Array {
    const { forest } = this.#checkInput(X);
    const out = new Float64Array(X.rows * forest.nClasses);
    predictProbaRange(forest, X, 0, X.rows, out);
    return out;
  }

  /** Index into `classes` of the most probable class of each row (the first on ties). */
  predictIndices(X: FeatureMatrix): Uint16Array {
    const C = this.#model().forest.nClasses;
    return argmaxRows(this.predictProba(X), X.rows, C);
  }

  /** The most probable label of each row. */
  predict(X: FeatureMatrix): string[] {
    const classes = this.classes;
    return Array.from(this.predictIndices(X), (k) => classes[k]!);
  }

  /**
   * Probabilities for one row (`row[f]` = feature f, NaN = missing) into `out` (a fresh array
   * when omitted). Allocation-free with `out`: the live path's call.
   */
  predictProbaRow(row: ArrayLike<number>, out?: Float64Array): Float64Array {
    const { forest } = this.#model();
    if (row.length !== forest.nFeatures) {
      throw new MlError(
        `the row has ${row.length} values but the model was trained on ${forest.nFeatures} features`,
      );
    }
    const target = out ?? new Float64Array(forest.nClasses);
    if (target.length < forest.nClasses) {
      throw new MlError(
        `out holds ${target.length} values, fewer than the ${forest.nClasses} classes`,
      );
    }
    return predictProbaOne(forest, row, target);
  }

  /** The most probable label of one row. */
  predictRow(row: ArrayLike<number>): string {
    const { forest, classes } = this.#model();
    if (this.#rowOut.length !== forest.nClasses) this.#rowOut = new Float64Array(forest.nClasses);
    const p = this.predictProbaRow(row, this.#rowOut);
    let best = 0;
    for (let c = 1; c < forest.nClasses; c++) if (p[c]! > p[best]!) best = c;
    return classes[best]!;
  }

  /**
   * Permutation importance (scikit-learn's `permutation_importance`): for each feature, the
   * drop in score when its column is shuffled, over `nRepeats` shuffles.
   */
  permutationImportance(
    X: FeatureMatrix,
    y: readonly string[],
    options: PermutationImportanceOptions = {},
  ): PermutationImportance {
    const model = this.#checkInput(X);
    checkLabels(y, X.rows);
    const nRepeats = options.nRepeats ?? 5;
    const scoring = options.scoring ?? 'accuracy';
    if (!Number.isSafeInteger(nRepeats) || nRepeats < 1) {
      throw new MlError(`nRepeats must be a whole number >= 1, got ${String(nRepeats)}`);
    }
    if (!PERMUTATION_SCORINGS.includes(scoring)) {
      throw new MlError(
        `scoring must be one of ${PERMUTATION_SCORINGS.join(', ')}, got ${String(scoring)}`,
      );
    }
    const score = (pred: Uint16Array): number => {
      const labels = Array.from(pred, (k) => model.classes[k]!);
      return scoring === 'accuracy'
        ? accuracy(y, labels)
        : scoring === 'balanced_accuracy'
          ? balancedAccuracy(y, labels)
          : macroF1(y, labels);
    };
    // A row-major copy whose columns can be shuffled in place.
    const { rows, cols } = X;
    const { rowStride, colStride } = matrixStrides(X);
    const data = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) data[r * cols + c] = X.data[r * rowStride + c * colStride]!;
    }
    const work: FeatureMatrix = { rows, cols, data };
    const proba = new Float64Array(rows * model.forest.nClasses);
    const predict = (): Uint16Array => {
      predictProbaRange(model.forest, work, 0, rows, proba);
      return argmaxRows(proba, rows, model.forest.nClasses);
    };
    const baseline = score(predict());
    const random = new TreeRandom(mixSeed(options.randomState ?? 0, 0x7065726d));
    const column = new Float64Array(rows);
    const importances: Float64Array[] = [];
    const mean = new Float64Array(cols);
    const std = new Float64Array(cols);
    for (let f = 0; f < cols; f++) {
      for (let r = 0; r < rows; r++) column[r] = data[r * cols + f]!;
      const drops = new Float64Array(nRepeats);
      for (let k = 0; k < nRepeats; k++) {
        const shuffled = column.slice();
        for (let i = rows - 1; i > 0; i--) {
          const j = random.int(i + 1);
          const t = shuffled[i]!;
          shuffled[i] = shuffled[j]!;
          shuffled[j] = t;
        }
        for (let r = 0; r < rows; r++) data[r * cols + f] = shuffled[r]!;
        drops[k] = baseline - score(predict());
      }
      for (let r = 0; r < rows; r++) data[r * cols + f] = column[r]!;
      let m = 0;
      for (const d of drops) m += d;
      m /= nRepeats;
      let v = 0;
      for (const d of drops) v += (d - m) ** 2;
      mean[f] = m;
      std[f] = Math.sqrt(v / nRepeats);
      importances.push(drops);
    }
    return {
      scoring,
      baseline,
      importancesMean: mean,
      importancesStd: std,
      importances,
      featureNames: model.featureNames,
    };
  }

  /** The model file's bytes (format in docs/ml.md, "Model file"). */
  toBuffer(): Buffer {
    const model = this.#model();
    return encodeModel({
      classes: model.classes,
      featureNames: model.featureNames,
      params: this.params,
      metadata: this.metadata,
      forest: model.forest,
      featureImportances: model.featureImportances,
      treeDepth: model.treeDepth,
    });
  }

  /** A model from a model file's bytes; predictions are identical to the saved model's. */
  static fromBuffer(bytes: Uint8Array): RandomForestClassifier {
    const contents = decodeModel(bytes);
    const forest = new RandomForestClassifier(contents.params);
    forest.metadata = { ...contents.metadata };
    forest.#trained = {
      classes: contents.classes,
      featureNames: contents.featureNames,
      forest: contents.forest,
      featureImportances: contents.featureImportances,
      treeDepth: contents.treeDepth,
    };
    return forest;
  }

  /** Writes the model file (to a temporary name first, then renamed into place). */
  async save(file: string): Promise<void> {
    const bytes = this.toBuffer();
    const temp = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(path.dirname(path.resolve(file)), { recursive: true });
      await writeFile(temp, bytes);
      await rename(temp, file);
    } catch (error) {
      throw new IoError(
        `cannot write model ${file}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Reads a model file written by `save` or `toBuffer`. */
  static async load(file: string): Promise<RandomForestClassifier> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new IoError(
        `cannot read model ${file}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    try {
      return RandomForestClassifier.fromBuffer(bytes);
    } catch (error) {
      if (error instanceof MlError)
        throw new MlError(`${file}: ${error.message}`, { cause: error });
      throw error;
    }
  }
}

/** Row-wise argmax of a `rows × C` matrix (first maximum on ties, as numpy's argmax). */
export function argmaxRows(proba: Float64Array, rows: number, C: number): Uint16Array {
  const out = new Uint16Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    let best = 0;
    for (let c = 1; c < C; c++) if (proba[o + c]! > proba[o + best]!) best = c;
    out[r] = best;
  }
  return out;
}

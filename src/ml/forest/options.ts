// RandomForestClassifier options: scikit-learn's names in camelCase and, where JavaScript
// can express them, scikit-learn's meanings. Validated once, where they enter; unknown keys
// are refused and every error names the option.
import { availableParallelism } from 'node:os';
import { MlError } from '../../errors.js';

export type MaxFeatures = 'sqrt' | 'log2' | 'all' | number | null;
export type ClassWeight = 'balanced' | Readonly<Record<string, number>> | null;

export interface RandomForestOptions {
  /** Trees in the forest (scikit-learn `n_estimators`). Default 100. */
  readonly nEstimators?: number;
  /** Maximum depth of a tree (the root is depth 0); `null` grows until leaves are pure. Default null. */
  readonly maxDepth?: number | null;
  /**
   * Features drawn at each split: `'sqrt'` (default), `'log2'`, `'all'` or `null` (every
   * feature), a whole number ≥ 1 (a count) or a number in (0, 1) (a fraction of the
   * features, at least one). scikit-learn's float `1.0` is `'all'` here.
   */
  readonly maxFeatures?: MaxFeatures;
  /** Fewest samples a node needs to be split: a whole number ≥ 2, or a fraction in (0, 1). Default 2. */
  readonly minSamplesSplit?: number;
  /** Fewest samples each leaf must keep: a whole number ≥ 1, or a fraction in (0, 1). Default 1. */
  readonly minSamplesLeaf?: number;
  /** A split must lower the weighted impurity by at least this much (scikit-learn's formula). Default 0. */
  readonly minImpurityDecrease?: number;
  /** Trees see bootstrap samples (drawn with replacement) rather than every row. Default true. */
  readonly bootstrap?: boolean;
  /** Bootstrap draws per tree: a whole number ≥ 1, or a fraction of the rows in (0, 1); `null` = as many as rows. Default null. */
  readonly maxSamples?: number | null;
  /**
   * `'balanced'`: weight of class c = nSamples / (nClasses × count(c)), computed once on the
   * training labels; a map label → weight (missing labels weigh 1); `null` (default): all 1.
   */
  readonly classWeight?: ClassWeight;
  /** Seed; the same seed and data give the same forest for any `nJobs`. `null`: a random seed. */
  readonly randomState?: number | null;
  /** Worker threads building trees; 1 builds in the calling thread, -1 or unset uses every core. */
  readonly nJobs?: number;
  /** Histogram bins per feature for split finding, 2–255. Default 255. */
  readonly maxBins?: number;
}

/** The options as a trained model records them (JSON-safe, every default filled in). */
export interface ForestParams {
  readonly nEstimators: number;
  readonly maxDepth: number | null;
  readonly maxFeatures: MaxFeatures;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  readonly minImpurityDecrease: number;
  readonly bootstrap: boolean;
  readonly maxSamples: number | null;
  readonly classWeight: ClassWeight;
  readonly randomState: number | null;
  readonly nJobs: number;
  readonly maxBins: number;
}

export const DEFAULT_FOREST_PARAMS = {
  nEstimators: 100,
  maxDepth: null,
  maxFeatures: 'sqrt',
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  minImpurityDecrease: 0,
  bootstrap: true,
  maxSamples: null,
  classWeight: null,
  randomState: null,
  nJobs: -1,
  maxBins: 255,
} as const satisfies ForestParams;

const KNOWN = new Set<string>(Object.keys(DEFAULT_FOREST_PARAMS));

function isWhole(x: unknown, min: number): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
}

function isFraction(x: unknown): x is number {
  return typeof x === 'number' && x > 0 && x < 1;
}

function bad(option: string, expectation: string, got: unknown): MlError {
  return new MlError(`${option} must be ${expectation}, got ${JSON.stringify(got) ?? String(got)}`);
}

/** Fills in defaults and checks every option; throws MlError naming the first bad one. */
export function resolveForestParams(options: RandomForestOptions = {}): ForestParams {
  if (options === null || typeof options !== 'object') {
    throw new MlError('RandomForestClassifier options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new MlError(
        `unknown RandomForestClassifier option "${key}" (known: ${[...KNOWN].join(', ')})`,
      );
    }
  }
  const p: ForestParams = { ...DEFAULT_FOREST_PARAMS, ...stripUndefined(options) };
  if (!isWhole(p.nEstimators, 1)) throw bad('nEstimators', 'a whole number >= 1', p.nEstimators);
  if (p.maxDepth !== null && !isWhole(p.maxDepth, 1)) {
    throw bad('maxDepth', 'a whole number >= 1 or null', p.maxDepth);
  }
  const mf = p.maxFeatures;
  if (!(
    mf === null ||
    mf === 'sqrt' ||
    mf === 'log2' ||
    mf === 'all' ||
    isWhole(mf, 1) ||
    isFraction(mf)
  )) {
    throw bad(
      'maxFeatures',
      "'sqrt', 'log2', 'all', null, a whole number >= 1 or a fraction in (0, 1)",
      mf,
    );
  }
  if (!(isWhole(p.minSamplesSplit, 2) || isFraction(p.minSamplesSplit))) {
    throw bad('minSamplesSplit', 'a whole number >= 2 or a fraction in (0, 1)', p.minSamplesSplit);
  }
  if (!(isWhole(p.minSamplesLeaf, 1) || isFraction(p.minSamplesLeaf))) {
    throw bad('minSamplesLeaf', 'a whole number >= 1 or a fraction in (0, 1)', p.minSamplesLeaf);
  }
  if (!(typeof p.minImpurityDecrease === 'number' && p.minImpurityDecrease >= 0)) {
    throw bad('minImpurityDecrease', 'a number >= 0', p.minImpurityDecrease);
  }
  if (typeof p.bootstrap !== 'boolean') throw bad('bootstrap', 'true or false', p.bootstrap);
  if (p.maxSamples !== null && !(isWhole(p.maxSamples, 1) || isFraction(p.maxSamples))) {
    throw bad('maxSamples', 'a whole number >= 1, a fraction in (0, 1) or null', p.maxSamples);
  }
  if (p.maxSamples !== null && !p.bootstrap) {
    throw new MlError(
      'maxSamples needs bootstrap: true (without bootstrap every tree sees all rows)',
    );
  }
  checkClassWeight(p.classWeight);
  if (p.randomState !== null && !isWhole(p.randomState, 0)) {
    throw bad('randomState', 'a whole number >= 0 or null', p.randomState);
  }
  if (!(p.nJobs === -1 || isWhole(p.nJobs, 1))) {
    throw bad('nJobs', 'a whole number >= 1, or -1 for every core', p.nJobs);
  }
  if (!(isWhole(p.maxBins, 2) && p.maxBins <= 255)) {
    throw bad('maxBins', 'a whole number between 2 and 255', p.maxBins);
  }
  return p;
}

function stripUndefined(options: RandomForestOptions): Partial<ForestParams> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out;
}

function checkClassWeight(weight: ClassWeight): void {
  if (weight === null || weight === 'balanced') return;
  if (typeof weight !== 'object' || Array.isArray(weight)) {
    throw bad('classWeight', "'balanced', a map of label to weight, or null", weight);
  }
  for (const [label, w] of Object.entries(weight)) {
    if (!(typeof w === 'number' && Number.isFinite(w) && w >= 0)) {
      throw new MlError(`classWeight["${label}"] must be a finite number >= 0, got ${String(w)}`);
    }
  }
}

/** Features drawn per split for `nFeatures` features (scikit-learn's rounding). */
export function resolveMaxFeatures(maxFeatures: MaxFeatures, nFeatures: number): number {
  let k: number;
  if (maxFeatures === null || maxFeatures === 'all') k = nFeatures;
  else if (maxFeatures === 'sqrt') k = Math.floor(Math.sqrt(nFeatures));
  else if (maxFeatures === 'log2') k = Math.floor(Math.log2(nFeatures));
  else if (maxFeatures < 1) k = Math.floor(maxFeatures * nFeatures);
  else k = maxFeatures;
  if (k > nFeatures) {
    throw new MlError(`maxFeatures is ${k} but the data has only ${nFeatures} features`);
  }
  return Math.max(1, k);
}

/** A whole-number-or-fraction sample count against `n` rows (scikit-learn: ceil(fraction × n)). */
export function resolveSampleCount(value: number, n: number, min: number): number {
  return value < 1 ? Math.max(min, Math.ceil(value * n)) : value;
}

/** Bootstrap draws per tree. */
export function resolveMaxSamples(maxSamples: number | null, n: number): number {
  if (maxSamples === null) return n;
  if (maxSamples < 1) return Math.max(1, Math.round(maxSamples * n));
  if (maxSamples > n) {
    throw new MlError(`maxSamples is ${maxSamples} but there are only ${n} training rows`);
  }
  return maxSamples;
}

/** Worker threads for `nJobs` (-1: every core), never more than there are trees. */
export function resolveJobs(nJobs: number, nTrees: number): number {
  const cores = availableParallelism();
  return Math.max(1, Math.min(nJobs === -1 ? cores : nJobs, nTrees));
}

// What the inference engine needs from a trained model, and nothing more: class names,
// the feature columns it reads, a version, and single-row class probabilities into a
// caller's buffer. Pitwall's random forest is adapted to it (forest-model.ts); a test can
// write one by hand. `ModelSlot` holds the current model for one or many engines, so a
// hot swap is one assignment.
import { MlError } from '../errors.js';

/** The class the engine reports as `aggressiveProbability`. */
export const AGGRESSIVE_CLASS = 'aggressive';

/**
 * A driving-style classifier as the engine calls it.
 *
 * @example
 * const constant: StyleModel = {
 *   classes: ['aggressive', 'eco'],
 *   featureNames: ['rpm_mean'],
 *   version: 'hand-1',
 *   predictProbaRow: (features, out) => { out[0] = features[0]! > 3000 ? 1 : 0; out[1] = 1 - out[0]!; },
 * };
 */
export interface StyleModel {
  /** Class labels, in the order of `predictProbaRow`'s output. */
  readonly classes: readonly string[];
  /** The features the model reads, in the order of `predictProbaRow`'s input. */
  readonly featureNames: readonly string[];
  /** Shown with every prediction: a registry version, a run id, a file hash. */
  readonly version: string;
  /**
   * Writes the class probabilities of one row into `out` (length `classes.length`).
   * `features` holds `featureNames.length` values; NaN is a missing value (gold's null).
   * Must not keep either array: the engine reuses both.
   */
  predictProbaRow(features: Float64Array, out: Float64Array): void;
  /**
   * Optional: the probabilities of `count` rows at once — `rows` row-major, `count ×
   * featureNames.length`; `out` `count × classes.length` — equal to `count` calls of
   * `predictProbaRow`. The fleet scorer batches the windows of a poll through it (a forest
   * walks each tree for many rows while its nodes are in cache).
   */
  predictProbaRows?(rows: Float64Array, count: number, out: Float64Array): void;
}

/** Checks a model's shape; throws MlError naming the first problem. */
export function checkStyleModel(model: StyleModel): void {
  if (model === null || typeof model !== 'object') throw new MlError('a model must be an object');
  if (typeof model.predictProbaRow !== 'function')
    throw new MlError('the model has no predictProbaRow(features, out) method');
  if (!Array.isArray(model.classes) || model.classes.length === 0)
    throw new MlError('the model names no classes');
  if (new Set(model.classes).size !== model.classes.length)
    throw new MlError('the model repeats a class name');
  if (!Array.isArray(model.featureNames) || model.featureNames.length === 0)
    throw new MlError('the model names no features');
  if (new Set(model.featureNames).size !== model.featureNames.length)
    throw new MlError('the model repeats a feature name');
  if (typeof model.version !== 'string' || model.version === '')
    throw new MlError('the model has no version');
}

/**
 * The model engines use now, with the mapping from the engines' feature order to the
 * model's. Engines that share a slot all switch at the next window after `set`.
 */
export class ModelSlot {
  /** The feature names of the engines using this slot, in their order. */
  readonly featureNames: readonly string[];
  #model: StyleModel | undefined;
  #columns = new Int32Array(0);
  #aggressive = -1;
  #generation = 0;

  constructor(featureNames: readonly string[], model?: StyleModel) {
    this.featureNames = featureNames;
    if (model !== undefined) this.set(model);
  }

  get model(): StyleModel | undefined {
    return this.#model;
  }

  /** Model input column k is engine feature `columns[k]`. */
  get columns(): Int32Array {
    return this.#columns;
  }

  /** Index of the `aggressive` class, or −1 when the model has none. */
  get aggressiveIndex(): number {
    return this.#aggressive;
  }

  /** Changes on every `set`: engines compare it to notice a swap. */
  get generation(): number {
    return this.#generation;
  }

  /** Installs `model`; throws MlError (and keeps the previous model) if it cannot be used. */
  set(model: StyleModel): void {
    checkStyleModel(model);
    const index = new Map(this.featureNames.map((name, k) => [name, k]));
    const columns = new Int32Array(model.featureNames.length);
    model.featureNames.forEach((name, k) => {
      const at = index.get(name);
      if (at === undefined) {
        throw new MlError(
          `model ${model.version} needs feature '${name}', which the engine does not compute (gold features: src/pipeline/gold/feature-spec.ts)`,
        );
      }
      columns[k] = at;
    });
    this.#model = model;
    this.#columns = columns;
    this.#aggressive = model.classes.indexOf(AGGRESSIVE_CLASS);
    this.#generation++;
  }
}

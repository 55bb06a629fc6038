// The one integration point between Pitwall's random forest and the inference engine:
// a trained RandomForestClassifier seen as a StyleModel.
import { MlError } from '../errors.js';
import type { RandomForestClassifier } from '../ml/forest/index.js';
import type { StyleModel } from './model.js';

/**
 * A trained forest as the engine calls it. The forest must have been fitted on named
 * columns (the gold feature names): the engine feeds features by name.
 *
 * @example
 * const model = forestStyleModel(await RandomForestClassifier.load('style.pwrf'), 'style-v3');
 * const engine = new InferenceEngine({ model });
 */
export function forestStyleModel(forest: RandomForestClassifier, version: string): StyleModel {
  if (!forest.isFitted) throw new MlError('the forest is not trained');
  const featureNames = forest.featureNames;
  if (featureNames === null) {
    throw new MlError(
      'the forest was trained without column names; train it on named gold feature columns so the engine can feed it',
    );
  }
  const cols = featureNames.length;
  return {
    classes: forest.classes,
    featureNames,
    version,
    predictProbaRow(features, out) {
      forest.predictProbaRow(features, out);
    },
    predictProbaRows(rows, count, out) {
      if (count === 0) return;
      out.set(forest.predictProba({ rows: count, cols, data: rows.subarray(0, count * cols) }));
    },
  };
}

// Bad input to the forest gets one clear MlError naming what is wrong.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MlError } from '../../src/errors.js';
import {
  featureMatrix,
  RandomForestClassifier,
  type RandomForestOptions,
} from '../../src/ml/index.js';
import { separable } from './forest-data.js';

function throwsMl(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MlError, `an MlError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return true;
  });
}

describe('RandomForestClassifier: bad input', () => {
  const { X, y } = separable(50, 1);

  test('bad options name the option', () => {
    const cases: [RandomForestOptions, RegExp][] = [
      [{ nEstimators: 0 }, /nEstimators must be a whole number >= 1, got 0/],
      [{ nEstimators: 2.5 }, /nEstimators/],
      [{ maxDepth: 0 }, /maxDepth must be a whole number >= 1 or null/],
      [{ maxFeatures: 'half' as never }, /maxFeatures must be 'sqrt', 'log2', 'all'/],
      [{ maxFeatures: 1.5 }, /maxFeatures/],
      [{ minSamplesLeaf: 0 }, /minSamplesLeaf/],
      [{ minSamplesSplit: 1 }, /minSamplesSplit must be a whole number >= 2/],
      [{ classWeight: 'uniform' as never }, /classWeight must be 'balanced', a map/],
      [{ classWeight: { high: -1 } }, /classWeight\["high"\] must be a finite number >= 0/],
      [{ maxBins: 256 }, /maxBins must be a whole number between 2 and 255/],
      [{ nJobs: 0 }, /nJobs must be a whole number >= 1, or -1/],
      [{ randomState: -1 }, /randomState/],
      [{ bootstrap: false, maxSamples: 10 }, /maxSamples needs bootstrap: true/],
      [{ n_estimators: 10 } as never, /unknown RandomForestClassifier option "n_estimators"/],
    ];
    for (const [options, pattern] of cases)
      throwsMl(() => new RandomForestClassifier(options), pattern);
  });

  test('bad training data', () => {
    const forest = new RandomForestClassifier({ nEstimators: 2, nJobs: 1 });
    throwsMl(() => forest.fitSync(X, y.slice(1)), /y has 49 labels but X has 50 rows/);
    throwsMl(
      () => forest.fitSync(X, [...y.slice(1), 3 as never]),
      /y\[49\] is 3: labels must be strings/,
    );
    throwsMl(
      () => forest.fitSync({ rows: 2, cols: 2, data: new Float64Array(3) }, ['a', 'b']),
      /X.data holds 3 values, expected rows × cols = 2 × 2 = 4/,
    );
    throwsMl(
      () => forest.fitSync({ rows: 2, cols: 1, data: [1, 2] as never }, ['a', 'b']),
      /X.data must be a Float64Array or Float32Array/,
    );
    throwsMl(
      () =>
        forest.fitSync({ rows: 1, cols: 1, data: new Float64Array(1), columns: ['a', 'b'] }, ['a']),
      /X.columns names 2 columns, expected 1/,
    );
    throwsMl(
      () => forest.fitSync(featureMatrix([[1]]), ['a']),
      /X has 1 rows: a forest needs at least 2/,
    );
    throwsMl(
      () => forest.fitSync(featureMatrix([[1], [Number.POSITIVE_INFINITY]]), ['a', 'b']),
      /infinite value at row 1, column 0/,
    );
    throwsMl(
      () => new RandomForestClassifier({ classWeight: { medium: 2 }, nJobs: 1 }).fitSync(X, y),
      /classWeight names label "medium", which is not in y \(labels: high, low\)/,
    );
    throwsMl(
      () => new RandomForestClassifier({ maxFeatures: 5, nJobs: 1 }).fitSync(X, y),
      /maxFeatures is 5 but the data has only 3 features/,
    );
    throwsMl(
      () => forest.fitSync(X, y, { sampleWeight: new Float64Array(50).fill(-1) }),
      /sampleWeight\[0\] is -1/,
    );
  });

  test('bad prediction input', () => {
    const fresh = new RandomForestClassifier({ nEstimators: 2, nJobs: 1 });
    throwsMl(() => fresh.predict(X), /not fitted yet/);
    throwsMl(() => fresh.classes, /not fitted yet/);
    const forest = new RandomForestClassifier({ nEstimators: 2, randomState: 1, nJobs: 1 }).fitSync(
      X,
      y,
    );
    throwsMl(
      () => forest.predict(featureMatrix([[1, 2]])),
      /X has 2 columns but the model was trained on 3/,
    );
    throwsMl(
      () => forest.predict(featureMatrix([[1, 2, 3]], ['signal', 'noise_b', 'noise_a'])),
      /X column 1 is "noise_b" but the model expects "noise_a" there/,
    );
    throwsMl(
      () => forest.predictRow([1, 2]),
      /the row has 2 values but the model was trained on 3 features/,
    );
    throwsMl(() => forest.predictProbaRow([1, 2, 3], new Float64Array(1)), /out holds 1 values/);
    throwsMl(
      () => forest.permutationImportance(X, y, { nRepeats: 0 }),
      /nRepeats must be a whole number >= 1/,
    );
  });
});

// Classification metrics against values worked out by hand (and as scikit-learn gives them).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MlError } from '../../src/errors.js';
import {
  accuracy,
  balancedAccuracy,
  classificationMetrics,
  confusionMatrix,
  labelsOf,
  macroF1,
  perClassScores,
  rocAucOneVsRest,
} from '../../src/ml/metrics.js';

const close = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);

// Worked by hand:
//   true a a a b b c / predicted a a b b c c
//   confusion (rows true a, b, c): [2 1 0] [0 1 1] [0 0 1]
//   precision a 2/2, b 1/2, c 1/2 · recall a 2/3, b 1/2, c 1/1
//   F1 a 0.8, b 0.5, c 2/3 · macro F1 0.65556 · balanced accuracy (2/3 + 1/2 + 1) / 3
const yTrue = ['a', 'a', 'a', 'b', 'b', 'c'];
const yPred = ['a', 'a', 'b', 'b', 'c', 'c'];

describe('metrics', () => {
  test('accuracy, confusion matrix, per-class scores, macro F1, balanced accuracy', () => {
    close(accuracy(yTrue, yPred), 4 / 6, 'accuracy');
    assert.deepEqual(confusionMatrix(yTrue, yPred), {
      labels: ['a', 'b', 'c'],
      matrix: [
        [2, 1, 0],
        [0, 1, 1],
        [0, 0, 1],
      ],
    });
    const scores = perClassScores(yTrue, yPred);
    assert.deepEqual(
      scores.map((s) => [s.label, s.support]),
      [
        ['a', 3],
        ['b', 2],
        ['c', 1],
      ],
    );
    const expected = [
      [1, 2 / 3, 0.8],
      [0.5, 0.5, 0.5],
      [0.5, 1, 2 / 3],
    ];
    scores.forEach((s, k) => {
      close(s.precision, expected[k]![0]!, `precision ${s.label}`);
      close(s.recall, expected[k]![1]!, `recall ${s.label}`);
      close(s.f1, expected[k]![2]!, `F1 ${s.label}`);
    });
    close(macroF1(yTrue, yPred), (0.8 + 0.5 + 2 / 3) / 3, 'macro F1');
    close(balancedAccuracy(yTrue, yPred), (2 / 3 + 1 / 2 + 1) / 3, 'balanced accuracy');
  });

  test('a label never predicted scores 0 precision (zero_division=0); labels can be given', () => {
    const scores = perClassScores(['x', 'y', 'y'], ['y', 'y', 'y']);
    assert.deepEqual(
      scores.map((s) => [s.label, s.precision, s.recall, s.f1]),
      [
        ['x', 0, 0, 0],
        ['y', 2 / 3, 1, 0.8],
      ],
    );
    // A label in neither list still gets a row (all zeros), as scikit-learn's `labels=`.
    const withExtra = confusionMatrix(['x'], ['x'], ['x', 'z']);
    assert.deepEqual(withExtra.matrix, [
      [1, 0],
      [0, 0],
    ]);
    // Balanced accuracy averages recall over labels present in y_true only.
    close(balancedAccuracy(['x', 'x', 'y'], ['x', 'z', 'y']), (1 / 2 + 1) / 2, 'balanced');
    assert.deepEqual(labelsOf(['b', 'a'], ['c', 'a']), ['a', 'b', 'c']);
  });

  test('ROC AUC one-vs-rest: pairs ranked right, ties count half', () => {
    // Positives 0.9 and 0.4, negatives 0.8 and 0.4: pairs (0.9>0.8) (0.9>0.4) (0.4<0.8) (0.4=0.4)
    // → (1 + 1 + 0 + 0.5) / 4.
    close(rocAucOneVsRest(['p', 'n', 'p', 'n'], [0.9, 0.8, 0.4, 0.4], 'p'), 2.5 / 4, 'AUC');
    close(rocAucOneVsRest(['p', 'n', 'n'], [0.9, 0.1, 0.2], 'p'), 1, 'perfect');
    close(rocAucOneVsRest(['p', 'n', 'n'], [0.1, 0.9, 0.2], 'p'), 0, 'inverted');
    assert.throws(() => rocAucOneVsRest(['n', 'n'], [0.1, 0.2], 'p'), MlError);
  });

  test('classificationMetrics gathers everything, AUC from a probability matrix', () => {
    // Columns a, b, c; AUC of "c" vs rest from column 2.
    const proba = Float64Array.from([
      0.8, 0.1, 0.1, 0.7, 0.2, 0.1, 0.4, 0.5, 0.1, 0.1, 0.8, 0.1, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8,
    ]);
    const result = classificationMetrics(yTrue, yPred, {
      proba,
      classes: ['a', 'b', 'c'],
      positiveClass: 'c',
    });
    close(result.accuracy, 4 / 6, 'accuracy');
    close(result.macroF1, (0.8 + 0.5 + 2 / 3) / 3, 'macro F1');
    // Scores for c: 0.1 0.1 0.1 0.1 0.6 | 0.8 (the one true c) → ranked above all five.
    assert.deepEqual(result.rocAuc, { positiveClass: 'c', value: 1 });
    assert.throws(
      () =>
        classificationMetrics(yTrue, yPred, {
          proba,
          classes: ['a', 'b', 'c'],
          positiveClass: 'd',
        }),
      /positive class "d" is not one of a, b, c/,
    );
  });

  test('inputs of different lengths or none are refused', () => {
    assert.throws(() => accuracy(['a'], ['a', 'b']), /y_true has 1 labels but y_pred has 2/);
    assert.throws(() => accuracy([], []), /at least one label/);
    assert.throws(() => rocAucOneVsRest(['a'], [0.1, 0.2], 'a'), /1 labels but there are 2 scores/);
  });
});

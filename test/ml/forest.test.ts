// The random forest on known answers: separable, XOR and multi-class data reach their
// accuracy; thresholds sit where scikit-learn puts them; class weights, determinism,
// importances and missing values behave as documented.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { featureMatrix, RandomForestClassifier, type FeatureMatrix } from '../../src/ml/index.js';
import { perClassScores } from '../../src/ml/metrics.js';
import { binMatrix } from '../../src/ml/forest/binning.js';
import {
  TreeBuilder,
  type TrainingSet,
  type TreeSettings,
} from '../../src/ml/forest/tree-builder.js';
import { accuracyOf, blobs, imbalanced, randomStream, separable, xor } from './forest-data.js';

describe('RandomForestClassifier: known answers', () => {
  test('separable data: a perfect test score, and the signal feature carries the importance', () => {
    const train = separable(600, 1);
    const test = separable(400, 2);
    const forest = new RandomForestClassifier({ nEstimators: 20, randomState: 1, nJobs: 1 });
    forest.fitSync(train.X, train.y);
    assert.deepEqual(forest.classes, ['high', 'low']);
    assert.ok(accuracyOf(forest.predict(test.X), test.y) >= 0.99);
    const importances = forest.featureImportances;
    assert.ok(Math.abs(importances.reduce((a, b) => a + b, 0) - 1) < 1e-12, 'importances sum to 1');
    assert.equal(importances.indexOf(Math.max(...importances)), 0, 'signal ranks first');
    assert.ok(importances[0]! > 0.8);
  });

  test('XOR data: no single feature separates it, the forest still does', () => {
    const train = xor(2000, 3);
    const test = xor(1000, 4);
    const forest = new RandomForestClassifier({ nEstimators: 30, randomState: 2, nJobs: 1 });
    forest.fitSync(train.X, train.y);
    const accuracy = accuracyOf(forest.predict(test.X), test.y);
    assert.ok(accuracy >= 0.95, `accuracy ${accuracy}`);
    const importances = forest.featureImportances;
    assert.ok(
      importances[2]! < importances[0]! && importances[2]! < importances[1]!,
      'noise ranks last',
    );
  });

  test('four Gaussian blobs: multi-class accuracy near the Bayes rate, probabilities sum to 1', () => {
    const train = blobs(2000, 5);
    const test = blobs(1000, 6);
    const forest = new RandomForestClassifier({
      nEstimators: 40,
      maxDepth: 8,
      randomState: 3,
      nJobs: 1,
    });
    forest.fitSync(train.X, train.y);
    assert.deepEqual(forest.classes, ['aggressive', 'cautious', 'eco', 'normal']);
    // Centres 6σ apart: the Bayes error is about 0.3 %.
    const accuracy = accuracyOf(forest.predict(test.X), test.y);
    assert.ok(accuracy >= 0.98, `accuracy ${accuracy}`);
    const proba = forest.predictProba(test.X);
    assert.equal(proba.length, test.X.rows * 4);
    for (let r = 0; r < test.X.rows; r++) {
      let sum = 0;
      for (let c = 0; c < 4; c++) sum += proba[r * 4 + c]!;
      assert.ok(Math.abs(sum - 1) < 1e-6, `row ${r} sums to ${sum}`);
    }
    // One row at a blob centre, through the single-row path.
    assert.equal(forest.predictRow([-3, -3, 0.5, 0]), 'eco');
    const row = forest.predictProbaRow([3, 3, 0.5, 0]);
    assert.ok(row[0]! > 0.9, `P(aggressive) = ${row[0]}`);
  });

  test("one full-data tree puts the threshold at the midpoint between classes, as scikit-learn's", () => {
    const X = featureMatrix([[1], [2], [3], [4]], ['x']);
    const forest = new RandomForestClassifier({
      nEstimators: 1,
      bootstrap: false,
      maxFeatures: 'all',
      randomState: 0,
      nJobs: 1,
    });
    forest.fitSync(X, ['a', 'a', 'b', 'b']);
    assert.equal(forest.treeStats.nodes, 3);
    assert.equal(forest.predictRow([2.5]), 'a', 'x <= threshold goes left');
    assert.equal(forest.predictRow([2.5000001]), 'b');
    assert.equal(forest.predictRow([-1e9]), 'a');
    assert.equal(forest.predictRow([1e9]), 'b');
    assert.deepEqual(Array.from(forest.predictProbaRow([0])), [1, 0]);
  });

  test('a missing value never seen in training goes to the child with more rows (right on a tie)', () => {
    const stump = (rows: number[][], y: string[]): RandomForestClassifier =>
      new RandomForestClassifier({
        nEstimators: 1,
        bootstrap: false,
        maxDepth: 1,
        randomState: 0,
        nJobs: 1,
      }).fitSync(featureMatrix(rows), y);
    // As scikit-learn 1.9 decides: left child 2 rows, right 1 → left; 2 and 2 → right.
    assert.equal(stump([[1], [2], [3]], ['a', 'a', 'b']).predictRow([Number.NaN]), 'a');
    assert.equal(stump([[1], [2], [3]], ['a', 'b', 'b']).predictRow([Number.NaN]), 'b');
    assert.equal(stump([[1], [2], [3], [4]], ['a', 'a', 'b', 'b']).predictRow([Number.NaN]), 'b');
  });

  test('a fully grown tree on distinct points classifies every training row right (large nodes too)', () => {
    // 10,000 rows with 30 % random labels: nodes above 4,096 rows move their row records,
    // smaller ones partition an index; a row routed wrong anywhere would end in a wrong leaf.
    const { X, y } = blobs(10_000, 24);
    const { uniform } = randomStream(25);
    const labels = ['aggressive', 'cautious', 'eco', 'normal'];
    for (let r = 0; r < X.rows; r++) if (uniform() < 0.3) y[r] = labels[Math.floor(uniform() * 4)]!;
    for (const maxFeatures of ['sqrt', 'all'] as const) {
      const tree = new RandomForestClassifier({
        nEstimators: 1,
        bootstrap: false,
        maxFeatures,
        randomState: 1,
        nJobs: 1,
      }).fitSync(X, y);
      assert.equal(accuracyOf(tree.predict(X), y), 1, `maxFeatures ${maxFeatures}`);
      assert.ok(tree.treeStats.leaves > 2000);
    }
  });

  test('a column-major matrix trains and predicts the same as its row-major twin', () => {
    const { X, y } = blobs(400, 9);
    const columnMajor = new Float64Array(X.rows * X.cols);
    for (let r = 0; r < X.rows; r++) {
      for (let c = 0; c < X.cols; c++) columnMajor[c * X.rows + r] = X.data[r * X.cols + c]!;
    }
    const Xc: FeatureMatrix = { ...X, data: columnMajor, layout: 'column-major' };
    const options = { nEstimators: 5, randomState: 4, nJobs: 1 };
    const a = new RandomForestClassifier(options).fitSync(X, y);
    const b = new RandomForestClassifier(options).fitSync(Xc, y);
    assert.deepEqual(b.predictProba(Xc), a.predictProba(X));
    assert.deepEqual(a.toBuffer(), b.toBuffer());
  });
});

describe('RandomForestClassifier: parameters', () => {
  test("classWeight 'balanced' raises the minority class's recall", () => {
    const train = imbalanced(4000, 11);
    const test = imbalanced(4000, 12);
    const recallOfRare = (classWeight: 'balanced' | null): number => {
      const forest = new RandomForestClassifier({
        nEstimators: 30,
        maxDepth: 4,
        classWeight,
        randomState: 5,
        nJobs: 1,
      }).fitSync(train.X, train.y);
      const scores = perClassScores(test.y, forest.predict(test.X), ['common', 'rare']);
      return scores[1]!.recall;
    };
    const plain = recallOfRare(null);
    const balanced = recallOfRare('balanced');
    assert.ok(plain < 0.2, `unweighted recall of rare ${plain}`);
    assert.ok(balanced > 0.5, `balanced recall of rare ${balanced}`);
  });

  test('a class weight map weighs as balanced does when it gives the same weights', () => {
    const train = imbalanced(1000, 13);
    const n = train.y.length;
    const rare = train.y.filter((label) => label === 'rare').length;
    const map = { common: n / (2 * (n - rare)), rare: n / (2 * rare) };
    const options = { nEstimators: 5, maxDepth: 4, randomState: 6, nJobs: 1 };
    const a = new RandomForestClassifier({ ...options, classWeight: 'balanced' }).fitSync(
      train.X,
      train.y,
    );
    const b = new RandomForestClassifier({ ...options, classWeight: map }).fitSync(
      train.X,
      train.y,
    );
    assert.deepEqual(b.predictProba(train.X), a.predictProba(train.X));
  });

  test('maxDepth, minSamplesLeaf and nEstimators shape the trees', () => {
    const { X, y } = xor(1000, 14);
    const shallow = new RandomForestClassifier({
      nEstimators: 7,
      maxDepth: 3,
      randomState: 7,
      nJobs: 1,
    });
    shallow.fitSync(X, y);
    assert.equal(shallow.treeStats.nTrees, 7);
    assert.ok(shallow.treeStats.depthMax <= 3);
    assert.ok(shallow.treeStats.leaves <= 7 * 8);
    const deep = new RandomForestClassifier({ nEstimators: 7, randomState: 7, nJobs: 1 }).fitSync(
      X,
      y,
    );
    const leafy = new RandomForestClassifier({
      nEstimators: 7,
      minSamplesLeaf: 50,
      randomState: 7,
      nJobs: 1,
    }).fitSync(X, y);
    assert.ok(deep.treeStats.depthMax > 3, 'unlimited depth grows past 3');
    // A tree's ~632 distinct in-bag rows hold at most 632 / 50 leaves of ≥ 50 rows.
    assert.ok(leafy.treeStats.leaves <= 7 * 12, `${leafy.treeStats.leaves} leaves`);
    assert.ok(leafy.treeStats.leaves < deep.treeStats.leaves);
  });

  test('the same seed gives the same forest; another seed another one', () => {
    const { X, y } = blobs(500, 15);
    const fit = (randomState: number): RandomForestClassifier =>
      new RandomForestClassifier({ nEstimators: 10, randomState, nJobs: 1 }).fitSync(X, y);
    assert.deepEqual(fit(42).toBuffer(), fit(42).toBuffer());
    assert.notDeepEqual(fit(42).predictProba(X), fit(43).predictProba(X));
  });

  test('missing values: training routes NaN to the side that fits, prediction follows', () => {
    // Class is "missing" exactly when x is NaN; otherwise x > 0 tells the rest apart.
    const { uniform } = randomStream(16);
    const rows: number[][] = [];
    const y: string[] = [];
    for (let i = 0; i < 900; i++) {
      const kind = i % 3;
      const x = kind === 0 ? Number.NaN : kind === 1 ? -uniform() : uniform();
      rows.push([x, uniform()]);
      y.push(['missing', 'negative', 'positive'][kind]!);
    }
    const forest = new RandomForestClassifier({ nEstimators: 10, randomState: 8, nJobs: 1 });
    forest.fitSync(featureMatrix(rows, ['x', 'noise']), y);
    assert.equal(forest.predictRow([Number.NaN, 0.5]), 'missing');
    assert.equal(forest.predictRow([-0.5, 0.5]), 'negative');
    assert.equal(forest.predictRow([0.5, 0.5]), 'positive');
    const X = featureMatrix(
      [
        [Number.NaN, 0.1],
        [0.7, Number.NaN],
      ],
      ['x', 'noise'],
    );
    assert.deepEqual(forest.predict(X), ['missing', 'positive']);
  });

  test('permutation importance ranks the informative features first and noise near 0', () => {
    const train = xor(1500, 17);
    const test = xor(600, 18);
    const forest = new RandomForestClassifier({ nEstimators: 20, randomState: 9, nJobs: 1 });
    forest.fitSync(train.X, train.y);
    const result = forest.permutationImportance(test.X, test.y, { nRepeats: 3, randomState: 1 });
    assert.equal(result.importances.length, 3);
    assert.equal(result.importances[0]!.length, 3);
    assert.ok(result.baseline > 0.95);
    // Shuffling a or b destroys the XOR: accuracy falls to about 0.5.
    assert.ok(result.importancesMean[0]! > 0.3 && result.importancesMean[1]! > 0.3);
    assert.ok(Math.abs(result.importancesMean[2]!) < 0.03, `noise ${result.importancesMean[2]}`);
    assert.deepEqual(result.featureNames, ['a', 'b', 'noise']);
    const again = forest.permutationImportance(test.X, test.y, { nRepeats: 3, randomState: 1 });
    assert.deepEqual(again.importancesMean, result.importancesMean, 'seeded shuffles repeat');
  });
});

describe('TreeBuilder: histogram subtraction', () => {
  test('with every feature evaluated, subtraction grows exactly the trees direct histograms grow', () => {
    // Overlapping classes (noisy labels) and missing values: big trees, missing bins in use.
    const { X, y } = blobs(8000, 19);
    const { uniform } = randomStream(20);
    const labels = ['aggressive', 'cautious', 'eco', 'normal'];
    for (let r = 0; r < X.rows; r++) {
      if (uniform() < 0.2) y[r] = labels[Math.floor(uniform() * 4)]!;
      if (uniform() < 0.1) X.data[r * X.cols] = Number.NaN;
    }
    const classes = [...new Set(y)].sort();
    const binned = binMatrix(X, 255, 1);
    const set: TrainingSet = {
      rows: X.rows,
      cols: X.cols,
      nClasses: classes.length,
      rowBytes: binned.rowBytes,
      codes: binned.codes,
      y: Uint16Array.from(y, (label) => classes.indexOf(label)),
      rowWeight: new Float64Array(X.rows).fill(1),
      binLo: binned.binLo,
      binHi: binned.binHi,
      nBins: binned.nBins,
    };
    const settings: TreeSettings = {
      maxDepth: Number.POSITIVE_INFINITY,
      maxFeatures: X.cols,
      minSamplesSplit: 2,
      minSamplesLeaf: 1,
      minImpurityDecrease: 0,
      bootstrap: true,
      nDraws: X.rows,
    };
    const direct = new TreeBuilder(set, { ...settings, subtraction: false });
    const subtracting = new TreeBuilder(set, settings);
    for (const seed of [1, 2, 3]) {
      const a = direct.build(seed);
      const b = subtracting.build(seed);
      assert.ok(a.nodeCount > 50, 'a tree with many splits');
      assert.deepEqual(b, a);
    }
  });
});

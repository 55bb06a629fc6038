// `pitwall ml fit` on CSV and Parquet tables: trains, reports test metrics, saves a model
// that loads and predicts; bad input is one line and the right exit status.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDbEngine } from '../../src/lake/index.js';
import { RandomForestClassifier, featureMatrix } from '../../src/ml/index.js';
import { holdOut } from '../../src/cli/commands/ml.js';
import { assertOneLineError, runMain, tempDir } from '../cli/helpers.js';
import { blobs } from './forest-data.js';

describe('pitwall ml fit', () => {
  let dir = '';
  let cleanup: () => Promise<void> = () => Promise.resolve();
  let csv = '';
  let parquet = '';

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    // Blobs with a text id column, a session column, a numeric id to exclude and a gap.
    const { X, y } = blobs(600, 41);
    const lines = ['row_id,session,x,y,noise_u,noise_n,label'];
    for (let r = 0; r < X.rows; r++) {
      const v = Array.from({ length: 4 }, (_, c) => X.data[r * 4 + c]!.toFixed(4));
      if (r % 50 === 0) v[3] = '';
      lines.push([`r${r}`, `s${r % 20}`, ...v, y[r]].join(','));
    }
    csv = path.join(dir, 'blobs.csv');
    await writeFile(csv, `${lines.join('\n')}\n`);
    parquet = path.join(dir, 'blobs.parquet');
    const engine = new DuckDbEngine({ threads: 1 });
    try {
      await engine.withConnection((c) =>
        c.run(`COPY (SELECT * FROM read_csv_auto('${csv}')) TO '${parquet}' (FORMAT parquet)`),
      );
    } finally {
      engine.close();
    }
  });
  after(() => cleanup());

  test('trains on a CSV with a group hold-out, prints metrics and writes a model that loads', async () => {
    const model = path.join(dir, 'csv.pwrf');
    const result = await runMain([
      'ml',
      'fit',
      '--data',
      csv,
      '--label',
      'label',
      '--group',
      'session',
      '--trees',
      '15',
      '--max-depth',
      '6',
      '--class-weight',
      'balanced',
      '--jobs',
      '1',
      '--seed',
      '3',
      '--positive',
      'eco',
      '--out',
      model,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^read .*blobs\.csv: 600 rows, 4 features \(not features: row_id VARCHAR\)$/m,
    );
    assert.match(result.stderr, /^test set: 20\.00 % of the groups in session/m);
    assert.match(result.stderr, /^training: 15\/15 trees/m);
    assert.match(result.stdout, /^Trained 15 trees on 480 rows × 4 features/);
    assert.match(result.stdout, /^accuracy {11}(9\d|100)\.\d\d %$/m);
    assert.match(result.stdout, /^ROC AUC eco vs rest: /m);
    assert.match(result.stdout, /^confusion matrix \(rows: true, columns: predicted\)$/m);
    const forest = await RandomForestClassifier.load(model);
    assert.deepEqual(forest.featureNames, ['x', 'y', 'noise_u', 'noise_n']);
    assert.deepEqual(forest.metadata, { label: 'label', trainedOn: csv });
    assert.equal(forest.params.nEstimators, 15);
    assert.equal(forest.params.classWeight, 'balanced');
    assert.equal(forest.predictRow([3, -3, 0.5, 0]), 'normal');
  });

  test('--json, --test, --features: the summary as JSON', async () => {
    const model = path.join(dir, 'parquet.pwrf');
    const result = await runMain([
      'ml',
      'fit',
      '--data',
      parquet,
      '--test',
      csv,
      '--label',
      'label',
      '--features',
      'x,y',
      '--trees',
      '5',
      '--jobs',
      '1',
      '--json',
      '--quiet',
      '--out',
      model,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const summary = JSON.parse(result.stdout) as {
      features: string[];
      classes: string[];
      trainRows: number;
      test: { rows: number; source: string };
      metrics: { accuracy: number; confusion: { matrix: number[][] } };
    };
    assert.deepEqual(summary.features, ['x', 'y']);
    assert.deepEqual(summary.classes, ['aggressive', 'cautious', 'eco', 'normal']);
    assert.equal(summary.trainRows, 600);
    assert.deepEqual(summary.test, { rows: 600, source: csv });
    // Tested on its own training rows: close to perfect.
    assert.ok(summary.metrics.accuracy > 0.97);
    assert.equal(
      summary.metrics.confusion.matrix.flat().reduce((a, b) => a + b, 0),
      600,
    );
    const forest = await RandomForestClassifier.load(model);
    assert.equal(forest.predictRow([-3, 3]), 'cautious');
    assert.equal(forest.predict(featureMatrix([[3, 3]], ['x', 'y']))[0], 'aggressive');
  });

  test('bad input: one line, exit 2 for options, 1 for the data', async () => {
    const out = path.join(dir, 'bad.pwrf');
    assertOneLineError(
      await runMain(['ml', 'fit', '--data', csv, '--out', out]),
      2,
      /ml fit needs --label <column>/,
    );
    assertOneLineError(
      await runMain([
        'ml',
        'fit',
        '--data',
        csv,
        '--label',
        'label',
        '--trees',
        'many',
        '--out',
        out,
      ]),
      2,
      /--trees must be an integer between 1 and 1000000 \(got "many"\)/,
    );
    assertOneLineError(
      await runMain([
        'ml',
        'fit',
        '--data',
        csv,
        '--label',
        'label',
        '--class-weight',
        'heavy',
        '--out',
        out,
      ]),
      2,
      /--class-weight must be balanced, none, or label=weight pairs/,
    );
    assertOneLineError(
      await runMain(['ml', 'fit', '--data', csv, '--label', 'kind', '--out', out]),
      1,
      /has no label column "kind" \(columns: row_id, session, x, y, noise_u, noise_n, label\)/,
    );
    assertOneLineError(
      await runMain([
        'ml',
        'fit',
        '--data',
        path.join(dir, 'none.parquet'),
        '--label',
        'label',
        '--out',
        out,
      ]),
      1,
      /no such file/,
    );
    assertOneLineError(
      await runMain([
        'ml',
        'fit',
        '--data',
        csv,
        '--label',
        'label',
        '--features',
        'row_id',
        '--out',
        out,
      ]),
      1,
      /feature column "row_id" is VARCHAR: features must be numeric or boolean/,
    );
  });

  test('holdOut: seeded, whole groups on one side', () => {
    const groups = Array.from({ length: 100 }, (_, r) => `g${r % 10}`);
    const a = holdOut(100, 0.2, 5, groups);
    assert.deepEqual(holdOut(100, 0.2, 5, groups), a);
    assert.equal(a.test.length, 20);
    const testGroups = new Set(Array.from(a.test, (r) => groups[r]));
    assert.equal(testGroups.size, 2);
    for (const r of a.train) assert.ok(!testGroups.has(groups[r]), 'no group on both sides');
    const rows = holdOut(100, 0.25, 5);
    assert.equal(rows.test.length, 25);
    assert.equal(rows.train.length + rows.test.length, 100);
    assert.notDeepEqual(holdOut(100, 0.25, 6).test, rows.test);
  });
});

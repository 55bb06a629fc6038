import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { DeltaTable } from '../../src/lake/index.js';
import { buildDataset } from '../../src/ml/dataset/index.js';
import { RandomForestClassifier } from '../../src/ml/forest/index.js';
import { openRegistry, resolveModelUri } from '../../src/ml/registry/index.js';
import { openTracking } from '../../src/ml/tracking/index.js';
import { FEATURES_FILE, MODEL_FILE, trainModel } from '../../src/ml/train.js';
import { GOLD_TABLES, goldSchema } from '../../src/pipeline/gold/index.js';
import { FEATURES } from '../../src/pipeline/gold/feature-spec.js';
import { runMain } from '../cli/helpers.js';

const LABELS = ['aggressive', 'cautious', 'eco', 'normal'];

/** A gold lake whose first two features tell the label apart (with noise), 6 sessions per label. */
async function learnableLake(t: TestContext): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'pitwall-train-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const lake = path.join(root, 'lake');
  const gold = await DeltaTable.create(path.join(lake, GOLD_TABLES.features), goldSchema());
  const rows: Record<string, unknown>[] = [];
  let seed = 1;
  const noise = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  LABELS.forEach((label, k) => {
    for (let s = 0; s < 6; s++) {
      const id = `00000000-0000-4000-8000-${String(k * 100 + s).padStart(12, '0')}`;
      for (let w = 0; w < 40; w++) {
        const row: Record<string, unknown> = {
          session_id: id,
          vehicle_id: `car-${k}-${s}`,
          window_end: new Date(Date.UTC(2026, 0, 1, 0, 0, 10 + w)),
          window_seconds: 10,
          sample_count: 100n,
          label,
        };
        FEATURES.forEach((f, i) => {
          row[f.name] =
            i === 0 ? k + noise() * 0.6 : i === 1 ? (k % 2) * 3 + noise() : noise() * 10;
        });
        rows.push(row);
      }
    }
  });
  await gold.appendRows(rows as never);
  gold.close();
  return root;
}

describe('train', () => {
  it('fits, scores, logs an MLflow run with the model folder and registers it under an alias', async (t) => {
    const root = await learnableLake(t);
    const datasetDir = path.join(root, 'ds');
    await buildDataset({ lakeRoot: path.join(root, 'lake'), outDir: datasetDir });
    const mlruns = path.join(root, 'mlruns');
    const result = await trainModel({
      datasetDir,
      trackingUri: mlruns,
      forest: { nEstimators: 20, maxDepth: 6, nJobs: 1 },
      register: 'driving-style',
      alias: 'production',
      permutationRepeats: 1,
    });
    assert.ok(result.metrics.accuracy > 0.9, `accuracy ${result.metrics.accuracy}`);
    assert.equal(result.metrics.rocAuc?.positiveClass, 'aggressive');
    assert.deepEqual(result.registered, { name: 'driving-style', version: 1, alias: 'production' });
    assert.equal(
      result.featureImportances[0]?.name,
      FEATURES[0]?.name,
      'the label-carrying feature ranks first',
    );

    const tracking = await openTracking({ trackingUri: mlruns });
    try {
      const run = await tracking.getRun(result.runId);
      assert.equal(run.info.status, 'FINISHED');
      const params = run.data.params;
      assert.equal(params['n_estimators'], '20');
      assert.equal(params['class_weight'], 'balanced');
      const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
      assert.ok(Math.abs((metrics['macro_f1'] ?? -1) - result.metrics.macroF1) < 1e-6);
      assert.ok('recall_aggressive' in metrics && 'roc_auc_aggressive_vs_rest' in metrics);
      const artifacts = (await tracking.listArtifacts(result.runId)).map((a) => a.path).sort();
      assert.deepEqual(artifacts, [
        'dataset.json',
        'feature_importances.json',
        'metrics.json',
        'model',
        'plots',
      ]);
    } finally {
      tracking.close();
    }
    const dir = await resolveModelUri('models:/driving-style@production', { trackingUri: mlruns });
    assert.ok(existsSync(path.join(dir, 'MLmodel')));
    const features = JSON.parse(readFileSync(path.join(dir, FEATURES_FILE), 'utf8')) as {
      features: string[];
    };
    assert.equal(features.features.length, FEATURES.length);
    const model = await RandomForestClassifier.load(path.join(dir, MODEL_FILE));
    assert.deepEqual(model.classes, LABELS);

    // A second training moves the alias to version 2.
    await trainModel({
      datasetDir,
      trackingUri: mlruns,
      forest: { nEstimators: 5, nJobs: 1 },
      register: 'driving-style',
      alias: 'production',
      permutationRepeats: 0,
    });
    const registry = await openRegistry({ trackingUri: mlruns });
    try {
      assert.equal((await registry.getVersionByAlias('driving-style', 'production')).version, 2);
    } finally {
      registry.close();
    }
  });

  it('pitwall train validates its options before doing any work', async () => {
    const alias = await runMain(['train', '--alias', 'production']);
    assert.equal(alias.code, 2);
    assert.match(alias.stderr, /--alias must be used with --register NAME/);
    const trees = await runMain(['train', '--trees', '0']);
    assert.equal(trees.code, 2);
    assert.match(trees.stderr, /--trees must be an integer between 1 and 10000/);
    const latest = await runMain(['train', '--register', 'm', '--alias', 'latest']);
    assert.equal(latest.code, 2);
  });

  it('pitwall train builds the dataset when missing and prints the scores', async (t) => {
    const root = await learnableLake(t);
    const out = await runMain([
      'train',
      '--lake',
      path.join(root, 'lake'),
      '--dataset',
      path.join(root, 'ds'),
      '--trees',
      '10',
      '--max-depth',
      '5',
      '--jobs',
      '1',
      '--tracking-uri',
      path.join(root, 'mlruns'),
      '--quiet',
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /accuracy \d\.\d{3}, balanced accuracy/);
    assert.match(out.stdout, /run [0-9a-f]{32} in /);
    assert.ok(existsSync(path.join(root, 'ds', 'dataset.json')));
  });
});

// What the browser tests serve: a small driving-style forest trained here on simulated
// sessions (features from the inference engine's window, the gold definition), logged to a
// temporary MLflow file store and registered as driving-style@production; and a tiny lake
// with one table and a data-docs page.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InferenceEngine } from '../../src/inference/index.js';
import { DeltaTable } from '../../src/lake/index.js';
import {
  MODEL_FORMAT_VERSION,
  RandomForestClassifier,
  featureMatrix,
} from '../../src/ml/forest/index.js';
import { openRegistry } from '../../src/ml/registry/index.js';
import { openTracking } from '../../src/ml/tracking/index.js';
import { FAULT_PRESETS, Fleet, PHYSICS_HZ } from '../../src/sim/index.js';
import { SIGNAL_COUNT } from '../../src/telemetry/signals.js';

const MODEL_NAME = 'driving-style';

/** Full 10-second windows of simulated sessions, one row per second, labelled by profile. */
function trainingWindows(): { rows: Float64Array[]; labels: string[]; names: readonly string[] } {
  const vehicles = 8;
  const sessions = 2;
  const sessionS = 100;
  const fleet = new Fleet({
    vehicles,
    seed: 2024,
    hz: 10,
    drivers: 'mix',
    cars: 'mix',
    faults: FAULT_PRESETS.none,
  });
  const rows: Float64Array[] = [];
  const labels: string[] = [];
  let names: readonly string[] = [];
  for (let session = 0; session < sessions; session++) {
    const engines: InferenceEngine[] = [];
    for (let i = 0; i < vehicles; i++) {
      const setup = fleet.startSession(
        i,
        session,
        Date.UTC(2026, 0, 1) + session * sessionS * 1000,
      );
      const engine = new InferenceEngine({
        onWindow: (w) => {
          if (w.windowSeconds < 10) return;
          rows.push(Float64Array.from(w.values));
          labels.push(setup.driverProfile);
        },
      });
      names = engine.featureNames;
      engines.push(engine);
    }
    for (let second = 0; second < sessionS; second++) {
      fleet.advance(PHYSICS_HZ);
      const batch = fleet.batch;
      for (let k = 0; k < batch.count; k++) {
        engines[batch.vehicle[k]!]!.addSample({
          timeMs: batch.timeMs[k]!,
          values: batch.values,
          offset: k * SIGNAL_COUNT,
        });
      }
      batch.clear();
    }
    for (const engine of engines) engine.flush();
  }
  return { rows, labels, names };
}

export interface ModelFixture {
  readonly trackingUri: string;
  readonly version: string;
  readonly trainRows: number;
}

/** Trains, logs and registers the model; returns where it is. */
export async function registerTestModel(dir: string): Promise<ModelFixture> {
  const trackingUri = path.join(dir, 'mlruns');
  const { rows, labels, names } = trainingWindows();
  const forest = new RandomForestClassifier({
    nEstimators: 40,
    maxDepth: 10,
    randomState: 7,
    nJobs: 1,
  });
  const X = featureMatrix(rows, names);
  forest.fitSync(X, labels);
  const predicted = forest.predict(X);
  const accuracy = predicted.filter((p, k) => p === labels[k]).length / labels.length;
  const modelFile = path.join(dir, 'driving-style.pwrf');
  await forest.save(modelFile);
  const importancesFile = path.join(dir, 'feature_importances.json');
  const importances = forest.featureImportances;
  await writeFile(
    importancesFile,
    JSON.stringify(names.map((feature, k) => ({ feature, importance: importances[k] ?? 0 }))),
  );

  const tracking = await openTracking({ trackingUri, env: {} });
  let source: string;
  let runId: string;
  try {
    const experiment = await tracking.getOrCreateExperiment('driving-style');
    const run = await tracking.startRun({
      experimentId: experiment.experimentId,
      runName: 'e2e-forest',
    });
    runId = run.runId;
    await run.logParams({ n_estimators: 40, max_depth: 10, train_rows: rows.length });
    await run.logMetrics([{ key: 'train_accuracy', value: accuracy }]);
    await run.logArtifact(importancesFile);
    source = (await run.logModel({ modelFile, formatVersion: MODEL_FORMAT_VERSION })).source;
    await run.end('FINISHED');
  } finally {
    tracking.close();
  }
  const registry = await openRegistry({ trackingUri, env: {} });
  try {
    await registry.createRegisteredModel(MODEL_NAME);
    const version = await registry.createModelVersion({ name: MODEL_NAME, source, runId });
    await registry.setAlias(MODEL_NAME, 'production', version.version);
    return { trackingUri, version: `${MODEL_NAME}/${version.version}`, trainRows: rows.length };
  } finally {
    registry.close();
  }
}

/** A lake with one small table (two commits) and a data-docs page. */
export async function writeTestLake(root: string): Promise<void> {
  const table = await DeltaTable.create(path.join(root, 'silver', 'telemetry'), {
    fields: [
      { name: 'vehicle_id', type: 'string' },
      { name: 'speed_kmh', type: 'double' },
    ],
  });
  try {
    await table.appendRows([
      { vehicle_id: 'VH-0001', speed_kmh: 50 },
      { vehicle_id: 'VH-0002', speed_kmh: 72.5 },
    ]);
    await table.appendRows([{ vehicle_id: 'VH-0003', speed_kmh: 31 }]);
  } finally {
    table.close();
  }
  const docs = path.join(root, 'dq', 'docs');
  await mkdir(docs, { recursive: true });
  await writeFile(
    path.join(docs, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>Data docs</title><style>body{font-family:sans-serif}</style><h1>Data docs</h1><p>All expectations met.</p>',
  );
}

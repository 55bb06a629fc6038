// `pitwall train`: the driving-style model from a dataset (ml dataset), tracked as an MLflow
// run and optionally registered under an alias. One function, so the demo and the CLI train
// the same way.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ERROR_CODES, MlError, TrackingError } from '../errors.js';
import { DuckDbEngine } from '../lake/index.js';
import { createHash } from 'node:crypto';
import { FEATURES } from '../pipeline/gold/feature-spec.js';
import { loadDatasetManifest, DATASET_FILES, DATASET_MANIFEST } from './dataset/index.js';
import {
  MODEL_FORMAT_VERSION,
  RandomForestClassifier,
  type FitProgress,
  type RandomForestOptions,
} from './forest/index.js';
import { readTableData } from './forest/table-data.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';
import { confusionMatrixSvg, featureImportanceSvg } from './plots.js';
import { openRegistry } from './registry/index.js';
import { openTracking, type MetricInput } from './tracking/index.js';

/** The mission's model: 300 trees of depth 12 with balanced class weights. */
export const TRAIN_DEFAULTS = {
  nEstimators: 300,
  maxDepth: 12,
  classWeight: 'balanced',
  randomState: 42,
} as const satisfies RandomForestOptions;

export const DEFAULT_EXPERIMENT = 'driving-style';
export const DEFAULT_MODEL_NAME = 'driving-style';
/** The class the ROC AUC is reported for (one-vs-rest). */
export const POSITIVE_CLASS = 'aggressive';
/** Model folder files besides the forest: the input contract of the live engine. */
export const MODEL_FILE = 'model.pwrf';
export const FEATURES_FILE = 'features.json';

export interface TrainOptions {
  /** Folder of a dataset built by `pitwall ml dataset`. */
  readonly datasetDir: string;
  /** Tracking URI (folder, file: or http(s)); default MLFLOW_TRACKING_URI, then ./mlruns. */
  readonly trackingUri?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly experimentName?: string;
  readonly runName?: string;
  /** Forest options over TRAIN_DEFAULTS. */
  readonly forest?: RandomForestOptions;
  /** Register the model under this name (and move `alias` to the new version). */
  readonly register?: string;
  readonly alias?: string;
  /** Permutation importance repeats on (a sample of) the test set; 0 skips it. */
  readonly permutationRepeats?: number;
  readonly onProgress?: (message: string) => void;
  readonly onFitProgress?: (progress: FitProgress) => void;
}

export interface TrainResult {
  readonly runId: string;
  readonly experimentId: string;
  readonly modelUri: string;
  readonly trackingUri: string;
  readonly metrics: ClassificationMetrics;
  readonly fitSeconds: number;
  readonly trainRows: number;
  readonly testRows: number;
  readonly featureImportances: readonly { readonly name: string; readonly value: number }[];
  readonly registered?: {
    readonly name: string;
    readonly version: number;
    readonly alias?: string;
  };
}

/**
 * A fingerprint of the gold feature spec (names, measures, statistics): a model records the
 * one it was trained on, and the live engine can refuse a model built for other features.
 */
export const FEATURE_SPEC_VERSION = createHash('sha256')
  .update(JSON.stringify(FEATURES))
  .digest('hex')
  .slice(0, 16);

/** Rows of the permutation-importance sample (it predicts the sample features × repeats times). */
const PERMUTATION_ROWS = 20_000;

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/**
 * Trains the forest on the dataset's train split, scores the test split, and records it all
 * as a tracking run (params, metrics, plots, the model folder); registers it when asked.
 *
 * @example
 * const result = await trainModel({ datasetDir: '.pitwall/datasets/driving-style', register: 'driving-style', alias: 'production' });
 * console.log(result.metrics.macroF1, result.registered?.version);
 */
export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const progress = options.onProgress ?? (() => {});
  const manifest = await loadDatasetManifest(options.datasetDir);
  const engine = new DuckDbEngine();
  let train;
  let test;
  try {
    const read = (file: string) =>
      readTableData(path.join(options.datasetDir, file), {
        label: manifest.label,
        features: manifest.features,
        engine,
      });
    train = await read(DATASET_FILES.train);
    test = await read(DATASET_FILES.test);
  } finally {
    engine.close();
  }
  if (train.y.length === 0 || test.y.length === 0) {
    throw new MlError(`dataset at ${options.datasetDir} has an empty train or test split`);
  }
  const params: RandomForestOptions = { ...TRAIN_DEFAULTS, ...options.forest };
  const forest = new RandomForestClassifier(params);
  progress(
    `fitting ${params.nEstimators ?? 100} trees (depth ${String(params.maxDepth ?? 'unlimited')}) on ${train.y.length} rows × ${manifest.features.length} features`,
  );
  const started = performance.now();
  await forest.fit(train.X, train.y, {
    ...(options.onFitProgress === undefined ? {} : { onProgress: options.onFitProgress }),
  });
  const fitSeconds = (performance.now() - started) / 1000;
  const proba = forest.predictProba(test.X);
  const classes = forest.classes;
  const predicted: string[] = new Array<string>(test.y.length);
  for (let r = 0; r < test.y.length; r++) {
    let best = 0;
    for (let k = 1; k < classes.length; k++) {
      if (proba[r * classes.length + k]! > proba[r * classes.length + best]!) best = k;
    }
    predicted[r] = classes[best]!;
  }
  const metrics = classificationMetrics(test.y, predicted, {
    labels: classes,
    proba,
    classes,
    ...(classes.includes(POSITIVE_CLASS) ? { positiveClass: POSITIVE_CLASS } : {}),
  });
  progress(
    `fitted in ${fitSeconds.toFixed(1)} s; test accuracy ${(metrics.accuracy * 100).toFixed(1)} %, macro F1 ${(metrics.macroF1 * 100).toFixed(1)} %`,
  );
  const importances = manifest.features
    .map((name, i) => ({ name, value: forest.featureImportances[i] ?? 0 }))
    .sort((a, b) => b.value - a.value);

  const staging = await mkdtemp(path.join(tmpdir(), 'pitwall-train-'));
  try {
    const modelFile = path.join(staging, MODEL_FILE);
    await forest.save(modelFile);
    const featuresFile = path.join(staging, FEATURES_FILE);
    await writeFile(
      featuresFile,
      `${JSON.stringify(
        {
          features: manifest.features,
          label: manifest.label,
          classes,
          feature_spec_version: FEATURE_SPEC_VERSION,
          positive_class: POSITIVE_CLASS,
        },
        null,
        2,
      )}\n`,
    );
    const datasetFile = path.join(staging, DATASET_MANIFEST);
    await copyFile(path.join(options.datasetDir, DATASET_MANIFEST), datasetFile);
    const plots = path.join(staging, 'plots');
    await rm(plots, { recursive: true, force: true });
    await mkdir(plots);
    await writeFile(
      path.join(plots, 'confusion_matrix.svg'),
      confusionMatrixSvg(metrics.confusion.labels, metrics.confusion.matrix),
    );
    await writeFile(
      path.join(plots, 'feature_importance.svg'),
      featureImportanceSvg(manifest.features, forest.featureImportances, { top: 25 }),
    );
    let permutation: { name: string; mean: number; std: number }[] | undefined;
    const repeats = options.permutationRepeats ?? 3;
    if (repeats > 0) {
      progress(`permutation importance on up to ${PERMUTATION_ROWS} test rows, ${repeats} repeats`);
      const sample = sampleRows(test.X, test.y, PERMUTATION_ROWS);
      const result = forest.permutationImportance(sample.X, sample.y, {
        nRepeats: repeats,
        randomState: params.randomState ?? 42,
      });
      permutation = manifest.features
        .map((name, i) => ({
          name,
          mean: result.importancesMean[i] ?? 0,
          std: result.importancesStd[i] ?? 0,
        }))
        .sort((a, b) => b.mean - a.mean);
    }
    // Impurity-based importances, `{feature: importance}`, largest first (the cockpit's model page reads it).
    const importancesFile = path.join(staging, 'feature_importances.json');
    await writeFile(
      importancesFile,
      `${JSON.stringify(Object.fromEntries(importances.map((i) => [i.name, round(i.value)])), null, 2)}\n`,
    );
    const metricsFile = path.join(staging, 'metrics.json');
    await writeFile(
      metricsFile,
      `${JSON.stringify({ ...metrics, fit_seconds: fitSeconds, permutation_importance: permutation ?? null }, null, 2)}\n`,
    );

    const tracking = await openTracking({
      ...(options.trackingUri === undefined ? {} : { trackingUri: options.trackingUri }),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    try {
      const experiment = await tracking.getOrCreateExperiment(
        options.experimentName ?? DEFAULT_EXPERIMENT,
      );
      progress(`logging the run to ${tracking.uri} (experiment ${experiment.name})`);
      const run = await tracking.startRun({
        experimentId: experiment.experimentId,
        ...(options.runName === undefined ? {} : { runName: options.runName }),
        tags: {
          'pitwall.dataset.gold_version': String(manifest.source.version),
          'pitwall.dataset.seed': String(manifest.seed),
          'pitwall.feature_spec_version': String(FEATURE_SPEC_VERSION),
          'pitwall.model_format_version': String(MODEL_FORMAT_VERSION),
        },
      });
      try {
        await run.logParams({
          n_estimators: params.nEstimators ?? 100,
          max_depth: params.maxDepth ?? 'None',
          max_features: String(params.maxFeatures ?? 'sqrt'),
          min_samples_leaf: params.minSamplesLeaf ?? 1,
          bootstrap: params.bootstrap ?? true,
          class_weight:
            typeof params.classWeight === 'object' && params.classWeight !== null
              ? JSON.stringify(params.classWeight)
              : String(params.classWeight ?? 'None'),
          random_state: params.randomState ?? 'None',
          features: manifest.features.length,
          train_rows: train.y.length,
          test_rows: test.y.length,
          train_sessions: manifest.splits.train.sessions,
          test_sessions: manifest.splits.test.sessions,
          gold_version: manifest.source.version,
          dataset_seed: manifest.seed,
        });
        const now = Date.now();
        const step = params.nEstimators ?? 100;
        const list: MetricInput[] = [
          { key: 'accuracy', value: round(metrics.accuracy), step, timestamp: now },
          {
            key: 'balanced_accuracy',
            value: round(metrics.balancedAccuracy),
            step,
            timestamp: now,
          },
          { key: 'macro_f1', value: round(metrics.macroF1), step, timestamp: now },
          { key: 'fit_seconds', value: round(fitSeconds), step, timestamp: now },
        ];
        if (metrics.rocAuc !== undefined) {
          list.push({
            key: `roc_auc_${metrics.rocAuc.positiveClass}_vs_rest`,
            value: round(metrics.rocAuc.value),
            step,
            timestamp: now,
          });
        }
        for (const c of metrics.perClass) {
          for (const [name, value] of [
            ['precision', c.precision],
            ['recall', c.recall],
            ['f1', c.f1],
          ] as const) {
            list.push({ key: `${name}_${c.label}`, value: round(value), step, timestamp: now });
          }
        }
        await run.logMetrics(list);
        await run.logArtifacts(plots, 'plots');
        await run.logArtifact(metricsFile);
        await run.logArtifact(importancesFile);
        await run.logArtifact(datasetFile);
        const logged = await run.logModel({
          modelFile,
          formatVersion: MODEL_FORMAT_VERSION,
          extraFiles: [featuresFile],
          flavorFields: {
            classes: classes.join(','),
            features: manifest.features.length,
            feature_spec_version: FEATURE_SPEC_VERSION,
          },
        });
        await run.end('FINISHED');
        let registered: TrainResult['registered'];
        if (options.register !== undefined) {
          registered = await register(options, logged.source, run.runId, progress);
        }
        return {
          runId: run.runId,
          experimentId: experiment.experimentId,
          modelUri: logged.modelUri,
          trackingUri: tracking.uri,
          metrics,
          fitSeconds,
          trainRows: train.y.length,
          testRows: test.y.length,
          featureImportances: importances,
          ...(registered === undefined ? {} : { registered }),
        };
      } catch (error) {
        await run.end('FAILED').catch(() => undefined);
        throw error;
      }
    } finally {
      tracking.close();
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function register(
  options: TrainOptions,
  source: string,
  runId: string,
  progress: (message: string) => void,
): Promise<{ name: string; version: number; alias?: string }> {
  const name = options.register!;
  const registry = await openRegistry({
    ...(options.trackingUri === undefined ? {} : { trackingUri: options.trackingUri }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  try {
    try {
      await registry.createRegisteredModel(name, {
        description:
          'Driving-style classifier (aggressive, cautious, eco, normal) from 10 s gold windows',
      });
    } catch (error) {
      if (!(error instanceof TrackingError) || error.code !== ERROR_CODES.trackingAlreadyExists)
        throw error;
    }
    const version = await registry.createModelVersion({ name, source, runId });
    if (options.alias !== undefined) await registry.setAlias(name, options.alias, version.version);
    progress(
      `registered ${name} version ${version.version}${options.alias === undefined ? '' : ` as @${options.alias}`}`,
    );
    return {
      name,
      version: version.version,
      ...(options.alias === undefined ? {} : { alias: options.alias }),
    };
  } finally {
    registry.close();
  }
}

/** An evenly spaced sample of at most `max` rows (deterministic), as a row-major matrix. */
function sampleRows(
  X: {
    rows: number;
    cols: number;
    data: Float64Array | Float32Array;
    layout?: string;
    columns?: readonly string[];
  },
  y: readonly string[],
  max: number,
): {
  X: { rows: number; cols: number; data: Float64Array; columns?: readonly string[] };
  y: string[];
} {
  const n = Math.min(max, X.rows);
  const stepSize = X.rows / n;
  const data = new Float64Array(n * X.cols);
  const labels: string[] = new Array<string>(n);
  const colMajor = X.layout === 'column-major';
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i * stepSize);
    labels[i] = y[r]!;
    for (let c = 0; c < X.cols; c++) {
      data[i * X.cols + c] = colMajor ? X.data[c * X.rows + r]! : X.data[r * X.cols + c]!;
    }
  }
  return {
    X: { rows: n, cols: X.cols, data, ...(X.columns === undefined ? {} : { columns: X.columns }) },
    y: labels,
  };
}

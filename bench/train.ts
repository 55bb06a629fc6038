// The random forest against scikit-learn on the same gold-derived train/test Parquet, in
// one run: RandomForestClassifier(n_estimators=300, max_depth=12, class_weight='balanced',
// n_jobs=2) both sides. Fit time (wall, binning and worker start included for Pitwall;
// reading the files excluded on both sides), test accuracy and macro F1, batch prediction
// rows/s on one core and one-row prediction latency.
//
// Data: a simulated fleet (one session per vehicle, drivers `mix`, no faults) whose gold
// rows come from the gold feature computer (src/pipeline/gold/online.ts: the same spec as
// the gold SQL, equal to it within 1e-9 by test), split 80/20 by session, stratified by
// driver profile, written as gold-shaped Parquet (keys, 50 features, label) and cached
// under .scratch/bench-train/. `--data DIR` uses train.parquet/test.parquet of a dataset
// built elsewhere (`pitwall ml dataset`) instead.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeParquetSync, type ParquetColumn } from '../src/lake/parquet/index.js';
import { classificationMetrics } from '../src/ml/metrics.js';
import { RandomForestClassifier } from '../src/ml/forest/random-forest.js';
import { readTableData } from '../src/ml/forest/table-data.js';
import { FEATURES } from '../src/pipeline/gold/feature-spec.js';
import { GOLD_LABEL_COLUMN } from '../src/pipeline/gold/sql.js';
import { OnlineFeatureComputer } from '../src/pipeline/gold/online.js';
import { FAULT_PRESETS } from '../src/sim/faults.js';
import { Fleet, PHYSICS_HZ } from '../src/sim/fleet.js';
import { SAMPLE_FLAGS } from '../src/sim/emission.js';
import { SIGNAL_COUNT } from '../src/telemetry/signals.js';
import { UsageError } from '../src/errors.js';
import {
  describeMachine,
  integerOption,
  machineFigures,
  median,
  parseBenchArgs,
  printMachine,
  printTable,
  roundFigure,
  type Figures,
} from './lib.js';

export const description =
  'random forest: Pitwall vs scikit-learn on gold-derived train/test Parquet (300 trees, depth 12, balanced, 2 jobs)';

export const usage = `options:
  --vehicles N     simulated sessions, one per vehicle (default 1000)
  --seconds N      seconds per session (default 625: ~500k train + ~125k test rows)
  --seed N         simulation, split and forest seed (default 7)
  --trees N        trees (default 300)
  --depth N        max depth (default 12)
  --jobs N         worker threads / n_jobs on both sides (default 2)
  --data DIR       use DIR/train.parquet and DIR/test.parquet instead of simulating
  --no-sklearn     skip the scikit-learn side (figures without sklearn_*)`;

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCRATCH = path.join(REPO, '.scratch/bench-train');
const FEATURE_NAMES = FEATURES.map((f) => f.name);
const T0_MS = Date.UTC(2026, 0, 5, 8, 0, 0);

interface DatasetFiles {
  readonly train: string;
  readonly test: string;
  readonly source: string;
}

/** Gold rows of one split as Parquet columns (gold's column names and types). */
class GoldColumns {
  sessionId: string[] = [];
  vehicleId: string[] = [];
  windowEndUs: number[] = [];
  windowSeconds: number[] = [];
  sampleCount: number[] = [];
  features: number[][] = FEATURE_NAMES.map(() => []);
  label: string[] = [];

  toParquet(): ParquetColumn[] {
    return [
      { name: 'session_id', type: 'string', nullable: false, values: this.sessionId },
      { name: 'vehicle_id', type: 'string', nullable: false, values: this.vehicleId },
      {
        name: 'window_end',
        type: 'timestamp',
        nullable: false,
        values: BigInt64Array.from(this.windowEndUs, (us) => BigInt(us)),
      },
      {
        name: 'window_seconds',
        type: 'integer',
        nullable: false,
        values: Int32Array.from(this.windowSeconds),
      },
      {
        name: 'sample_count',
        type: 'long',
        nullable: false,
        values: BigInt64Array.from(this.sampleCount, (n) => BigInt(n)),
      },
      ...FEATURE_NAMES.map((name, k): ParquetColumn => ({
        name,
        type: 'double',
        nullable: true,
        // NaN (an undefined statistic) is written as null, as gold holds it.
        values: this.features[k]!.map((v) => (Number.isNaN(v) ? null : v)),
      })),
      { name: GOLD_LABEL_COLUMN, type: 'string', nullable: false, values: this.label },
    ];
  }
}

/** Test sessions: per label, the 20 % whose hash of (seed, session) sorts first. */
function splitSessions(profiles: readonly string[], seed: number): Set<number> {
  const byLabel = new Map<string, number[]>();
  profiles.forEach((label, i) => byLabel.set(label, [...(byLabel.get(label) ?? []), i]));
  const test = new Set<number>();
  for (const sessions of byLabel.values()) {
    const keyed = sessions.map((i) => ({
      i,
      key: createHash('sha256').update(`${seed}\u0000${i}`).digest('hex'),
    }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : 1));
    const nTest = Math.max(1, Math.round(keyed.length * 0.2));
    for (const s of keyed.slice(0, nTest)) test.add(s.i);
  }
  return test;
}

/** Simulates the fleet, computes gold rows per session and writes the split as Parquet. */
async function simulateDataset(
  vehicles: number,
  seconds: number,
  seed: number,
): Promise<DatasetFiles> {
  const dir = path.join(SCRATCH, `gold-v1-${vehicles}x${seconds}-seed${seed}`);
  const files = {
    train: path.join(dir, 'train.parquet'),
    test: path.join(dir, 'test.parquet'),
    source: `simulated: ${vehicles} sessions × ${seconds} s at 10 Hz, seed ${seed}, online gold features (${dir})`,
  };
  if (existsSync(files.train) && existsSync(files.test)) return files;
  const started = performance.now();
  console.error(`bench train: simulating ${vehicles} sessions × ${seconds} s (cached in ${dir}) …`);
  const fleet = new Fleet({
    vehicles,
    seed,
    hz: 10,
    drivers: 'mix',
    faults: FAULT_PRESETS.none,
  });
  const profiles: string[] = [];
  for (let i = 0; i < vehicles; i++) {
    profiles.push(fleet.startSession(i, 0, T0_MS + 137 * i).driverProfile);
  }
  const testSessions = splitSessions(profiles, seed);
  const computers = Array.from({ length: vehicles }, () => new OnlineFeatureComputer());
  const splits = { train: new GoldColumns(), test: new GoldColumns() };
  const emit = (i: number, row: ReturnType<OnlineFeatureComputer['push']>): void => {
    if (row === undefined) return;
    const out = testSessions.has(i) ? splits.test : splits.train;
    out.sessionId.push(`S-${seed}-${i}`);
    out.vehicleId.push(`VH-${String(i + 1).padStart(4, '0')}`);
    out.windowEndUs.push(row.windowEnd * 1_000_000);
    out.windowSeconds.push(row.windowSeconds);
    out.sampleCount.push(row.sampleCount);
    for (let k = 0; k < FEATURE_NAMES.length; k++) out.features[k]!.push(row.values[k]!);
    out.label.push(profiles[i]!);
  };
  for (let t = 0; t < seconds; t++) {
    fleet.advance(PHYSICS_HZ);
    const batch = fleet.batch;
    for (let k = 0; k < batch.count; k++) {
      if (batch.flags[k]! & SAMPLE_FLAGS.duplicate) continue;
      const i = batch.vehicle[k]!;
      const values = batch.values.subarray(k * SIGNAL_COUNT, (k + 1) * SIGNAL_COUNT);
      emit(i, computers[i]!.push(Math.round(batch.timeMs[k]! * 1000), values));
    }
    batch.clear();
    if ((t + 1) % 100 === 0) console.error(`bench train: ${t + 1}/${seconds} s simulated`);
  }
  computers.forEach((computer, i) => emit(i, computer.flush()));
  await mkdir(dir, { recursive: true });
  for (const name of ['train', 'test'] as const) {
    const { bytes } = encodeParquetSync(splits[name].toParquet());
    const temp = `${files[name]}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, files[name]);
  }
  console.error(
    `bench train: dataset ready in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      `${splits.train.label.length} train rows, ${splits.test.label.length} test rows`,
  );
  return files;
}

interface SklearnResult {
  readonly fit_s: number;
  readonly predict_s: number;
  readonly accuracy: number;
  readonly balanced_accuracy: number;
  readonly macro_f1: number;
  readonly depth_mean: number;
  readonly nodes: number;
  readonly versions: Readonly<Record<string, string>>;
}

/** The ml venv's Python (scripts/interop/install.sh writes it to .cache/interop/env.json). */
function mlPython(): string {
  const file = path.join(REPO, '.cache/interop/env.json');
  if (!existsSync(file)) {
    throw new UsageError(
      'scikit-learn is not installed: run `npm run interop:install`, or pass --no-sklearn',
    );
  }
  const env = JSON.parse(readFileSync(file, 'utf8')) as { ml_python?: string };
  if (env.ml_python === undefined || !existsSync(env.ml_python)) {
    throw new UsageError(
      'the ml venv is missing: run `npm run interop:install`, or pass --no-sklearn',
    );
  }
  return env.ml_python;
}

function runSklearn(args: readonly string[]): Promise<SklearnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(mlPython(), [path.join(REPO, 'scripts/interop/sklearn_peer.py'), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`sklearn_peer.py exited with code ${code}`));
        return;
      }
      const last = out.trim().split('\n').pop() ?? '';
      resolve(JSON.parse(last) as SklearnResult);
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export async function run(args: readonly string[]): Promise<Figures> {
  const values = parseBenchArgs(args, {
    vehicles: { type: 'string' },
    seconds: { type: 'string' },
    seed: { type: 'string' },
    trees: { type: 'string' },
    depth: { type: 'string' },
    jobs: { type: 'string' },
    data: { type: 'string' },
    'no-sklearn': { type: 'boolean' },
  });
  const vehicles = integerOption(values, 'vehicles', 1000);
  const seconds = integerOption(values, 'seconds', 625);
  const seed = integerOption(values, 'seed', 7);
  const trees = integerOption(values, 'trees', 300);
  const depth = integerOption(values, 'depth', 12);
  const jobs = integerOption(values, 'jobs', 2);
  const withSklearn = values['no-sklearn'] !== true;
  const machine = describeMachine();
  printMachine(machine);

  const files: DatasetFiles =
    typeof values.data === 'string'
      ? {
          train: path.join(values.data, 'train.parquet'),
          test: path.join(values.data, 'test.parquet'),
          source: `dataset ${values.data}`,
        }
      : await simulateDataset(vehicles, seconds, seed);
  const read = { label: GOLD_LABEL_COLUMN, features: FEATURE_NAMES };
  const train = await readTableData(files.train, read);
  const test = await readTableData(files.test, read);
  const classes = [...new Set(train.y)].sort();
  printTable(
    ['dataset', ''],
    [
      ['source', files.source],
      ['train rows', train.X.rows],
      ['test rows', test.X.rows],
      ['features', train.X.cols],
      ['classes', classes.join(', ')],
    ],
  );

  // Pitwall.
  const forest = new RandomForestClassifier({
    nEstimators: trees,
    maxDepth: depth,
    classWeight: 'balanced',
    nJobs: jobs,
    randomState: seed,
  });
  const cpuBefore = process.cpuUsage();
  const fitStarted = performance.now();
  let lastReport = 0;
  await forest.fit(train.X, train.y, {
    onProgress: ({ treesDone, nTrees, elapsedS }) => {
      if (treesDone === nTrees || elapsedS - lastReport >= 10) {
        lastReport = elapsedS;
        console.error(
          `bench train: pitwall ${treesDone}/${nTrees} trees, ${elapsedS.toFixed(1)} s`,
        );
      }
    },
  });
  const fitS = (performance.now() - fitStarted) / 1000;
  const mainCpuS = (() => {
    const used = process.cpuUsage(cpuBefore);
    return (used.user + used.system) / 1e6;
  })();
  const stats = forest.treeStats;
  // Batch prediction on one core (this thread), median of 3.
  const predictTimes: number[] = [];
  let proba: Float64Array = new Float64Array(0);
  for (let k = 0; k < 3; k++) {
    const started = performance.now();
    proba = forest.predictProba(test.X);
    predictTimes.push((performance.now() - started) / 1000);
  }
  const predictS = median(predictTimes);
  const predicted = Array.from({ length: test.X.rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < classes.length; c++) {
      if (proba[r * classes.length + c]! > proba[r * classes.length + best]!) best = c;
    }
    return forest.classes[best]!;
  });
  const metrics = classificationMetrics(test.y, predicted, {
    proba,
    classes: forest.classes,
    positiveClass: forest.classes.includes('aggressive') ? 'aggressive' : forest.classes[0]!,
  });
  // One-row latency, the live path: a row copied out of the test set, preallocated output.
  const row = new Float64Array(test.X.cols);
  const out = new Float64Array(classes.length);
  const latencies: number[] = [];
  const nLatency = Math.min(3000, test.X.rows);
  for (let k = 0; k < nLatency; k++) {
    const r = (k * 7919) % test.X.rows;
    for (let f = 0; f < test.X.cols; f++) row[f] = test.X.data[f * test.X.rows + r]!;
    const started = performance.now();
    forest.predictProbaRow(row, out);
    latencies.push((performance.now() - started) * 1000);
  }
  latencies.sort((a, b) => a - b);
  const latencyP50 = percentile(latencies, 0.5);
  const latencyP99 = percentile(latencies, 0.99);

  // scikit-learn, after Pitwall (never at the same time).
  let sk: SklearnResult | undefined;
  if (withSklearn) {
    console.error(`bench train: scikit-learn ${trees} trees, n_jobs=${jobs} …`);
    sk = await runSklearn([
      'fit',
      '--train',
      files.train,
      '--test',
      files.test,
      '--label',
      GOLD_LABEL_COLUMN,
      '--features',
      FEATURE_NAMES.join(','),
      '--trees',
      String(trees),
      '--max-depth',
      String(depth),
      '--class-weight',
      'balanced',
      '--n-jobs',
      String(jobs),
      '--random-state',
      String(seed),
    ]);
  }

  const predictRowsPerS = test.X.rows / predictS;
  printTable(
    ['', 'pitwall', 'scikit-learn'],
    [
      ['fit s (wall)', fitS, sk?.fit_s ?? '—'],
      ['fit ratio (pitwall / sklearn)', sk ? fitS / sk.fit_s : '—', ''],
      ['test accuracy', metrics.accuracy, sk?.accuracy ?? '—'],
      ['test macro F1', metrics.macroF1, sk?.macro_f1 ?? '—'],
      ['test balanced accuracy', metrics.balancedAccuracy, sk?.balanced_accuracy ?? '—'],
      ['batch predict rows/s', predictRowsPerS, sk ? test.X.rows / sk.predict_s : '—'],
      ['one-row predict p50 µs', latencyP50, '—'],
      ['one-row predict p99 µs', latencyP99, '—'],
      ['nodes', stats.nodes, sk?.nodes ?? '—'],
      ['mean tree depth', stats.depthMean, sk?.depth_mean ?? '—'],
    ],
  );
  printTable(
    ['class', 'precision', 'recall', 'F1', 'support'],
    metrics.perClass.map((s) => [s.label, s.precision, s.recall, s.f1, s.support]),
  );
  console.log(
    `pitwall batch prediction runs on one thread; the fit used ${jobs} workers (main thread CPU ${mainCpuS.toFixed(1)} s: binning and assembly).`,
  );
  return {
    train_rows: train.X.rows,
    test_rows: test.X.rows,
    features: train.X.cols,
    trees,
    max_depth: depth,
    jobs,
    fit_s: roundFigure(fitS),
    ...(sk
      ? { sklearn_fit_s: roundFigure(sk.fit_s), fit_ratio: roundFigure(fitS / sk.fit_s) }
      : {}),
    accuracy: roundFigure(metrics.accuracy),
    ...(sk ? { sklearn_accuracy: roundFigure(sk.accuracy) } : {}),
    macro_f1: roundFigure(metrics.macroF1),
    ...(sk ? { sklearn_macro_f1: roundFigure(sk.macro_f1) } : {}),
    ...(metrics.rocAuc ? { roc_auc_aggressive: roundFigure(metrics.rocAuc.value) } : {}),
    predict_rows_per_s: roundFigure(predictRowsPerS),
    ...(sk ? { sklearn_predict_rows_per_s: roundFigure(test.X.rows / sk.predict_s) } : {}),
    predict_row_p50_us: roundFigure(latencyP50),
    predict_row_p99_us: roundFigure(latencyP99),
    nodes: stats.nodes,
    depth_mean: roundFigure(stats.depthMean),
    ...machineFigures(machine),
  };
}

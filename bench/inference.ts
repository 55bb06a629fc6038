// Live inference: the latency of one prediction (the window's 50 features merged from its
// per-second partials + a 300-tree, depth-12 forest), the fleet scoring throughput per core
// (message bytes → checked sample → window → prediction → JSON, as `pitwall score` does it,
// without and with the embedded log around it), and scikit-learn's single-row
// predict_proba latency on a forest of the same size fitted on the same rows, in this run.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../src/errors.js';
import {
  FleetScorer,
  InferenceEngine,
  ModelSlot,
  TelemetryDecoder,
  forestStyleModel,
  type StyleModel,
} from '../src/inference/index.js';
import type { ConsumedMessage } from '../src/log/index.js';
import { EmbeddedLog } from '../src/log/index.js';
import { featureMatrix, RandomForestClassifier } from '../src/ml/forest/index.js';
import { FEATURES } from '../src/pipeline/gold/feature-spec.js';
import { FAULT_PRESETS, FleetRunner } from '../src/sim/index.js';
import type { PitwallEvent } from '../src/telemetry/events.js';
import type { RecordBatch, TelemetrySink } from '../src/telemetry/sink.js';
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
  'live inference: one prediction (features + 300 trees of depth 12) p50/p99, fleet scoring samples/s per core, vs scikit-learn single-row predict_proba';

export const usage = `options:
  --train-vehicles N   vehicles of the training fleet (default 40; 8-minute sessions at 10 Hz)
  --trees N            trees of the forest (default 300)
  --depth N            maximum depth (default 12)
  --windows N          predictions timed for the latency (default 20000)
  --fleet-vehicles N   vehicles scored for the throughput (default 200)
  --fleet-seconds N    simulated seconds of that fleet (default 120)
  --hz N               sample rate of the scored fleet, 10-50 (default 10)
  --repeat N           timed throughput runs, median reported (default 3)
  --no-sklearn         skip scikit-learn (no ml venv needed)`;

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const START_MS = Date.UTC(2026, 0, 5, 8, 0, 0);
const NAMES = FEATURES.map((f) => f.name);

/** A sink that keeps the simulator's lines. */
class Lines implements TelemetrySink {
  readonly values: Buffer[] = [];
  write(batch: RecordBatch): void {
    for (const value of batch.values) this.values.push(Buffer.from(value));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function simulate(vehicles: number, seconds: number, hz: number, seed: number) {
  const sink = new Lines();
  await new FleetRunner({
    vehicles,
    hz,
    durationS: seconds,
    sessionDurationS: Math.min(seconds, 480),
    seed,
    drivers: 'mix',
    faults: FAULT_PRESETS.default,
    startTimeMs: START_MS,
  }).run(sink);
  return sink.values;
}

/** Decoded telemetry per session, in log order. */
interface Session {
  readonly label: string | undefined;
  readonly timeUs: number[];
  readonly seq: number[];
  readonly values: Float64Array[];
}

function decodeSessions(lines: readonly Buffer[]): Session[] {
  const decoder = new TelemetryDecoder();
  const sessions = new Map<string, Session>();
  const labels = new Map<string, string>();
  for (const line of lines) {
    const m = decoder.decode(line);
    if (m.kind === 'session_start') labels.set(m.sessionId, m.session!.driver_profile);
    if (m.kind !== 'telemetry') continue;
    let s = sessions.get(m.sessionId);
    if (s === undefined) {
      s = { label: labels.get(m.sessionId), timeUs: [], seq: [], values: [] };
      sessions.set(m.sessionId, s);
    }
    s.timeUs.push(m.timeUs);
    s.seq.push(m.seq);
    s.values.push(Float64Array.from(m.values));
  }
  return [...sessions.values()];
}

/** The training set: every window of every session (gold's rows, by the parity test). */
function trainingSet(sessions: readonly Session[]): { rows: Float64Array[]; labels: string[] } {
  const rows: Float64Array[] = [];
  const labels: string[] = [];
  for (const s of sessions) {
    if (s.label === undefined) continue;
    const engine = new InferenceEngine({
      onWindow: (w) => {
        rows.push(Float64Array.from(w.values));
        labels.push(s.label!);
      },
    });
    for (let k = 0; k < s.timeUs.length; k++)
      engine.addValues(s.timeUs[k]!, s.values[k]!, 0, s.seq[k]);
    engine.flush();
  }
  return { rows, labels };
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

/** Latencies in µs, sorted: wall clock, and CPU time of the process (no time spent descheduled). */
interface Latencies {
  readonly wall: Float64Array;
  readonly cpu: Float64Array;
}

/**
 * Times `count` calls of `step(k)` for which `timed` says yes: wall clock (hrtime) and CPU
 * time (getrusage via process.cpuUsage, µs). On a loaded machine the wall p99 mostly shows
 * the scheduler (a 3-ms time slice lands in ~1-2 % of 60-µs calls); the CPU time does not.
 */
function measure(count: number, next: () => boolean): Latencies {
  const wall = new Float64Array(count);
  const cpu = new Float64Array(count);
  for (let n = 0; n < count;) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const timed = next();
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage(c0);
    if (timed) {
      wall[n] = Number(t1 - t0) / 1000;
      cpu[n] = c1.user + c1.system;
      n++;
    }
  }
  return { wall: wall.sort(), cpu: cpu.sort() };
}

/**
 * Times every addValues call that closes a window (its merge, the model, the prediction)
 * over replays of `sessions`, until `count` windows are timed after one warm-up pass.
 */
function windowLatencies(
  sessions: readonly Session[],
  model: StyleModel | undefined,
  count: number,
): Latencies {
  let pass = 0;
  let session = -1;
  let k = 0;
  let engine: InferenceEngine | undefined;
  let windows = 0;
  return measure(count, () => {
    if (engine === undefined || k >= sessions[session]!.timeUs.length) {
      session++;
      if (session === sessions.length) {
        session = 0;
        pass++;
      }
      k = 0;
      engine = new InferenceEngine({
        ...(model === undefined ? {} : { model }),
        onWindow: () => windows++,
      });
    }
    const s = sessions[session]!;
    const before = windows;
    engine.addValues(s.timeUs[k]!, s.values[k]!, 0, s.seq[k]);
    k++;
    return pass > 0 && windows > before;
  });
}

/** Times the model alone on window feature rows. */
function modelLatencies(
  model: StyleModel,
  rows: readonly Float64Array[],
  count: number,
): Latencies {
  const slot = new ModelSlot(NAMES, model);
  const input = new Float64Array(model.featureNames.length);
  const proba = new Float64Array(model.classes.length);
  let k = -1000;
  return measure(count, () => {
    const row = rows[(k + 1000) % rows.length]!;
    for (let c = 0; c < input.length; c++) input[c] = row[slot.columns[c]!]!;
    model.predictProbaRow(input, proba);
    return k++ >= 0;
  });
}

interface Throughput {
  readonly wallRate: number;
  readonly cpuRate: number;
  readonly predictions: number;
}

/** Samples per wall second and per CPU second of this process for one run of `work`. */
async function throughput(
  samples: number,
  work: () => Promise<number> | number,
): Promise<Throughput> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const predictions = await work();
  const wallS = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    wallRate: samples / wallS,
    cpuRate: samples / ((used.user + used.system) / 1e6),
    predictions,
  };
}

function mlPython(): string {
  const file = path.join(REPO, '.cache/interop/env.json');
  const python = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { ml_python?: string }).ml_python
    : undefined;
  if (python === undefined || !existsSync(python)) {
    throw new UsageError(
      'scikit-learn is not installed (no ml_python in .cache/interop/env.json): run `npm run interop:install`, or pass --no-sklearn',
    );
  }
  return python;
}

interface SklearnLatency {
  readonly fit_s: number;
  readonly nodes: number;
  readonly max_depth: number;
  readonly latency: Readonly<Record<string, { p50_us: number; p99_us: number; mean_us: number }>>;
  readonly versions: Readonly<Record<string, string>>;
}

function runSklearn(args: readonly string[]): Promise<SklearnLatency> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      mlPython(),
      [path.join(REPO, 'scripts/interop/sklearn_latency.py'), ...args],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`sklearn_latency.py exited with code ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as SklearnLatency);
    });
  });
}

function csv(rows: readonly Float64Array[], labels: readonly string[]): string {
  const lines = [[...NAMES, 'label'].join(',')];
  rows.forEach((row, k) => {
    const cells = Array.from(row, (v) => (Number.isNaN(v) ? '' : String(v)));
    lines.push(`${cells.join(',')},${labels[k]}`);
  });
  return `${lines.join('\n')}\n`;
}

export async function run(args: readonly string[]): Promise<Figures> {
  const values = parseBenchArgs(args, {
    'train-vehicles': { type: 'string' },
    trees: { type: 'string' },
    depth: { type: 'string' },
    windows: { type: 'string' },
    'fleet-vehicles': { type: 'string' },
    'fleet-seconds': { type: 'string' },
    hz: { type: 'string' },
    repeat: { type: 'string' },
    'no-sklearn': { type: 'boolean' },
  });
  const trainVehicles = integerOption(values, 'train-vehicles', 40);
  const trees = integerOption(values, 'trees', 300);
  const depth = integerOption(values, 'depth', 12);
  const windowCount = integerOption(values, 'windows', 20_000);
  const fleetVehicles = integerOption(values, 'fleet-vehicles', 200);
  const fleetSeconds = integerOption(values, 'fleet-seconds', 120);
  const hz = integerOption(values, 'hz', 10);
  if (hz < 10 || hz > 50) throw new UsageError(`--hz must be 10-50, got ${hz}`);
  const repeat = integerOption(values, 'repeat', 3);
  const withSklearn = values['no-sklearn'] !== true;
  const python = withSklearn ? mlPython() : undefined;

  const machine = describeMachine();
  printMachine(machine);
  const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-bench-inference-'));
  try {
    // The model: a forest of the size on windows of a simulated fleet.
    const trainLines = await simulate(trainVehicles, 480, 10, 11);
    const { rows, labels } = trainingSet(decodeSessions(trainLines));
    const X = featureMatrix(rows, NAMES);
    const forest = new RandomForestClassifier({
      nEstimators: trees,
      maxDepth: depth,
      classWeight: 'balanced',
      randomState: 42,
    });
    const fitStart = performance.now();
    await forest.fit(X, labels);
    const fitS = (performance.now() - fitStart) / 1000;
    const stats = forest.treeStats;
    const model = forestStyleModel(forest, 'bench');
    printTable(
      ['model', 'rows', 'trees', 'depth max', 'depth mean', 'nodes', 'fit s'],
      [
        [
          'pitwall forest',
          rows.length,
          stats.nTrees,
          stats.depthMax,
          stats.depthMean,
          stats.nodes,
          fitS,
        ],
      ],
    );

    // Latency: replays of sessions the model never saw.
    const testSessions = decodeSessions(await simulate(20, 300, 10, 12));
    const full = windowLatencies(testSessions, model, windowCount);
    const featuresOnly = windowLatencies(testSessions, undefined, windowCount);
    const modelOnly = modelLatencies(model, rows, windowCount);
    const latencyRow = (what: string, l: Latencies): (string | number)[] => [
      what,
      percentile(l.wall, 0.5),
      percentile(l.wall, 0.99),
      mean(l.wall),
      percentile(l.cpu, 0.5),
      percentile(l.cpu, 0.99),
    ];
    printTable(
      ['one prediction (µs)', 'p50', 'p99', 'mean', 'CPU p50', 'CPU p99'],
      [
        latencyRow('features + forest + prediction', full),
        latencyRow('features only (window merge)', featuresOnly),
        latencyRow(`forest only (${stats.nTrees} trees)`, modelOnly),
      ],
    );

    // Fleet scoring: the scorer's own work on messages in memory, then through the log.
    const fleetLines = await simulate(fleetVehicles, fleetSeconds, hz, 13);
    const now = Date.now();
    const messages: ConsumedMessage[] = fleetLines.map((value, offset) => ({
      topic: 'telemetry',
      partition: 0,
      offset,
      key: null,
      value,
      headers: new Map(),
      timestamp: now,
    }));
    const telemetry = fleetLines.filter((line) => line.includes('"telemetry"')).length;
    const log = new EmbeddedLog({ dir: path.join(dir, 'log') });
    const scoring: Throughput[] = [];
    const viaLog: Throughput[] = [];
    try {
      const admin = log.createAdmin();
      await admin.createTopic('telemetry', { partitions: 4 });
      await admin.close();
      const producer = log.createProducer();
      const keyed = fleetLines.map((value) => ({
        key: (JSON.parse(value.toString()) as PitwallEvent).vehicle_id,
        value,
      }));
      for (let at = 0; at < keyed.length; at += 10_000)
        await producer.send('telemetry', keyed.slice(at, at + 10_000));
      await producer.close();
      for (let r = 0; r < repeat; r++) {
        const scorer = new FleetScorer({
          transport: log,
          topics: ['telemetry'],
          groupId: `bench-${r}`,
          predictionsTopic: `predictions-${r}`,
          model: new ModelSlot(NAMES, model),
        });
        scoring.push(
          await throughput(telemetry, () => {
            let predictions = 0;
            for (let at = 0; at < messages.length; at += 10_000)
              predictions += scorer.scoreBatch(messages.slice(at, at + 10_000)).length;
            return predictions + scorer.flushSessions().length;
          }),
        );
        viaLog.push(
          await throughput(telemetry, async () => {
            const summary = await new FleetScorer({
              transport: log,
              topics: ['telemetry'],
              groupId: `bench-log-${r}`,
              predictionsTopic: `predictions-log-${r}`,
              model: new ModelSlot(NAMES, model),
              availableNow: true,
            }).run();
            return summary.predictions;
          }),
        );
      }
    } finally {
      await log.close();
    }
    const fleetCpu = median(scoring.map((t) => t.cpuRate));
    const fleetWall = median(scoring.map((t) => t.wallRate));
    const logCpu = median(viaLog.map((t) => t.cpuRate));
    const logWall = median(viaLog.map((t) => t.wallRate));
    printTable(
      [
        `fleet scoring, ${fleetVehicles} vehicles × ${fleetSeconds} s at ${hz} Hz (${telemetry.toLocaleString('en-US')} samples)`,
        'samples/s per CPU s',
        'samples/s wall',
        'predictions',
      ],
      [
        ['scoring (bytes → prediction JSON)', fleetCpu, fleetWall, scoring[0]!.predictions],
        ['pitwall score path (embedded log in and out)', logCpu, logWall, viaLog[0]!.predictions],
      ],
    );

    let sklearn: SklearnLatency | undefined;
    let sklearnUs = Number.NaN;
    let sklearnJobs = '';
    if (python !== undefined) {
      const file = path.join(dir, 'train.csv');
      await writeFile(file, csv(rows, labels));
      sklearn = await runSklearn([
        '--train',
        file,
        '--label',
        'label',
        '--trees',
        String(trees),
        '--max-depth',
        String(depth),
      ]);
      for (const [jobs, l] of Object.entries(sklearn.latency)) {
        if (!(l.p50_us >= sklearnUs)) {
          sklearnUs = l.p50_us;
          sklearnJobs = jobs;
        }
      }
      printTable(
        [
          `scikit-learn ${sklearn.versions.sklearn ?? ''} predict_proba, one row`,
          'p50 µs',
          'p99 µs',
          'nodes',
          'depth max',
          'fit s',
        ],
        Object.entries(sklearn.latency).map(([jobs, l]) => [
          `n_jobs=${jobs}`,
          l.p50_us,
          l.p99_us,
          sklearn!.nodes,
          sklearn!.max_depth,
          sklearn!.fit_s,
        ]),
      );
    }
    const p50 = percentile(full.wall, 0.5);
    const p99 = percentile(full.wall, 0.99);
    const speedup = sklearnUs / p50;
    if (sklearn !== undefined) {
      console.log(
        `one prediction: Pitwall ${p50.toFixed(1)} µs (features + ${stats.nTrees} trees) vs scikit-learn ${sklearnUs.toFixed(0)} µs (n_jobs=${sklearnJobs}, trees only): ${speedup.toFixed(0)}× faster\n`,
      );
    }
    return {
      p50_us: roundFigure(p50),
      p99_us: roundFigure(p99),
      p99_cpu_us: roundFigure(percentile(full.cpu, 0.99)),
      features_p50_us: roundFigure(percentile(featuresOnly.wall, 0.5)),
      features_p99_us: roundFigure(percentile(featuresOnly.wall, 0.99)),
      model_p50_us: roundFigure(percentile(modelOnly.wall, 0.5)),
      model_p99_us: roundFigure(percentile(modelOnly.wall, 0.99)),
      fleet_samples_per_s: roundFigure(fleetCpu),
      fleet_wall_samples_per_s: roundFigure(fleetWall),
      fleet_log_samples_per_s: roundFigure(logCpu),
      fleet_log_wall_samples_per_s: roundFigure(logWall),
      ...(sklearn === undefined
        ? {}
        : {
            sklearn_single_row_us: roundFigure(sklearnUs),
            sklearn_n_jobs: Number(sklearnJobs),
            speedup_vs_sklearn: roundFigure(speedup),
          }),
      trees: stats.nTrees,
      depth_max: stats.depthMax,
      nodes: stats.nodes,
      train_rows: rows.length,
      fit_s: roundFigure(fitS),
      hz,
      ...machineFigures(machine),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function mean(xs: Float64Array): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

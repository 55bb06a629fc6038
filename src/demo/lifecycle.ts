// The whole lifecycle on embedded defaults (`pitwall demo`, `npm start`): simulate a mixed
// fleet into the embedded log → bronze → silver (with the data-quality gate and its data
// docs) → gold → dataset → train → register as `production`. Each stage is incremental, and
// a state file remembers what the fleet was, so a second run reuses what exists instead of
// redoing or duplicating it; `fresh` starts over.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { DeltaTable } from '../lake/index.js';
import type { LayerReport } from '../pipeline/run.js';

export interface DemoConfig {
  readonly vehicles: number;
  readonly durationS: number;
  readonly sessionDurationS: number;
  readonly seed: number;
  readonly hz: number;
}

export const DEMO_CONFIG_DEFAULTS: DemoConfig = {
  vehicles: 20,
  durationS: 1200,
  sessionDurationS: 600,
  seed: 42,
  hz: 10,
};

export interface DemoPaths {
  /** Folder holding the state file (and, by default, the log, lake and dataset). */
  readonly home: string;
  readonly logDir: string;
  readonly lakeRoot: string;
  readonly datasetDir: string;
  /** MLflow tracking URI (a folder by default). */
  readonly trackingUri: string;
}

export interface DemoOptions {
  readonly config: DemoConfig;
  readonly paths: DemoPaths;
  readonly fresh?: boolean;
  readonly topic?: string;
  readonly modelName?: string;
  readonly alias?: string;
  /** Trees of the forest (default 300, the mission's model). */
  readonly trees?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** One line per step, prefixed by the stage name. */
  readonly onProgress?: (stage: DemoStage, message: string) => void;
}

export const DEMO_STAGES = [
  'simulate',
  'ingest',
  'pipeline',
  'dataset',
  'train',
] as const satisfies readonly string[];
export type DemoStage = (typeof DEMO_STAGES)[number];

export interface StageReport {
  readonly stage: DemoStage;
  readonly seconds: number;
  /** True when the stage found its work done and reused it. */
  readonly reused: boolean;
  readonly summary: string;
}

export interface DemoResult {
  readonly stages: readonly StageReport[];
  readonly seconds: number;
  readonly events: number;
  readonly sessions: number;
  readonly tables: readonly {
    readonly table: string;
    readonly version: number;
    readonly rows: number;
  }[];
  readonly quarantined: number;
  readonly duplicates: number;
  readonly expectations?: { readonly passed: number; readonly failed: number };
  readonly dataDocs?: string;
  readonly model: {
    readonly name: string;
    readonly version: number;
    readonly alias: string;
    readonly uri: string;
    readonly runId: string;
    readonly accuracy: number;
    readonly macroF1: number;
  };
  readonly paths: DemoPaths;
}

/** What the state file remembers between runs. */
interface DemoState {
  readonly format: 'pitwall-demo-state';
  readonly version: 1;
  readonly config: DemoConfig;
  simulated?: { readonly events: number; readonly sessions: number };
  trained?: {
    readonly goldVersion: number;
    readonly runId: string;
    readonly version: number;
    readonly accuracy: number;
    readonly macroF1: number;
    readonly trackingUri: string;
  };
}

const STATE_FILE = 'demo-state.json';

async function readState(file: string): Promise<DemoState | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<DemoState>;
    return parsed.format === 'pitwall-demo-state' ? (parsed as DemoState) : undefined;
  } catch {
    return undefined;
  }
}

async function writeState(file: string, state: DemoState): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

function sameConfig(a: DemoConfig, b: DemoConfig): boolean {
  return (
    a.vehicles === b.vehicles &&
    a.durationS === b.durationS &&
    a.sessionDurationS === b.sessionDurationS &&
    a.seed === b.seed &&
    a.hz === b.hz
  );
}

async function goldVersion(lakeRoot: string): Promise<number | undefined> {
  try {
    const table = await DeltaTable.open(path.join(lakeRoot, 'gold', 'features'));
    try {
      return await table.latestVersion();
    } finally {
      table.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Runs the batch part of the lifecycle and returns what it built. Serving the cockpit is
 * the caller's (the CLI starts the server on the registered model afterwards).
 *
 * @example
 * const result = await runDemo({ config: DEMO_CONFIG_DEFAULTS, paths });
 * console.log(result.model.uri, result.model.macroF1);
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { config, paths } = options;
  const topic = options.topic ?? 'telemetry';
  const modelName = options.modelName ?? 'driving-style';
  const alias = options.alias ?? 'production';
  const signal = options.signal ?? new AbortController().signal;
  const say = (stage: DemoStage, message: string): void => options.onProgress?.(stage, message);
  const stateFile = path.join(paths.home, STATE_FILE);
  const started = performance.now();
  const reports: StageReport[] = [];

  if (options.fresh === true) {
    say('simulate', `--fresh: removing ${paths.logDir}, ${paths.lakeRoot} and ${paths.datasetDir}`);
    for (const dir of [paths.logDir, paths.lakeRoot, paths.datasetDir]) {
      await rm(dir, { recursive: true, force: true });
    }
    await rm(stateFile, { force: true });
  }
  let state = await readState(stateFile);
  if (state !== undefined && !sameConfig(state.config, config)) {
    throw new UsageError(
      `${paths.home} holds a demo of another fleet (${state.config.vehicles} vehicles, seed ${state.config.seed}, ${state.config.durationS} s); rerun with --fresh to start over`,
    );
  }
  state ??= { format: 'pitwall-demo-state', version: 1, config };

  const stage = async (
    name: DemoStage,
    work: () => Promise<{ reused: boolean; summary: string }>,
  ): Promise<void> => {
    signal.throwIfAborted();
    const t0 = performance.now();
    const outcome = await work();
    const report: StageReport = {
      stage: name,
      seconds: (performance.now() - t0) / 1000,
      ...outcome,
    };
    reports.push(report);
    say(
      name,
      `${outcome.reused ? 'reused' : 'done'} in ${report.seconds.toFixed(1)} s: ${outcome.summary}`,
    );
  };

  // 1. simulate → embedded log.
  await stage('simulate', async () => {
    if (state.simulated !== undefined) {
      return {
        reused: true,
        summary: `${state.simulated.events} events of ${state.simulated.sessions} sessions already in ${paths.logDir}`,
      };
    }
    const { FleetRunner } = await import('../sim/index.js');
    const { FAULT_PRESETS } = await import('../sim/faults.js');
    const { openLogTransport } = await import('../log/connect.js');
    const { LogSink } = await import('../log/log-sink.js');
    // A half-written log from an interrupted run would double events: start it afresh.
    await rm(paths.logDir, { recursive: true, force: true });
    await mkdir(paths.logDir, { recursive: true });
    const transport = await openLogTransport({ source: 'local', dir: paths.logDir });
    try {
      const sink = await LogSink.open(transport, { topic, partitions: 6 });
      say(
        'simulate',
        `${config.vehicles} vehicles, ${config.durationS / 60} min each in ${config.sessionDurationS / 60}-min sessions, mixed cars and drivers, ${config.hz} Hz, seed ${config.seed}`,
      );
      const runner = new FleetRunner({
        vehicles: config.vehicles,
        seed: config.seed,
        hz: config.hz,
        drivers: 'mix',
        cars: 'mix',
        faults: FAULT_PRESETS.default,
        durationS: config.durationS,
        sessionDurationS: config.sessionDurationS,
        startTimeMs: Date.UTC(2026, 0, 1, 8),
      });
      let stats;
      try {
        stats = await runner.run(sink, () => signal.throwIfAborted());
      } finally {
        await sink.close();
      }
      state.simulated = { events: stats.events, sessions: stats.sessions };
      await writeState(stateFile, state);
      return {
        reused: false,
        summary: `${stats.events} events of ${stats.sessions} sessions into the embedded log (${paths.logDir}, topic ${topic})`,
      };
    } finally {
      await transport.close();
    }
  });

  // 2. log → bronze (exactly once: a rerun finds nothing new).
  await stage('ingest', async () => {
    const { openLogTransport } = await import('../log/connect.js');
    const bronze = await import('../pipeline/bronze/index.js');
    const transport = await openLogTransport({ source: 'local', dir: paths.logDir });
    const table = await bronze.openBronzeTable(paths.lakeRoot);
    try {
      const ingestor = new bronze.BronzeIngestor({
        transport,
        table,
        topics: [topic],
        groupId: 'pitwall-bronze',
        maxBatchRecords: 100_000,
        maxBatchMs: 1000,
        availableNow: true,
      });
      const summary = await ingestor.run(signal);
      return {
        reused: summary.records === 0,
        summary:
          summary.records === 0
            ? `bronze already holds the log (${bronze.bronzeTableLocation(paths.lakeRoot)})`
            : `${summary.records} events into ${bronze.bronzeTableLocation(paths.lakeRoot)} in ${summary.batches} commits`,
      };
    } finally {
      table.close();
      await transport.close();
    }
  });

  // 3. bronze → silver (+ data quality) → gold.
  let layers: readonly LayerReport[] = [];
  await stage('pipeline', async () => {
    const { runPipeline } = await import('../pipeline/run.js');
    const summary = await runPipeline({
      lakeRoot: paths.lakeRoot,
      layers: ['silver', 'gold'],
      signal,
      onProgress: (layer, message) => say('pipeline', `${layer}: ${message}`),
    });
    layers = summary.layers;
    const upToDate = summary.layers.every((l) => l.upToDate);
    return {
      reused: upToDate,
      summary: summary.layers
        .map((l) =>
          l.upToDate ? `${l.layer} up to date` : `${l.layer} ${l.rowsIn} → ${l.rowsOut} rows`,
        )
        .join(', '),
    };
  });

  // 4. gold → train/test split by session.
  await stage('dataset', async () => {
    const { buildDataset } = await import('../ml/dataset/index.js');
    const { manifest, reused } = await buildDataset({
      lakeRoot: paths.lakeRoot,
      outDir: paths.datasetDir,
      seed: config.seed,
    });
    return {
      reused,
      summary: `${manifest.splits.train.rows} train rows (${manifest.splits.train.sessions} sessions), ${manifest.splits.test.rows} test rows (${manifest.splits.test.sessions} sessions) from gold v${manifest.source.version}`,
    };
  });

  // 5. train → register → alias.
  await stage('train', async () => {
    const gold = await goldVersion(paths.lakeRoot);
    const trained = state.trained;
    if (
      trained !== undefined &&
      trained.goldVersion === gold &&
      trained.trackingUri === paths.trackingUri &&
      (await aliasStillPoints(paths.trackingUri, modelName, alias, trained.version, options.env))
    ) {
      return {
        reused: true,
        summary: `${modelName} version ${trained.version} (@${alias}) already trained on gold v${gold}`,
      };
    }
    const { trainModel } = await import('../ml/train.js');
    let lastTenth = -1;
    const result = await trainModel({
      datasetDir: paths.datasetDir,
      trackingUri: paths.trackingUri,
      ...(options.env === undefined ? {} : { env: options.env }),
      runName: `demo-seed-${config.seed}`,
      forest: { nEstimators: options.trees ?? 300, randomState: config.seed },
      register: modelName,
      alias,
      onProgress: (message) => say('train', message),
      onFitProgress: (p) => {
        const tenth = Math.floor((10 * p.treesDone) / p.nTrees);
        if (tenth === lastTenth || p.treesDone === 0) return;
        lastTenth = tenth;
        say('train', `${p.treesDone}/${p.nTrees} trees (${p.elapsedS.toFixed(1)} s)`);
      },
    });
    const registered = result.registered!;
    state.trained = {
      goldVersion: gold ?? -1,
      runId: result.runId,
      version: registered.version,
      accuracy: result.metrics.accuracy,
      macroF1: result.metrics.macroF1,
      trackingUri: paths.trackingUri,
    };
    await writeState(stateFile, state);
    return {
      reused: false,
      summary: `accuracy ${(result.metrics.accuracy * 100).toFixed(1)} %, macro F1 ${(result.metrics.macroF1 * 100).toFixed(1)} %; ${modelName} version ${registered.version} is @${alias}`,
    };
  });

  const { lakeStats } = await import('../pipeline/lake-stats.js');
  const tables = (await lakeStats(paths.lakeRoot)).map((t) => ({
    table: t.table,
    version: t.version,
    rows: t.rows,
  }));
  const rowsOf = (name: string): number => tables.find((t) => t.table === name)?.rows ?? 0;
  const expectations = layers.reduce<{ passed: number; failed: number } | undefined>(
    (sum, l) =>
      l.expectations === undefined
        ? sum
        : {
            passed: (sum?.passed ?? 0) + l.expectations.passed,
            failed: (sum?.failed ?? 0) + l.expectations.failed,
          },
    undefined,
  );
  const docs = path.join(paths.lakeRoot, 'dq', 'docs', 'index.html');
  const trained = state.trained!;
  return {
    stages: reports,
    seconds: (performance.now() - started) / 1000,
    events: state.simulated?.events ?? 0,
    sessions: state.simulated?.sessions ?? 0,
    tables,
    quarantined: rowsOf('silver/quarantine'),
    duplicates: rowsOf('silver/duplicates'),
    ...(expectations === undefined ? {} : { expectations }),
    ...(existsSync(docs) ? { dataDocs: docs } : {}),
    model: {
      name: modelName,
      version: trained.version,
      alias,
      uri: `models:/${modelName}@${alias}`,
      runId: trained.runId,
      accuracy: trained.accuracy,
      macroF1: trained.macroF1,
    },
    paths,
  };
}

async function aliasStillPoints(
  trackingUri: string,
  name: string,
  alias: string,
  version: number,
  env: NodeJS.ProcessEnv | undefined,
): Promise<boolean> {
  const { openRegistry } = await import('../ml/registry/index.js');
  const registry = await openRegistry({ trackingUri, ...(env === undefined ? {} : { env }) });
  try {
    return (await registry.getVersionByAlias(name, alias)).version === version;
  } catch {
    return false;
  } finally {
    registry.close();
  }
}

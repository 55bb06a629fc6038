// The pipeline end to end: bronze → silver → gold (`runPipeline`, full refresh) on a bronze
// table of N simulator events, and the same logic in Spark local[2] on the same bronze table
// in the same run (scripts/interop/spark_pipeline.py). The bronze table is prepared once per
// (events, seed, hostile share) under .scratch/bench-pipeline/ and reused by later runs.
//
// Bronze is written as the ingestor writes it, without the log in between: the simulator's
// events (default faults: duplicates, out-of-order delivery, dropouts, spikes, stuck sensors,
// clock skew) plus a small share of hostile messages, keyed by vehicle id, spread over the
// log partitions by Kafka's murmur2 partitioner with per-partition offsets, and appended
// through the ingestor's own micro-batch (`MicroBatch`, 100,000 records per commit, one txn
// per log partition, gzip bronze files).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../src/errors.js';
import { DeltaTable, DuckDbEngine } from '../src/lake/index.js';
import type { ConsumedMessage } from '../src/log/index.js';
import { partitionForKey } from '../src/log/murmur2.js';
import { BRONZE_TABLE_PATH, bronzeAppId, openBronzeTable } from '../src/pipeline/bronze/index.js';
import { MicroBatch } from '../src/pipeline/bronze/micro-batch.js';
import { createGoldLayer } from '../src/pipeline/gold/index.js';
import { runPipeline, type LayerReport } from '../src/pipeline/run.js';
import { createSilverLayer } from '../src/pipeline/silver/index.js';
import { FAULT_PRESETS } from '../src/sim/faults.js';
import { FleetRunner } from '../src/sim/runner.js';
import type { RecordBatch, TelemetrySink } from '../src/telemetry/sink.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import {
  describeMachine,
  integerOption,
  machineFigures,
  numberOption,
  parseBenchArgs,
  printMachine,
  printTable,
  roundFigure,
  type Figures,
} from './lib.js';

export const description =
  'pipeline: bronze → silver → gold full refresh on N simulator events (default 10M), events/s, vs Spark local[2]';

export const usage = `options:
  --events N         bronze events (default 10000000); the bronze table is cached under
                     .scratch/bench-pipeline/ per (events, seed, hostile share)
  --seed N           simulator seed (default 42)
  --hostile R        share of hostile messages mixed into bronze (default 0.0005)
  --threads N        DuckDB threads (default 2)
  --repeat N         timed Pitwall runs, the median is reported (default 1)
  --spark-events N   run Spark on about N of the bronze events only (the offsets below
                     N / partitions of every log partition) and say so (default: all)
  --no-spark         Pitwall only (the spark figures are null)
  --no-dq            run silver and gold without the data-quality gate (Spark has none)
  --keep             keep the silver and gold tables of the last run (printed path)`;

const SCRATCH = path.join(PACKAGE_ROOT, '.scratch', 'bench-pipeline');
const TOPIC = 'telemetry';
const PARTITIONS = 6;
const BATCH_RECORDS = 100_000;
const HZ = 10;
/** Simulated start: historical data, as `simulate` writes by default. */
const START_MS = Date.parse('2026-01-01T08:00:00Z');

/** Hostile messages mixed into bronze: each one ends in quarantine with a known reason. */
function hostileValue(k: number, seq: number): string {
  const session = '00000000-0000-5000-8000-00000000beef';
  const base = (signals: string, extra = ''): string =>
    `{"schema_version":1,"event_type":"telemetry","event_id":"00000000-0000-5000-8000-${String(seq).padStart(12, '0')}",` +
    `"vehicle_id":"VH-HOSTILE","session_id":"${session}","seq":${seq},"event_time":"2026-01-01T08:00:00.000Z"${extra},` +
    `"signals":{${signals}}}`;
  const signals = (rpm: string): string =>
    `"engine_rpm":${rpm},"speed_kmh":50,"throttle":0.2,"brake":0,"gear":3,"engine_load_pct":30,"engine_torque_nm":100,` +
    `"coolant_temp_c":90,"oil_temp_c":95,"brake_temp_c":80,"fuel_rate_lph":5,"fuel_l_per_100km":7,"speed_limit_kmh":50,` +
    `"accel_mps2":0.1,"ambient_temp_c":15,"distance_km":1,"fuel_used_l":0.1,"engine_wear_pct":10,"gearbox_wear_pct":5,"brake_wear_pct":20`;
  switch (k % 8) {
    case 0:
      return base(signals('2000')).slice(0, 90); // truncated
    case 1:
      return base(signals('"2000"')); // wrong type
    case 2:
      return base(signals('-5')); // out of range
    case 3:
      return 'not json at all';
    case 4:
      return base(signals('2000')).replace('"schema_version":1', '"schema_version":2');
    case 5:
      return base(signals('2000')).replace('2026-01-01T08:00:00.000Z', '1970-01-01T00:00:00Z');
    case 6:
      return base(signals('2000')).replace(`"session_id":"${session}"`, '"session_id":"nope"');
    default:
      return base(signals('NaN'));
  }
}

export interface BronzeSpec {
  readonly events: number;
  readonly seed: number;
  readonly hostile: number;
}

function bronzeDir(spec: BronzeSpec): string {
  return path.join(SCRATCH, `bronze-${spec.events}-seed${spec.seed}-hostile${spec.hostile}`);
}

/** Stops the simulation once it has produced enough events. */
class Enough extends Error {}

/** Writes simulator batches into bronze the way the ingestor does (see the file header). */
class BronzeSink implements TelemetrySink {
  readonly #table: DeltaTable;
  readonly #limit: number;
  readonly #hostileEvery: number;
  readonly #batch = new MicroBatch(BATCH_RECORDS);
  readonly #offsets = new Array<number>(PARTITIONS).fill(0);
  readonly #keys = new Map<string, { key: Buffer; partition: number }>();
  readonly #noHeaders = new Map<string, Buffer>();
  #pending: ConsumedMessage[] = [];
  #hostile = 0;
  events = 0;

  constructor(table: DeltaTable, limit: number, hostileShare: number) {
    this.#table = table;
    this.#limit = limit;
    this.#hostileEvery = hostileShare > 0 ? Math.max(2, Math.round(1 / hostileShare)) : 0;
  }

  #message(keyText: string, value: Buffer, now: number): ConsumedMessage {
    let key = this.#keys.get(keyText);
    if (key === undefined) {
      const bytes = Buffer.from(keyText);
      key = { key: bytes, partition: partitionForKey(bytes, PARTITIONS) };
      this.#keys.set(keyText, key);
    }
    const offset = this.#offsets[key.partition]!++;
    return {
      topic: TOPIC,
      partition: key.partition,
      offset,
      key: key.key,
      value,
      headers: this.#noHeaders,
      timestamp: now,
    };
  }

  async write(batch: RecordBatch): Promise<void> {
    const now = Date.now();
    for (let k = 0; k < batch.values.length; k++) {
      if (this.events >= this.#limit) break;
      const keyText = batch.keys[k]!;
      if (this.#hostileEvery > 0 && (this.events + 1) % this.#hostileEvery === 0) {
        const value = Buffer.from(hostileValue(this.#hostile, this.#hostile));
        this.#hostile++;
        this.#pending.push(this.#message(keyText, value, now));
      } else {
        // Values are views into the simulator's reused buffer: copy, as a log would.
        this.#pending.push(this.#message(keyText, Buffer.from(batch.values[k]!), now));
      }
      this.events++;
      if (this.#pending.length >= this.#batch.room) await this.#flush();
    }
    if (this.events >= this.#limit) throw new Enough();
  }

  async #flush(): Promise<void> {
    const room = this.#batch.room;
    const take = this.#pending.splice(0, room);
    this.#batch.add(take, Date.now());
    if (this.#batch.full) await this.#commit();
  }

  async #commit(): Promise<void> {
    if (this.#batch.count === 0) return;
    const txns = [...this.#batch.partitions.values()].map((range) => ({
      appId: bronzeAppId(range.topic, range.partition),
      version: range.lastOffset,
    }));
    const columns = this.#batch.toColumns(Date.now(), () => -1);
    await this.#table.appendRows(columns, { txns, operation: 'STREAMING UPDATE' });
    this.#batch.clear();
  }

  async close(): Promise<void> {
    while (this.#pending.length > 0) await this.#flush();
    await this.#commit();
  }
}

/** The cached bronze lake for `spec` (generated on first use); returns its lake root. */
export async function prepareBronze(
  spec: BronzeSpec,
  log: (line: string) => void = console.log,
): Promise<string> {
  const dir = bronzeDir(spec);
  const done = path.join(dir, 'complete.json');
  if (existsSync(done)) return path.join(dir, 'lake');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const lake = path.join(dir, 'lake');
  const vehicles = Math.min(1000, Math.max(10, Math.round(spec.events / 10_000)));
  const durationS = Math.ceil((spec.events * 1.01) / (vehicles * HZ)) + 30;
  log(
    `preparing bronze: ${spec.events} events (${vehicles} vehicles at ${HZ} Hz, 5-minute sessions, default faults, hostile share ${spec.hostile}) → ${dir}`,
  );
  const started = performance.now();
  const table = await openBronzeTable(lake);
  const sink = new BronzeSink(table, spec.events, spec.hostile);
  try {
    const runner = new FleetRunner({
      vehicles,
      seed: spec.seed,
      hz: HZ,
      drivers: 'mix',
      faults: FAULT_PRESETS.default,
      durationS,
      sessionDurationS: 300,
      startTimeMs: START_MS,
    });
    try {
      await runner.run(sink, (p) => {
        if (Math.round(p.simulatedS) % 100 === 0) {
          process.stderr.write(`\r  bronze: ${sink.events} events`);
        }
      });
    } catch (error) {
      if (!(error instanceof Enough)) throw error;
    }
    await sink.close();
  } finally {
    table.close();
  }
  process.stderr.write('\n');
  if (sink.events !== spec.events) {
    throw new Error(`the simulator produced ${sink.events} events, not ${spec.events}`);
  }
  const seconds = (performance.now() - started) / 1000;
  await writeFile(done, JSON.stringify({ ...spec, vehicles, seconds }) + '\n');
  log(`bronze ready in ${seconds.toFixed(1)} s (${Math.round(spec.events / seconds)} events/s)`);
  return lake;
}

interface PitwallRun {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly silverS: number;
  readonly goldS: number;
  readonly layers: readonly LayerReport[];
}

/** One full-refresh run of silver and gold over the cached bronze, in a fresh lake. */
async function runPitwall(
  bronzeLake: string,
  threads: number,
  dq: boolean,
  keep: string | undefined,
): Promise<PitwallRun> {
  const lake = keep ?? path.join(SCRATCH, `run-${process.pid}`);
  await rm(lake, { recursive: true, force: true });
  await mkdir(lake, { recursive: true });
  // Silver and gold go to a lake of their own; bronze is the cached table.
  await symlink(path.join(bronzeLake, 'bronze'), path.join(lake, 'bronze'));
  const engine = new DuckDbEngine({ threads });
  const implementations = dq
    ? undefined
    : {
        silver: createSilverLayer({ dq: { suites: [] } }),
        gold: createGoldLayer({ dq: { suites: [] } }),
      };
  try {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const summary = await runPipeline({
      lakeRoot: lake,
      layers: ['silver', 'gold'],
      fullRefresh: true,
      engine,
      implementations,
      onProgress: (layer, message) => console.error(`  ${layer}: ${message}`),
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const layer = (name: string): LayerReport => {
      const report = summary.layers.find((l) => l.layer === name);
      if (report === undefined) throw new Error(`the pipeline did not run ${name}`);
      return report;
    };
    return {
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      silverS: layer('silver').seconds,
      goldS: layer('gold').seconds,
      layers: summary.layers,
    };
  } finally {
    engine.close();
    if (keep === undefined) await rm(lake, { recursive: true, force: true });
  }
}

interface SparkFigures {
  readonly jvm_start_s: number;
  readonly silver_s: number;
  readonly gold_s: number;
  readonly pipeline_s: number;
  readonly bronze_rows: number;
  readonly telemetry: number;
  readonly quarantined: number;
  readonly duplicates: number;
  readonly session_events: number;
  readonly gold_rows: number;
}

interface SparkRun extends SparkFigures {
  /** Wall seconds of the whole Python process, JVM start included. */
  readonly processS: number;
}

interface InteropEnv {
  readonly python: string;
  readonly jars: readonly string[];
}

async function readInteropEnv(): Promise<InteropEnv> {
  const file = path.join(PACKAGE_ROOT, '.cache', 'interop', 'env.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(
      `no Spark peer: ${file} is missing (install it with: npm run interop:install), or pass --no-spark`,
    );
  }
  return JSON.parse(text) as InteropEnv;
}

/** The same logic in Spark local[2] (scripts/interop/spark_pipeline.py) on the same bronze table. */
async function runSpark(bronzeLake: string, maxOffset: number | undefined): Promise<SparkRun> {
  const env = await readInteropEnv();
  const out = path.join(SCRATCH, `spark-${process.pid}`);
  await rm(out, { recursive: true, force: true });
  const args = [
    path.join(PACKAGE_ROOT, 'scripts', 'interop', 'spark_pipeline.py'),
    ...['--bronze', path.join(bronzeLake, BRONZE_TABLE_PATH)],
    ...['--out', out],
    ...['--gold-sql', path.join(PACKAGE_ROOT, 'sql', 'gold', 'features.spark.sql')],
    ...['--jars', env.jars.join(',')],
    ...(maxOffset === undefined ? [] : ['--max-offset', String(maxOffset)]),
  ];
  const started = performance.now();
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(env.python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve(out);
        else
          reject(
            new Error(
              `spark_pipeline.py exited with ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`,
            ),
          );
      });
    });
    const processS = (performance.now() - started) / 1000;
    const line = stdout.trim().split('\n').at(-1) ?? '';
    return { ...(JSON.parse(line) as SparkFigures), processS };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Rows and on-disk bytes of the bronze table. */
async function bronzeFacts(
  bronzeLake: string,
): Promise<{ rows: number; bytes: number; files: number }> {
  const table = await DeltaTable.open(path.join(bronzeLake, BRONZE_TABLE_PATH));
  try {
    const snapshot = await table.snapshot();
    return {
      rows: snapshot.numRecords ?? 0,
      bytes: snapshot.files.reduce((sum, f) => sum + f.size, 0),
      files: snapshot.files.length,
    };
  } finally {
    table.close();
  }
}

export async function run(args: readonly string[]): Promise<Figures> {
  const values = parseBenchArgs(args, {
    events: { type: 'string' },
    seed: { type: 'string' },
    hostile: { type: 'string' },
    threads: { type: 'string' },
    repeat: { type: 'string' },
    'spark-events': { type: 'string' },
    'no-spark': { type: 'boolean' },
    'no-dq': { type: 'boolean' },
    keep: { type: 'boolean' },
  });
  const events = integerOption(values, 'events', 10_000_000);
  const seed = values.seed === undefined ? 42 : integerOption(values, 'seed', 42);
  const hostile = values.hostile === undefined ? 0.0005 : numberOption(values, 'hostile', 0.0005);
  if (hostile >= 0.5) throw new UsageError(`--hostile must be below 0.5, got ${hostile}`);
  const threads = integerOption(values, 'threads', 2);
  const repeat = integerOption(values, 'repeat', 1);
  const sparkEvents =
    values['spark-events'] === undefined
      ? undefined
      : integerOption(values, 'spark-events', events);
  const dq = values['no-dq'] !== true;
  const machine = describeMachine();
  printMachine(machine);

  const bronzeLake = await prepareBronze({ events, seed, hostile }, (line) => console.error(line));
  const bronze = await bronzeFacts(bronzeLake);

  const runs: PitwallRun[] = [];
  for (let k = 0; k < repeat; k++) {
    const keep =
      values.keep === true && k === repeat - 1 ? path.join(SCRATCH, 'kept-lake') : undefined;
    console.error(`pitwall run ${k + 1}/${repeat}: silver + gold, full refresh`);
    runs.push(await runPitwall(bronzeLake, threads, dq, keep));
    if (keep !== undefined) console.error(`kept the silver and gold tables under ${keep}`);
  }
  const best = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor((runs.length - 1) / 2)]!;
  const silver = best.layers.find((l) => l.layer === 'silver')!;
  const gold = best.layers.find((l) => l.layer === 'gold')!;

  let spark: SparkRun | undefined;
  if (values['no-spark'] !== true) {
    // A subset keeps the rows below one offset in every log partition (about N rows).
    const maxOffset = sparkEvents === undefined ? undefined : Math.ceil(sparkEvents / PARTITIONS);
    console.error(
      `spark local[2]: the same silver and gold logic${maxOffset === undefined ? '' : ` on offsets below ${maxOffset} per partition`}`,
    );
    spark = await runSpark(bronzeLake, maxOffset);
  }

  const eventsPerS = events / best.seconds;
  const sparkEventsPerS = spark === undefined ? undefined : spark.bronze_rows / spark.pipeline_s;
  printTable(
    ['bronze', 'events', 'files', 'MB on disk', 'B/event'],
    [[bronzeLake, bronze.rows, bronze.files, bronze.bytes / 1e6, bronze.bytes / bronze.rows]],
  );
  printTable(
    ['engine', 'events', 'silver s', 'gold s', 'total s', 'CPU s', 'events/s', 'note'],
    [
      ...runs.map((r, k): (string | number)[] => [
        `pitwall (run ${k + 1}${dq ? ', DQ gate on' : ', no DQ'})`,
        events,
        r.silverS,
        r.goldS,
        r.seconds,
        r.cpuSeconds,
        Math.round(events / r.seconds),
        `${threads} DuckDB threads`,
      ]),
      ...(spark === undefined
        ? []
        : [
            [
              'spark local[2]',
              spark.bronze_rows,
              spark.silver_s,
              spark.gold_s,
              spark.pipeline_s,
              '—',
              Math.round(sparkEventsPerS!),
              `JVM start ${spark.jvm_start_s.toFixed(1)} s excluded; process ${spark.processS.toFixed(1)} s${sparkEvents === undefined ? '' : '; subset'}`,
            ],
          ]),
    ],
  );
  printTable(
    ['rows', 'pitwall', 'spark'],
    [
      ['bronze in', silver.rowsIn, spark?.bronze_rows ?? '—'],
      ['silver telemetry', silver.rowsOut, spark?.telemetry ?? '—'],
      ['quarantined', silver.quarantined, spark?.quarantined ?? '—'],
      ['duplicates', silver.duplicates, spark?.duplicates ?? '—'],
      ['gold rows', gold.rowsOut, spark?.gold_rows ?? '—'],
    ],
  );
  if (spark !== undefined) {
    console.log(
      `speedup vs Spark local[2]: ${(eventsPerS / sparkEventsPerS!).toFixed(2)}× (goal ≥ 5×); ` +
        `end to end ${Math.round(eventsPerS)} events/s (goal ≥ 1,000,000)\n`,
    );
  }
  return {
    events,
    events_per_s: roundFigure(eventsPerS),
    silver_s: roundFigure(best.silverS),
    gold_s: roundFigure(best.goldS),
    total_s: roundFigure(best.seconds),
    cpu_s: roundFigure(best.cpuSeconds),
    dq_gate: dq,
    threads,
    silver_telemetry_rows: silver.rowsOut,
    quarantined: silver.quarantined,
    duplicates: silver.duplicates,
    gold_rows: gold.rowsOut,
    bronze_bytes_per_event: roundFigure(bronze.bytes / bronze.rows),
    // NaN prints as null in the JSON line: Spark did not run (--no-spark).
    spark_events: spark?.bronze_rows ?? Number.NaN,
    spark_events_per_s: roundFigure(sparkEventsPerS ?? Number.NaN),
    spark_s: roundFigure(spark?.pipeline_s ?? Number.NaN),
    spark_silver_s: roundFigure(spark?.silver_s ?? Number.NaN),
    spark_gold_s: roundFigure(spark?.gold_s ?? Number.NaN),
    spark_jvm_start_s: roundFigure(spark?.jvm_start_s ?? Number.NaN),
    spark_process_s: roundFigure(spark?.processS ?? Number.NaN),
    spark_subset: sparkEvents !== undefined,
    speedup_vs_spark: roundFigure(
      sparkEventsPerS === undefined ? Number.NaN : eventsPerS / sparkEventsPerS,
    ),
    ...machineFigures(machine),
  };
}

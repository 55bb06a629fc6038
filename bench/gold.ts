// Gold alone: the generated gold SQL over synthetic silver-shaped Parquet (sessions of
// 10-minute drives at --hz, ~one file), written as zstd Parquet by DuckDB as the gold layer
// does. Reports silver rows/s (wall) and CPU seconds per million rows (all DuckDB threads),
// the latter being less sensitive to other work on a shared machine.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDbEngine } from '../src/lake/index.js';
import { goldFeaturesSql } from '../src/pipeline/gold/sql.js';
import { FEATURES } from '../src/pipeline/gold/feature-spec.js';
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
  'gold features: generated SQL over synthetic silver (1M and 10M rows), silver rows/s and CPU s per 1M rows';

export const usage = `options:
  --rows N        silver rows (default 1000000; several sizes: run it again)
  --hz N          sample rate of the synthetic sessions (default 10)
  --repeat N      timed runs, median reported (default 3)
  --threads N     DuckDB threads (default 2)
  --naive         also time the naive formulation the issue measured: RANGE BETWEEN
                  INTERVAL 10 SECONDS PRECEDING over every silver row, 16 features`;

/** The issue's naive baseline: 16 window statistics with time frames over raw rows. */
const NAIVE_SQL = `SELECT session_id, event_time,
  ${['engine_rpm', 'throttle', 'speed_kmh', 'accel_mps2']
    .flatMap((c) => ['avg', 'stddev_samp', 'min', 'max'].map((f) => `${f}(${c}) OVER w`))
    .join(',\n  ')}
FROM silver_telemetry
WINDOW w AS (PARTITION BY session_id ORDER BY event_time RANGE BETWEEN INTERVAL 10 SECONDS PRECEDING AND CURRENT ROW)`;

/** Synthetic silver: smooth signals plus noise, sessions of 600 s at `hz`, 1 s gaps now and then. */
function silverSql(rows: number, hz: number): string {
  const perSession = 600 * hz;
  const stepUs = Math.round(1_000_000 / hz);
  return `SELECT
    'S-' || lpad(CAST(i // ${perSession} AS VARCHAR), 6, '0') AS session_id,
    'VH-' || lpad(CAST((i // ${perSession}) % 1000 AS VARCHAR), 4, '0') AS vehicle_id,
    CAST(i % ${perSession} AS BIGINT) AS seq,
    make_timestamptz(CAST(1767600000000000 + (i // ${perSession}) * 7919000 + (i % ${perSession}) * ${stepUs} AS BIGINT)) AS event_time,
    2200 + 900 * sin(i / 70.0) + 6 * random() AS engine_rpm,
    60 + 30 * sin(i / 130.0) + random() AS speed_kmh,
    0.4 + 0.35 * sin(i / 50.0) AS throttle,
    greatest(0.0, -0.3 * sin(i / 50.0)) AS brake,
    CAST(3 + round(2 * sin(i / 130.0)) AS INTEGER) AS gear,
    50 + 30 * sin(i / 50.0) AS engine_load_pct,
    150 + 100 * sin(i / 50.0) AS engine_torque_nm,
    88 + (i % ${perSession}) / ${perSession}.0 * 4 AS coolant_temp_c,
    95.0 AS oil_temp_c,
    120 + 30 * sin(i / 300.0) AS brake_temp_c,
    6 + 3 * sin(i / 50.0) AS fuel_rate_lph,
    7.5 AS fuel_l_per_100km,
    CASE WHEN i % 7 = 0 THEN NULL ELSE 50.0 + 20 * (CAST(i / 3000 AS BIGINT) % 3) END AS speed_limit_kmh,
    2.5 * cos(i / 130.0) + 0.05 * random() AS accel_mps2,
    15.0 AS ambient_temp_c, i / 1e5 AS distance_km, i / 1e6 AS fuel_used_l,
    10.0 AS engine_wear_pct, 5.0 AS gearbox_wear_pct, 20.0 AS brake_wear_pct
  FROM range(${rows}) AS r(i)
  WHERE i % ${perSession} NOT BETWEEN ${perSession / 2} AND ${perSession / 2 + hz - 1}`;
}

export async function run(args: readonly string[]): Promise<Figures> {
  const values = parseBenchArgs(args, {
    rows: { type: 'string' },
    hz: { type: 'string' },
    repeat: { type: 'string' },
    threads: { type: 'string' },
    naive: { type: 'boolean' },
  });
  const rows = integerOption(values, 'rows', 1_000_000);
  const hz = integerOption(values, 'hz', 10);
  const repeat = integerOption(values, 'repeat', 3);
  const threads = integerOption(values, 'threads', 2);
  const machine = describeMachine();
  printMachine(machine);
  const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-bench-gold-'));
  const engine = new DuckDbEngine({ threads });
  try {
    return await engine.withConnection(async (connection) => {
      const silver = path.join(dir, 'silver.parquet');
      await connection.run(
        `COPY (${silverSql(rows, hz)}) TO '${silver}' (FORMAT parquet, COMPRESSION zstd)`,
      );
      const counted = await connection.runAndReadAll(`SELECT count(*) FROM '${silver}'`);
      const silverRows = Number(counted.getRows()[0]![0]);
      await connection.run(`CREATE VIEW silver_telemetry AS SELECT * FROM '${silver}'`);
      await connection.run(
        `CREATE TABLE silver_sessions AS SELECT DISTINCT session_id, 'eco' AS driver_profile FROM silver_telemetry`,
      );
      const sql = goldFeaturesSql();
      const wall: number[] = [];
      const cpu: number[] = [];
      let goldRows = 0;
      for (let k = 0; k < repeat; k++) {
        const target = path.join(dir, `gold-${k}.parquet`);
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        const result = await connection.runAndReadAll(
          `COPY (${sql}) TO '${target}' (FORMAT parquet, COMPRESSION zstd)`,
        );
        wall.push((performance.now() - started) / 1000);
        const used = process.cpuUsage(cpuBefore);
        cpu.push((used.user + used.system) / 1e6);
        goldRows = Number(result.getRows()[0]![0]);
      }
      let naiveSeconds: number | undefined;
      if (values.naive) {
        const started = performance.now();
        await connection.run(
          `COPY (${NAIVE_SQL}) TO '${path.join(dir, 'naive.parquet')}' (FORMAT parquet, COMPRESSION zstd)`,
        );
        naiveSeconds = (performance.now() - started) / 1000;
      }
      const seconds = median(wall);
      const cpuSeconds = median(cpu);
      const rowsPerS = silverRows / seconds;
      printTable(
        [
          'silver rows',
          'hz',
          'gold rows',
          'features',
          'wall s',
          'CPU s',
          'silver rows/s',
          'CPU s per 1M',
        ],
        [
          [
            silverRows,
            hz,
            goldRows,
            FEATURES.length,
            seconds.toFixed(3),
            cpuSeconds.toFixed(3),
            Math.round(rowsPerS),
            ((cpuSeconds / silverRows) * 1e6).toFixed(3),
          ],
        ],
      );
      if (naiveSeconds !== undefined) {
        console.log(
          `\nnaive RANGE INTERVAL windows, 16 features: ${naiveSeconds.toFixed(3)} s (${Math.round(silverRows / naiveSeconds)} rows/s)`,
        );
      }
      return {
        silver_rows: silverRows,
        gold_rows: goldRows,
        hz,
        features: FEATURES.length,
        seconds: roundFigure(seconds),
        silver_rows_per_s: roundFigure(rowsPerS),
        cpu_s_per_million: roundFigure((cpuSeconds / silverRows) * 1e6),
        ...(naiveSeconds === undefined
          ? {}
          : { naive_16_features_seconds: roundFigure(naiveSeconds) }),
        ...machineFigures(machine),
      };
    });
  } finally {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

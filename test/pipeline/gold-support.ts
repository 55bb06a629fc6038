// Shared pieces of the gold tests: silver-shaped samples (from the simulator or by hand),
// the generated gold SQL run on a real in-memory DuckDB, and the online computer over the
// same samples.
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDbEngine } from '../../src/lake/index.js';
import { OnlineFeatureComputer } from '../../src/pipeline/gold/online.js';
import { FEATURES } from '../../src/pipeline/gold/feature-spec.js';
import { goldFeaturesSql } from '../../src/pipeline/gold/sql.js';
import { Fleet, PHYSICS_HZ, SAMPLE_FLAGS, type FaultRates } from '../../src/sim/index.js';
import { SIGNAL_COUNT, SIGNALS } from '../../src/telemetry/signals.js';

export interface Sample {
  readonly sessionId: string;
  readonly vehicleId: string;
  /** Event time, epoch microseconds. */
  readonly timeUs: number;
  /** Signal values in SIGNALS order; NaN for null. */
  readonly values: Float64Array;
}

export interface GoldRow {
  readonly sessionId: string;
  readonly vehicleId: string;
  /** Epoch seconds. */
  readonly windowEnd: number;
  readonly windowSeconds: number;
  readonly sampleCount: number;
  /** By feature name; NaN for null. */
  readonly features: Readonly<Record<string, number>>;
  readonly label: string | null;
}

export const T0_US = Date.UTC(2026, 0, 5, 8, 0, 0) * 1000;

/** Samples of simulated sessions (one per vehicle), deduplicated and in time order. */
export function simulate(options: {
  vehicles: number;
  hz: number;
  seconds: number;
  seed: number;
  faults: FaultRates;
  /** A silent stretch [from, to) in seconds after the start, as a long outage. */
  gap?: readonly [number, number];
}): { samples: Sample[]; profiles: Map<string, string> } {
  const fleet = new Fleet({
    vehicles: options.vehicles,
    seed: options.seed,
    hz: options.hz,
    drivers: 'mix',
    faults: options.faults,
  });
  const profiles = new Map<string, string>();
  // Starts offset by odd milliseconds so the second buckets do not line up across vehicles.
  for (let i = 0; i < options.vehicles; i++) {
    const setup = fleet.startSession(i, 0, T0_US / 1000 + 137 * i);
    profiles.set(`S-${options.hz}-${i}`, setup.driverProfile);
  }
  const samples: Sample[] = [];
  for (let t = 0; t < options.seconds; t++) {
    fleet.advance(PHYSICS_HZ);
    const batch = fleet.batch;
    for (let k = 0; k < batch.count; k++) {
      if (batch.flags[k]! & SAMPLE_FLAGS.duplicate) continue;
      const timeUs = Math.round(batch.timeMs[k]! * 1000);
      const offset = timeUs - T0_US;
      if (options.gap && offset >= options.gap[0] * 1e6 && offset < options.gap[1] * 1e6) continue;
      const vehicle = batch.vehicle[k]!;
      samples.push({
        sessionId: `S-${options.hz}-${vehicle}`,
        vehicleId: `VH-${vehicle}`,
        timeUs,
        values: batch.values.slice(k * SIGNAL_COUNT, (k + 1) * SIGNAL_COUNT),
      });
    }
    batch.clear();
  }
  samples.sort((a, b) =>
    a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : a.timeUs - b.timeUs,
  );
  return { samples, profiles };
}

/** Loads samples as `silver_telemetry` and labels as `silver_sessions` on a connection. */
export async function loadSilver(
  connection: DuckDBConnection,
  samples: readonly Sample[],
  profiles: ReadonlyMap<string, string> = new Map(),
): Promise<void> {
  const signalColumns = SIGNALS.map((s) => `${s.name} ${s.name === 'gear' ? 'INTEGER' : 'DOUBLE'}`);
  await connection.run(
    `CREATE TABLE raw_silver (session_id VARCHAR, vehicle_id VARCHAR, t_us BIGINT, ${signalColumns.join(', ')})`,
  );
  const appender = await connection.createAppender('raw_silver');
  try {
    for (const sample of samples) {
      appender.appendVarchar(sample.sessionId);
      appender.appendVarchar(sample.vehicleId);
      appender.appendBigInt(BigInt(sample.timeUs));
      for (let k = 0; k < SIGNAL_COUNT; k++) {
        const v = sample.values[k]!;
        if (Number.isNaN(v)) appender.appendNull();
        else if (SIGNALS[k]!.name === 'gear') appender.appendInteger(v);
        else appender.appendDouble(v);
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  await connection.run(
    `CREATE VIEW silver_telemetry AS SELECT session_id, vehicle_id, make_timestamptz(t_us) AS event_time, ${SIGNALS.map((s) => s.name).join(', ')} FROM raw_silver`,
  );
  await connection.run('CREATE TABLE silver_sessions (session_id VARCHAR, driver_profile VARCHAR)');
  for (const [session, profile] of profiles) {
    await connection.run(`INSERT INTO silver_sessions VALUES ('${session}', '${profile}')`);
  }
}

/** The generated gold SQL over the samples, on a fresh in-memory DuckDB. */
export async function goldFromSql(
  samples: readonly Sample[],
  profiles: ReadonlyMap<string, string> = new Map(),
): Promise<GoldRow[]> {
  const engine = new DuckDbEngine({ threads: 2 });
  try {
    return await engine.withConnection(async (connection) => {
      await loadSilver(connection, samples, profiles);
      const reader = await connection.runAndReadAll(goldFeaturesSql());
      const names = reader.columnNames();
      return reader.getRowObjects().map((row): GoldRow => {
        const features: Record<string, number> = {};
        for (const f of FEATURES) {
          const v = row[f.name];
          features[f.name] = v === null || v === undefined ? Number.NaN : Number(v);
        }
        const end = row.window_end as { micros: bigint };
        if (!names.includes('label')) throw new Error('no label column');
        return {
          sessionId: String(row.session_id),
          vehicleId: String(row.vehicle_id),
          windowEnd: Number(end.micros / 1_000_000n),
          windowSeconds: Number(row.window_seconds),
          sampleCount: Number(row.sample_count),
          features,
          label: row.label === null ? null : String(row.label),
        };
      });
    });
  } finally {
    engine.close();
  }
}

/** The online computer over the samples, one computer per session, flushed at the end. */
export function goldOnline(samples: readonly Sample[]): GoldRow[] {
  const out: GoldRow[] = [];
  let computer: OnlineFeatureComputer | undefined;
  let session: Sample | undefined;
  const emit = (row: ReturnType<OnlineFeatureComputer['push']>): void => {
    if (row === undefined || session === undefined) return;
    const features: Record<string, number> = {};
    computer!.featureNames.forEach((name, k) => (features[name] = row.values[k]!));
    out.push({
      sessionId: session.sessionId,
      vehicleId: session.vehicleId,
      windowEnd: row.windowEnd,
      windowSeconds: row.windowSeconds,
      sampleCount: row.sampleCount,
      features,
      label: null,
    });
  };
  for (const sample of samples) {
    if (session === undefined || sample.sessionId !== session.sessionId) {
      if (computer) emit(computer.flush());
      computer = new OnlineFeatureComputer();
      session = sample;
    }
    emit(computer!.push(sample.timeUs, sample.values));
    session = sample;
  }
  if (computer) emit(computer.flush());
  return out;
}

/** A sample with the given signals set (others null), for hand-made sessions. */
export function sample(
  sessionId: string,
  timeUs: number,
  signals: Partial<Record<(typeof SIGNALS)[number]['name'], number>>,
): Sample {
  const values = new Float64Array(SIGNAL_COUNT).fill(Number.NaN);
  SIGNALS.forEach((s, k) => {
    const v = signals[s.name];
    if (v !== undefined) values[k] = v;
  });
  return { sessionId, vehicleId: `VH-${sessionId}`, timeUs, values };
}

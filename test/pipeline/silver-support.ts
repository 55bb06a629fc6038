// Shared pieces of the silver tests: a temporary lake, bronze rows written straight into the
// bronze table (any bytes, any coordinates), valid schema v1 events to start from, and
// reading the silver tables back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import {
  DeltaTable,
  DuckDbEngine,
  commitStaged,
  copyQueryToTable,
  readTable,
  scanSql,
  type ReadRow,
} from '../../src/lake/index.js';
import { classifyValue, openBronzeTable } from '../../src/pipeline/bronze/index.js';
import { runPipeline, type LayerReport } from '../../src/pipeline/run.js';
import { SILVER_TABLES } from '../../src/pipeline/silver/index.js';
import { SIGNALS } from '../../src/telemetry/index.js';

export const INGEST_TIME = new Date('2026-01-01T09:00:00.000Z');
export const SESSION = '484a1043-5f64-54a4-be1b-200cd75574f9';

export async function tempLake(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-silver-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'lake');
}

/** A valid telemetry event of SESSION as an object (edit it, then `JSON.stringify`). */
export function telemetryEvent(seq: number, overrides: Record<string, unknown> = {}) {
  const signals: Record<string, number | null> = {};
  for (const s of SIGNALS)
    signals[s.name] = s.type === 'integer' ? Math.max(1, s.min) : Math.max(0, s.min);
  signals.engine_rpm = 2000 + seq;
  signals.throttle = 0.25;
  const ms = Date.parse('2026-01-01T08:00:00.000Z') + seq * 100;
  return {
    schema_version: 1,
    event_type: 'telemetry',
    event_id: `00000000-0000-5000-8000-${String(seq).padStart(12, '0')}`,
    vehicle_id: 'VH-0001',
    session_id: SESSION,
    seq,
    event_time: new Date(ms).toISOString(),
    signals,
    ...overrides,
  };
}

export function sessionStart(overrides: Record<string, unknown> = {}) {
  return {
    schema_version: 1,
    event_type: 'session_start',
    event_id: '00000000-0000-5000-8000-aaaaaaaaaaaa',
    vehicle_id: 'VH-0001',
    session_id: SESSION,
    seq: 0,
    event_time: '2026-01-01T08:00:00.000Z',
    session: {
      car_id: 'porsche-911-carrera',
      car_name: 'Porsche 911',
      driver_profile: 'aggressive',
      route_id: 'route-1',
      seed: 42,
      session_index: 0,
      hz: 10,
      ambient_temp_c: 20,
      cargo_kg: 0,
      cold_start: false,
      scenario: null,
      simulator: 'pitwall-sim/1',
    },
    ...overrides,
  };
}

export type BronzeValue = string | Uint8Array | object;

function bytes(value: BronzeValue): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
}

/**
 * Appends values to bronze as one commit, partition 0 from `firstOffset`. The Parquet is
 * written by DuckDB (`copyQueryToTable`), as silver writes its own tables.
 */
export async function writeBronze(
  lake: string,
  values: readonly BronzeValue[],
  firstOffset = 0,
  ingestTime = INGEST_TIME,
): Promise<void> {
  const table = await openBronzeTable(lake);
  const engine = new DuckDbEngine({ threads: 1 });
  try {
    const micros = BigInt(ingestTime.getTime()) * 1000n;
    const rows = values.map((value, k) => {
      const raw = bytes(value);
      const time = `make_timestamptz(${micros})`;
      return (
        `(CAST(${time} AS DATE), 'telemetry', 0, ${firstOffset + k}, NULL, ` +
        `from_hex('${Buffer.from(raw).toString('hex')}'), NULL, ${time}, ${time}, ` +
        `'${classifyValue(raw)}', ${raw.length})`
      );
    });
    const columns =
      'ingest_date, topic, "partition", "offset", "key", value, headers, log_timestamp, ingest_time, value_class, value_size';
    const base = await table.snapshot();
    const staged = await engine.withConnection(async (connection) => {
      await connection.run(
        `CREATE TEMP TABLE staged AS SELECT * FROM (VALUES ${rows.join(', ')}) AS t(${columns})`,
      );
      return copyQueryToTable(
        connection,
        base,
        `SELECT ingest_date, topic, CAST("partition" AS INTEGER) AS "partition", CAST("offset" AS BIGINT) AS "offset", CAST("key" AS BLOB) AS "key", value, CAST(headers AS VARCHAR) AS headers, log_timestamp, ingest_time, value_class, CAST(value_size AS INTEGER) AS value_size FROM staged`,
      );
    });
    await commitStaged(table, base, staged);
  } finally {
    engine.close();
    table.close();
  }
}

export async function runSilver(lake: string, fullRefresh = false): Promise<LayerReport> {
  const summary = await runPipeline({ lakeRoot: lake, layers: ['silver'], fullRefresh });
  return summary.layers[0]!;
}

export async function readSilver(
  lake: string,
  table: keyof typeof SILVER_TABLES,
  orderBy?: string,
): Promise<ReadRow[]> {
  const delta = await DeltaTable.open(path.join(lake, SILVER_TABLES[table]));
  try {
    return await readTable(await delta.snapshot(), orderBy === undefined ? {} : { orderBy });
  } finally {
    delta.close();
  }
}

/** An order-independent checksum of every silver table's rows (ingest_time excluded). */
export async function silverChecksums(lake: string): Promise<Record<string, string>> {
  const engine = new DuckDbEngine({ threads: 1 });
  const out: Record<string, string> = {};
  try {
    for (const [key, where] of Object.entries(SILVER_TABLES)) {
      const delta = await DeltaTable.open(path.join(lake, where));
      try {
        const sql = `SELECT count(*)::VARCHAR || ':' || coalesce(sum(hash(t))::VARCHAR, '0') FROM (${scanSql(await delta.snapshot())}) AS t`;
        out[key] = await engine.withConnection(async (c) =>
          String((await c.runAndReadAll(sql)).getRows()[0]![0]),
        );
      } finally {
        delta.close();
      }
    }
  } finally {
    engine.close();
  }
  return out;
}

// The silver parse's fast path against its general path: on a corpus of canonical telemetry
// and near-misses (every kind of wrong value in every kind of field, other layouts,
// escapes, dropouts), parse.sql with the fast path gives exactly the rows the general path
// alone gives, and canonical telemetry does take the fast path.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDbEngine } from '../../src/lake/index.js';
import { classifyValue } from '../../src/pipeline/bronze/index.js';
import { parseSql, parseStatements } from '../../src/pipeline/silver/sql.js';
import { SIGNALS } from '../../src/telemetry/index.js';
import { sessionStart, telemetryEvent } from './silver-support.js';

const INGEST_MICROS = BigInt(Date.parse('2026-01-01T09:00:00.000Z')) * 1000n;

/** A realistic event: every signal set to a value inside its range. */
function canonical(seq: number): Record<string, unknown> {
  const event = telemetryEvent(seq);
  const signals: Record<string, number> = {};
  SIGNALS.forEach((s, k) => {
    const span = s.max - s.min;
    const x = s.min + (span * ((seq * 7 + k * 13) % 97)) / 97;
    signals[s.name] = s.type === 'integer' ? Math.round(x) : Math.round(x * 1000) / 1000;
  });
  return { ...event, signals };
}

const text = (value: unknown): string => JSON.stringify(value);

/** Replaces the value of `"name":` in a canonical line with `replacement` (raw JSON text). */
function withRaw(line: string, name: string, replacement: string): string {
  const key = `"${name}":`;
  const at = line.indexOf(key);
  assert.ok(at >= 0, name);
  const start = at + key.length;
  let end = start;
  if (line[start] === '"') end = line.indexOf('"', start + 1) + 1;
  else while (end < line.length && line[end] !== ',' && line[end] !== '}') end++;
  return line.slice(0, start) + replacement + line.slice(end);
}

/** Values that are wrong, odd or merely unusual for a number. */
const NUMBER_TEXTS = [
  '"3000"',
  'true',
  'false',
  'null',
  '[1]',
  '{}',
  '{"x":1}',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '-0',
  '-0.0',
  '0.0',
  '1.0',
  '1e2',
  '1E-2',
  '2.5',
  '9007199254740993',
  '123456789012345678901234567890',
  '-5',
  ' 7 ',
];

function corpus(): string[] {
  const lines: string[] = [];
  for (let seq = 0; seq < 40; seq++) lines.push(text(canonical(seq)));
  const base = text(canonical(1000));
  let seq = 2000;
  const next = (line: string): string => withRaw(line, 'seq', String(seq++));
  for (const name of ['schema_version', 'seq', ...SIGNALS.map((s) => s.name)]) {
    for (const raw of NUMBER_TEXTS) {
      lines.push(name === 'seq' ? withRaw(base, name, raw) : next(withRaw(base, name, raw)));
    }
  }
  const strings: Record<string, readonly string[]> = {
    event_type: ['"session_start"', '"Telemetry"', '"telemetr\\u0079"', '12', 'null', '{"a":1}'],
    event_id: [
      '"00000000-0000-5000-8000-ABCDEF000000"',
      '"00000000-0000-5000-8000-00000000000"',
      '"00000000\\u002d0000-5000-8000-000000000000"',
      '7',
    ],
    vehicle_id: [
      '12',
      'true',
      '{"a":"b"}',
      '["VH"]',
      '""',
      `"${'V'.repeat(64)}"`,
      `"${'V'.repeat(65)}"`,
      '"VH-\\u00fc"',
      '"VH \\"q\\""',
      '"VH-ü-車-🚗"',
      '"VH,1"',
      'null',
    ],
    session_id: ['"nope"', '"484A1043-5F64-54A4-BE1B-200CD75574F9"', '1'],
    event_time: [
      '"2026-01-01T10:00:03.300+02:00"',
      '"2026-01-01t08:00:03Z"',
      '"2026-01-01 08:00:03Z"',
      '"2026-01-01T08:00:03"',
      '"2026-13-01T08:00:03Z"',
      '"2026-01-01T08:00:03.123456789Z"',
      '"2099-01-01T00:00:00.000Z"',
      '"1970-01-01T00:00:00.000Z"',
      '"2026-01-01T08:00:03.000\\u005a"',
      '20260101',
    ],
  };
  for (const [name, raws] of Object.entries(strings)) {
    for (const raw of raws) lines.push(next(withRaw(base, name, raw)));
  }
  // Other layouts and shapes.
  const event = canonical(3000);
  lines.push(JSON.stringify(event, null, 2));
  lines.push(text({ signals: event.signals, ...event }));
  lines.push(text({ ...event, firmware: '1.2.3' }));
  lines.push(text({ ...event, signals: { ...(event.signals as object), extra: 'x' } }));
  lines.push(base.replace('"seq":1000', '"seq":1000,"seq":1001'));
  lines.push(base.replace('"seq":1000', '"seq":1001,"seq":1000'));
  lines.push(text({ ...event, signals: null }));
  lines.push(text({ ...event, signals: [1, 2] }));
  lines.push(text({ ...event, signals: {} }));
  for (const key of ['event_id', 'vehicle_id', 'session_id', 'seq', 'event_time', 'signals']) {
    const copy: Record<string, unknown> = { ...event };
    delete copy[key];
    lines.push(text(copy));
  }
  const oneMissing: Record<string, unknown> = { ...(event.signals as object) };
  delete oneMissing.brake;
  lines.push(text({ ...event, signals: oneMissing }));
  lines.push(base.replace('"schema_version":1,', ''));
  lines.push(base.slice(0, -1));
  lines.push(base + ' ');
  lines.push(' ' + base);
  lines.push(base.replace('"seq":1000', '"seq" : 1000'));
  lines.push(base.replace('}}', '},}'));
  lines.push(text(sessionStart()));
  lines.push(text(sessionStart({ event_type: 'session_end', seq: 5, summary: {} })));
  lines.push('[1,2,3]');
  lines.push('');
  lines.push('not json');
  lines.push(base); // a duplicate, as bronze holds them
  return lines;
}

let engine: DuckDbEngine;

before(() => {
  engine = new DuckDbEngine({ threads: 1 });
});
after(() => engine.close());

async function loadBronze(connection: DuckDBConnection, lines: readonly string[]): Promise<void> {
  const rows = lines.map((line, offset) => {
    const bytes = Buffer.from(line);
    return `('telemetry', 0, ${offset}, make_timestamptz(${INGEST_MICROS}), from_hex('${bytes.toString('hex')}'), ${bytes.length}, '${classifyValue(bytes)}')`;
  });
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE bronze_new AS SELECT topic, CAST(p AS INTEGER) AS "partition", CAST(o AS BIGINT) AS "offset", ingest_time, value, CAST(value_size AS INTEGER) AS value_size, value_class FROM (VALUES ${rows.join(', ')}) AS t(topic, p, o, ingest_time, value, value_size, value_class)`,
  );
}

interface ParsedRow {
  /** Every column as text, for comparison. */
  readonly text: string;
  readonly reasons: string;
}

/** silver_parsed as comparable rows, ordered by bronze offset. */
async function parsedRows(connection: DuckDBConnection): Promise<ParsedRow[]> {
  const reader = await connection.runAndReadAll(
    `SELECT to_json(p)::VARCHAR, reasons FROM (SELECT * EXCLUDE (value_class) FROM silver_parsed) AS p ORDER BY bronze_offset`,
  );
  return reader.getRows().map((row) => ({ text: String(row[0]), reasons: String(row[1]) }));
}

describe('silver parse: fast path', () => {
  test('gives exactly the general path rows, and takes canonical telemetry', async () => {
    const lines = corpus();
    await engine.withConnection(async (connection) => {
      await loadBronze(connection, lines);
      await connection.run(parseSql({ fastPath: false }));
      const general = await parsedRows(connection);
      await connection.run('DROP TABLE silver_parsed');

      const [fastStatement, ...rest] = parseStatements();
      await connection.run(fastStatement!);
      const fast = await connection.runAndReadAll(
        `SELECT bronze_offset FROM silver_parsed WHERE reasons = '' ORDER BY 1`,
      );
      const fastOffsets = new Set(fast.getRows().map((row) => Number(row[0])));
      for (const statement of rest) await connection.run(statement);
      const twoTier = await parsedRows(connection);

      assert.equal(twoTier.length, lines.length);
      general.forEach((row, k) =>
        assert.equal(twoTier[k]?.text, row.text, `offset ${k}: ${lines[k]}`),
      );
      // All 40 canonical events (and the duplicate at the end) took the fast path…
      for (let k = 0; k < 40; k++) assert.ok(fastOffsets.has(k), `canonical offset ${k}`);
      assert.ok(fastOffsets.has(lines.length - 1));
      // …and so did unusual but valid values the general path accepts unchanged.
      const valid = general.filter((row) => row.reasons === '');
      assert.ok(fastOffsets.size > 60, `${fastOffsets.size} fast rows of ${valid.length} valid`);
      // No row the general path quarantined took the fast path.
      general.forEach((row, k) => {
        if (row.reasons !== '') {
          assert.ok(!fastOffsets.has(k), `offset ${k} is quarantined but took the fast path`);
        }
      });
    });
  });
});

// The data-quality evaluator on a real in-memory DuckDB: every expectation type passing and
// failing on small hand-made relations, with the observed values, counts and failing-row
// samples it must report; quarantine exclusion; the failing-rows SQL; one query per pass.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDbEngine } from '../../src/lake/index.js';
import {
  evaluateSuite,
  evaluateSuites,
  failingRowsSql,
  type DqBatch,
  type EvaluateOptions,
} from '../../src/pipeline/dq/evaluate.js';
import type { ExpectationOutcome } from '../../src/pipeline/dq/model.js';
import { DQ_TABLES, parseSuite, type ExpectationSuite } from '../../src/pipeline/dq/suite.js';
import { TELEMETRY_SCHEMA } from '../../src/pipeline/silver/schema.js';

let engine: DuckDbEngine;
before(() => {
  engine = new DuckDbEngine({ threads: 1 });
});
after(() => engine.close());

type Spec = { type: string; kwargs: Record<string, unknown>; meta?: Record<string, unknown> };

type Table = 'silver/telemetry' | 'silver/quarantine';

function suiteOf(
  expectations: readonly Spec[],
  table: Table = 'silver/telemetry',
): ExpectationSuite {
  return parseSuite(
    {
      expectation_suite_name: 't',
      meta: { table, key_columns: ['session_id', 'seq'] },
      expectations: expectations.map((e, k) => ({
        expectation_type: e.type,
        kwargs: e.kwargs,
        meta: { id: `e${k}`, ...e.meta },
      })),
    },
    'test.yml',
  );
}

/** `SELECT * FROM (VALUES …) AS t(columns)`. */
function rel(columns: string, rows: readonly string[]): string {
  return `SELECT * FROM (VALUES ${rows.map((r) => `(${r})`).join(', ')}) AS t(${columns})`;
}

function batch(
  tableSql: string,
  extra: Partial<DqBatch> = {},
  table: Table = 'silver/telemetry',
): DqBatch {
  return { table, tableVersion: 3, schema: DQ_TABLES[table]!.schema, tableSql, ...extra };
}

interface Options extends EvaluateOptions {
  readonly batch?: Partial<DqBatch>;
  /** Default silver/telemetry; silver/quarantine has nullable session_id and seq. */
  readonly table?: Table;
}

async function evaluate(
  expectations: readonly Spec[],
  tableSql: string,
  options: Options = {},
): Promise<ExpectationOutcome[]> {
  const table = options.table ?? 'silver/telemetry';
  return engine.withConnection((c) =>
    evaluateSuite(c, suiteOf(expectations, table), batch(tableSql, options.batch, table), options),
  );
}

async function one(spec: Spec, tableSql: string, options: Options = {}) {
  const [outcome] = await evaluate([spec], tableSql, options);
  return outcome!;
}

const RPM = (values: readonly string[]) =>
  rel(
    'session_id, seq, engine_rpm',
    values.map((v, k) => `'S', ${k + 1}::BIGINT, ${v}::DOUBLE`),
  );

describe('row-level expectations', () => {
  test('expect_column_values_to_not_be_null counts nulls (NaN is a value) and honours mostly', async () => {
    const rows = RPM(['1', 'NULL', "'NaN'", 'NULL', '5']);
    const spec = { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'engine_rpm' } };
    const failed = await one(spec, rows);
    assert.equal(failed.success, false);
    assert.deepEqual(failed.observed, { null_count: 2 });
    assert.equal(failed.elementCount, 5);
    assert.equal(failed.unexpectedCount, 2);
    assert.equal(failed.unexpectedPercent, 40);
    assert.equal(failed.scope, 'row');
    assert.equal(failed.tableVersion, 3);
    assert.equal(failed.expected, 'engine_rpm is not null');
    assert.deepEqual(failed.sample, [
      { session_id: 'S', seq: 2, engine_rpm: null },
      { session_id: 'S', seq: 4, engine_rpm: null },
    ]);
    const mostly = await one({ ...spec, kwargs: { column: 'engine_rpm', mostly: 0.6 } }, rows);
    assert.equal(mostly.success, true);
    assert.equal(mostly.expected, 'engine_rpm is not null (mostly 0.6)');
    assert.equal((await one(spec, RPM(['1', '2']))).success, true);
  });

  test('expect_column_values_to_be_between: bounds, strictness, NaN, nulls skipped', async () => {
    const rows = RPM(['1000', '9500', "'NaN'", 'NULL', '0', '-1']);
    const between = await one(
      {
        type: 'expect_column_values_to_be_between',
        kwargs: { column: 'engine_rpm', min_value: 0, max_value: 9000 },
      },
      rows,
    );
    assert.equal(between.success, false);
    assert.equal(between.elementCount, 5, 'the null is not looked at');
    assert.equal(between.unexpectedCount, 3, '9500, NaN and -1');
    assert.equal(between.unexpectedPercent, 60);
    assert.deepEqual(between.observed, { min: -1, max: 'NaN', unexpected_count: 3 });
    assert.equal(between.expected, '0 <= engine_rpm <= 9000');
    assert.deepEqual(
      between.sample.map((r) => r['engine_rpm']),
      [9500, 'NaN', -1],
    );

    const strict = await one(
      {
        type: 'expect_column_values_to_be_between',
        kwargs: { column: 'engine_rpm', min_value: 0, max_value: 9000, strict_min: true },
      },
      rows,
    );
    assert.equal(strict.unexpectedCount, 4, '0 fails a strict minimum');
    assert.equal(strict.expected, '0 < engine_rpm <= 9000');

    const upper = await one(
      {
        type: 'expect_column_values_to_be_between',
        kwargs: { column: 'engine_rpm', max_value: 9000 },
      },
      rows,
    );
    assert.equal(upper.unexpectedCount, 2, 'only 9500 and NaN: -1 has no lower bound');
    assert.equal(upper.expected, 'engine_rpm <= 9000');

    const mostly = await one(
      {
        type: 'expect_column_values_to_be_between',
        kwargs: { column: 'engine_rpm', min_value: -10, max_value: 10000, mostly: 0.8 },
      },
      rows,
    );
    assert.equal(mostly.unexpectedCount, 1);
    assert.equal(mostly.success, true, '4 of 5 = 0.8 ≥ mostly');
  });

  test('expect_column_values_to_be_in_set on numbers and strings', async () => {
    const rows = rel('session_id, seq, gear, vehicle_id', [
      "'S', 1, 1, 'V1'",
      "'S', 2, 9, 'V1'",
      "'S', 3, NULL, 'V2'",
      "'S', 4, 0, 'V1'",
      "'S', 5, 8, 'V1'",
    ]);
    const gears = await one(
      {
        type: 'expect_column_values_to_be_in_set',
        kwargs: { column: 'gear', value_set: [1, 2, 3, 4, 5, 6, 7, 8] },
      },
      rows,
    );
    assert.equal(gears.success, false);
    assert.equal(gears.elementCount, 4);
    assert.equal(gears.unexpectedCount, 2);
    assert.deepEqual(gears.observed, { unexpected_count: 2, partial_unexpected_list: [9, 0] });
    assert.equal(gears.expected, 'gear in {1, 2, 3, 4, 5, 6, 7, 8}');
    const vehicles = await one(
      {
        type: 'expect_column_values_to_be_in_set',
        kwargs: { column: 'vehicle_id', value_set: ['V1'] },
      },
      rows,
    );
    assert.equal(vehicles.unexpectedCount, 1);
    assert.deepEqual(vehicles.sample, [{ session_id: 'S', seq: 3, vehicle_id: 'V2' }]);
    const all = await one(
      {
        type: 'expect_column_values_to_be_in_set',
        kwargs: { column: 'vehicle_id', value_set: ['V1', 'V2'] },
      },
      rows,
    );
    assert.equal(all.success, true);
    assert.deepEqual(all.sample, []);
  });

  test('expect_column_values_to_be_increasing within groups, by order_by (row order does not matter)', async () => {
    const t = (s: number) => `TIMESTAMPTZ '2026-01-01 08:00:0${s}+00'`;
    // Listed out of seq order on purpose: B3, B1, A2, A3, B2, A1.
    const rows = rel('session_id, seq, event_time', [
      `'B', 3, ${t(6)}`,
      `'B', 1, ${t(5)}`,
      `'A', 2, ${t(1)}`,
      `'A', 3, ${t(1)}`,
      `'B', 2, ${t(4)}`,
      `'A', 1, ${t(0)}`,
    ]);
    const kwargs = { column: 'event_time', group_by: ['session_id'], order_by: 'seq' };
    const strict = await one(
      { type: 'expect_column_values_to_be_increasing', kwargs: { ...kwargs, strictly: true } },
      rows,
    );
    assert.equal(strict.success, false);
    assert.equal(strict.elementCount, 6);
    assert.equal(strict.unexpectedCount, 2, 'A3 repeats A2, B2 goes back');
    assert.equal(strict.expected, 'event_time strictly increasing by seq within session_id');
    assert.deepEqual(strict.sample, [
      {
        session_id: 'A',
        seq: 3,
        event_time: '2026-01-01T08:00:01Z',
        previous_event_time: '2026-01-01T08:00:01Z',
      },
      {
        session_id: 'B',
        seq: 2,
        event_time: '2026-01-01T08:00:04Z',
        previous_event_time: '2026-01-01T08:00:05Z',
      },
    ]);
    const loose = await one({ type: 'expect_column_values_to_be_increasing', kwargs }, rows);
    assert.equal(loose.unexpectedCount, 1, 'equal times pass when not strictly');
    // Without the group, A and B interleave by seq and more pairs go back.
    const ungrouped = await one(
      {
        type: 'expect_column_values_to_be_increasing',
        kwargs: { column: 'seq', order_by: 'event_time', strictly: true },
      },
      rel('session_id, seq, event_time', [`'A', 1, ${t(0)}`, `'A', 2, ${t(1)}`, `'A', 3, ${t(2)}`]),
    );
    assert.equal(ungrouped.success, true);
  });
});

describe('table-level expectations', () => {
  test('expect_column_values_to_be_unique: duplicated values and the rows holding them', async () => {
    const rows = rel('session_id, seq, fields', [
      "'S', 1, 'f1'",
      "'S', 2, 'f2'",
      "'S', 3, 'f2'",
      "'S', 4, 'f3'",
      "'S', 5, 'f3'",
      "'S', 6, 'f3'",
      "'S', 7, NULL",
      "'S', 8, NULL",
    ]);
    const unique = await one(
      { type: 'expect_column_values_to_be_unique', kwargs: { column: 'fields' } },
      rows,
      { table: 'silver/quarantine' },
    );
    assert.equal(unique.success, false);
    assert.equal(unique.scope, 'table');
    assert.equal(unique.elementCount, 6, 'nulls are not values');
    assert.equal(unique.unexpectedCount, 5);
    assert.deepEqual(unique.observed, { duplicated_values: 2, unexpected_count: 5 });
    assert.deepEqual(unique.sample, [
      { fields: 'f3', occurrences: 3 },
      { fields: 'f2', occurrences: 2 },
    ]);
    const mostly = await one(
      { type: 'expect_column_values_to_be_unique', kwargs: { column: 'fields', mostly: 0.1 } },
      rows,
      { table: 'silver/quarantine' },
    );
    assert.equal(mostly.success, true);
  });

  test('expect_compound_columns_to_be_unique, whole table and new rows against existing ones', async () => {
    const keys = (pairs: readonly string[]) => rel('session_id, seq', pairs);
    const spec = {
      type: 'expect_compound_columns_to_be_unique',
      kwargs: { column_list: ['session_id', 'seq'] },
    };
    const withNulls = keys([
      "'A', 1",
      "'A', 2",
      "'A', 2",
      "'B', 1",
      'NULL, NULL',
      'NULL, NULL',
      "'B', NULL",
      "'B', NULL",
    ]);
    // In silver/quarantine both key columns may be null.
    const whole = await one(spec, withNulls, { table: 'silver/quarantine' });
    assert.equal(whole.elementCount, 6, 'rows whose key columns are all null are skipped');
    assert.equal(whole.unexpectedCount, 4, '(A, 2) twice and (B, null) twice');
    assert.deepEqual(whole.observed, { duplicated_values: 2, unexpected_count: 4 });
    assert.equal(whole.expected, '(session_id, seq) unique');
    // In silver/telemetry they are declared non-null: every row counts, no column is read.
    const declared = await one(spec, withNulls);
    assert.equal(declared.elementCount, 8);

    // In the pipeline: the keys of the new rows, against the new rows and the existing ones.
    const existing = keys(["'A', 1", "'A', 2", "'C', 1", "'C', 1"]);
    const fresh = keys(["'A', 2", "'B', 1"]);
    const [outcome] = await evaluate([spec], `${existing} UNION ALL ${fresh}`, {
      batch: { rowsSql: fresh, existingSql: existing },
    });
    assert.equal(outcome!.elementCount, 6);
    assert.equal(outcome!.unexpectedCount, 2, '(A, 2) new and existing; (C, 1) is not a new key');
    assert.deepEqual(outcome!.sample, [{ session_id: 'A', seq: 2, occurrences: 2 }]);
  });

  test('expect_table_row_count_to_be_between', async () => {
    const rows = RPM(['1', '2', '3', '4', '5']);
    const small = await one(
      { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1, max_value: 3 } },
      rows,
    );
    assert.equal(small.success, false);
    assert.equal(small.observed, 5);
    assert.equal(small.elementCount, 5);
    assert.equal(small.expected, '1 <= row count <= 3');
    const some = await one(
      { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 5 } },
      rows,
    );
    assert.equal(some.success, true);
    const strict = await one(
      { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 5, strict_min: true } },
      rows,
    );
    assert.equal(strict.success, false);
    const empty = await one(
      { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1 } },
      `${rows} WHERE false`,
    );
    assert.equal(empty.observed, 0);
    assert.equal(empty.success, false);
  });

  test('expect_column_mean/min/max_to_be_between, and no values at all fails', async () => {
    const rows = RPM(['1000', '2000', '3000', 'NULL']);
    const k = (min: number | null, max: number | null) => ({
      column: 'engine_rpm',
      min_value: min,
      max_value: max,
    });
    const [mean, min, max, meanLow] = await evaluate(
      [
        { type: 'expect_column_mean_to_be_between', kwargs: k(1500, 2500) },
        { type: 'expect_column_min_to_be_between', kwargs: k(1001, null) },
        { type: 'expect_column_max_to_be_between', kwargs: k(null, 3000) },
        { type: 'expect_column_mean_to_be_between', kwargs: k(null, 1999) },
      ],
      rows,
    );
    assert.deepEqual([mean!.observed, mean!.success, mean!.elementCount], [2000, true, 3]);
    assert.equal(mean!.expected, '1500 <= mean(engine_rpm) <= 2500');
    assert.deepEqual([min!.observed, min!.success], [1000, false]);
    assert.deepEqual([max!.observed, max!.success], [3000, true]);
    assert.deepEqual([meanLow!.observed, meanLow!.success], [2000, false]);
    const [empty] = await evaluate(
      [{ type: 'expect_column_mean_to_be_between', kwargs: k(0, 10) }],
      RPM(['NULL']),
    );
    assert.equal(empty!.observed, null);
    assert.equal(empty!.success, false);
  });

  test('expect_column_max_to_be_recent: the lag of the newest value behind now', async () => {
    const rows = rel('session_id, seq, ingest_time', [
      "'S', 1, TIMESTAMPTZ '2026-01-01 08:00:00+00'",
      "'S', 2, TIMESTAMPTZ '2026-01-01 09:00:00+00'",
    ]);
    const now = new Date('2026-01-01T09:10:00.000Z');
    const fresh = await one(
      {
        type: 'expect_column_max_to_be_recent',
        kwargs: { column: 'ingest_time', max_lag_seconds: 3600 },
      },
      rows,
      { now },
    );
    assert.equal(fresh.success, true);
    assert.deepEqual(fresh.observed, { max: '2026-01-01T09:00:00.000Z', lag_seconds: 600 });
    assert.equal(fresh.expected, 'max(ingest_time) at most 3600 s before now');
    const stale = await one(
      {
        type: 'expect_column_max_to_be_recent',
        kwargs: { column: 'ingest_time', max_lag_seconds: 300 },
      },
      rows,
      { now },
    );
    assert.equal(stale.success, false);
    const empty = await one(
      {
        type: 'expect_column_max_to_be_recent',
        kwargs: { column: 'ingest_time', max_lag_seconds: 300 },
      },
      `${rows} WHERE false`,
      { now },
    );
    assert.equal(empty.success, false);
    assert.deepEqual(empty.observed, { max: null, lag_seconds: null });
  });
});

describe('passes and routing', () => {
  const gear = {
    type: 'expect_column_values_to_be_in_set',
    kwargs: { column: 'gear', value_set: [1, 2, 3, 4, 5, 6, 7, 8] },
    meta: { quarantine: true },
  };
  const rpm = {
    type: 'expect_column_values_to_be_between',
    kwargs: { column: 'engine_rpm', min_value: 0, max_value: 5000 },
  };
  const rows = rel(
    'session_id, seq, bronze_topic, bronze_partition, bronze_offset, gear, engine_rpm',
    [
      "'S', 1, 'telemetry', 0, 10, 3, 2000.0",
      "'S', 2, 'telemetry', 0, 11, 9, 9000.0",
      "'S', 3, 'telemetry', 0, 12, 3, 6000.0",
    ],
  );

  test('rows a quarantine expectation routes away are not judged by the others', async () => {
    const routed = await evaluate([gear, rpm], rows, { routeQuarantine: true });
    assert.equal(routed[0]!.unexpectedCount, 1);
    assert.equal(routed[1]!.elementCount, 2, 'the gear-9 row left the batch');
    assert.equal(routed[1]!.unexpectedCount, 1);
    assert.deepEqual(routed[1]!.sample, [{ session_id: 'S', seq: 3, engine_rpm: 6000 }]);
    assert.deepEqual(routed[1]!.observed, { min: 2000, max: 6000, unexpected_count: 1 });
    const kept = await evaluate([gear, rpm], rows);
    assert.equal(kept[1]!.elementCount, 3);
    assert.equal(kept[1]!.unexpectedCount, 2);
  });

  test('failingRowsSql selects the failing rows with the labels of what they failed', async () => {
    const suite = suiteOf([gear, { ...rpm, meta: { quarantine: true } }]);
    const sql = failingRowsSql(
      suite.expectations.map((expectation) => ({ label: `t/${expectation.id}`, expectation })),
      TELEMETRY_SCHEMA,
      rows,
      ['bronze_topic', 'bronze_partition', 'bronze_offset'],
    );
    const found = await engine.withConnection(async (c) =>
      (await c.runAndReadAll(`${sql} ORDER BY bronze_offset`)).getRowObjectsJson(),
    );
    assert.deepEqual(found, [
      {
        bronze_topic: 'telemetry',
        bronze_partition: 0,
        bronze_offset: 11,
        expectation_ids: 't/e0,t/e1',
      },
      {
        bronze_topic: 'telemetry',
        bronze_partition: 0,
        bronze_offset: 12,
        expectation_ids: 't/e1',
      },
    ]);
  });

  test('a passing suite costs one query; the new rows and the table one each; samples only on failure', async () => {
    const specs: Spec[] = [
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'engine_rpm' } },
      {
        type: 'expect_column_values_to_be_between',
        kwargs: { column: 'engine_rpm', min_value: 0 },
      },
      { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'gear', value_set: [3, 9] } },
      { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1 } },
      { type: 'expect_column_mean_to_be_between', kwargs: { column: 'engine_rpm', min_value: 0 } },
      { type: 'expect_column_max_to_be_between', kwargs: { column: 'gear', max_value: 9 } },
    ];
    const counted = async (b: DqBatch): Promise<number> =>
      engine.withConnection(async (c) => {
        let queries = 0;
        const spy = {
          runAndReadAll: (sql: string) => {
            queries++;
            return c.runAndReadAll(sql);
          },
        } as unknown as DuckDBConnection;
        const outcomes = await evaluateSuites(spy, [suiteOf(specs)], b);
        assert.ok(outcomes.every((o) => o.success));
        return queries;
      });
    assert.equal(await counted(batch(rows)), 1);
    assert.equal(await counted(batch(rows, { rowsSql: rows })), 2);
  });
});

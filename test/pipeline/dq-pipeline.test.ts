// The data-quality gate inside the pipeline: rows failing quarantine expectations go to
// silver/quarantine and every bronze row is still in exactly one place; the outcomes land in
// <lake>/dq/results once per run; a redone range keeps the routing it committed; a critical
// failure stops silver or gold with nothing of the increment committed.
import assert from 'node:assert/strict';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { DeltaTable, DuckDbEngine, readTable } from '../../src/lake/index.js';
import { createGoldLayer } from '../../src/pipeline/gold/index.js';
import { readRuns, recordOutcomes, resultsLocation } from '../../src/pipeline/dq/results.js';
import { runPipeline, type LayerName } from '../../src/pipeline/run.js';
import { createSilverLayer, SILVER_TABLES } from '../../src/pipeline/silver/index.js';
import {
  readSilver,
  sessionStart,
  silverChecksums,
  telemetryEvent,
  tempLake,
  writeBronze,
} from './silver-support.js';

/** Writes suite documents into a fresh folder next to the lake; returns the folder. */
async function suitesDir(lake: string, name: string, suites: readonly object[]): Promise<string> {
  const dir = path.join(path.dirname(lake), name);
  await mkdir(dir, { recursive: true });
  for (const [k, suite] of suites.entries()) {
    await writeFile(path.join(dir, `suite-${k}.yml`), stringify(suite));
  }
  return dir;
}

const ROUTING = {
  expectation_suite_name: 'routing',
  meta: { table: 'silver/telemetry', key_columns: ['session_id', 'seq'] },
  expectations: [
    {
      expectation_type: 'expect_column_values_to_be_between',
      kwargs: { column: 'engine_rpm', max_value: 2005 },
      meta: { id: 'rpm_cap', quarantine: true },
    },
    {
      expectation_type: 'expect_column_values_to_be_between',
      kwargs: { column: 'engine_rpm', min_value: 2002 },
      meta: { id: 'rpm_floor' },
    },
    {
      expectation_type: 'expect_compound_columns_to_be_unique',
      kwargs: { column_list: ['session_id', 'seq'] },
      meta: { id: 'keys_unique', severity: 'critical' },
    },
  ],
};

async function run(
  lake: string,
  dir: string | undefined,
  options: { layers?: LayerName[]; fullRefresh?: boolean } = {},
) {
  const dq = dir === undefined ? {} : { dq: { suitesDir: dir } };
  return runPipeline({
    lakeRoot: lake,
    layers: options.layers ?? ['silver'],
    fullRefresh: options.fullRefresh ?? false,
    implementations: { silver: createSilverLayer(dq), gold: createGoldLayer(dq) },
  });
}

/** Session start, telemetry 1..8 (engine_rpm 2001..2008), a second copy of 7, and junk. */
function bronzeValues(): (string | object)[] {
  return [
    sessionStart(),
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((seq) => telemetryEvent(seq)),
    telemetryEvent(7),
    '{"not json',
  ];
}

describe('data-quality gate in the silver layer', () => {
  test('rows failing a quarantine expectation go to quarantine; every bronze row in one place', async (t) => {
    const lake = await tempLake(t);
    const dir = await suitesDir(lake, 'suites', [ROUTING]);
    await writeBronze(lake, bronzeValues());

    const summary = await run(lake, dir);
    const report = summary.layers[0]!;
    // 11 bronze rows = 5 telemetry + 1 session event + 4 quarantined + 1 duplicate.
    assert.equal(report.rowsIn, 11);
    assert.equal(report.rowsOut, 5, 'seq 1..5; 6, 7 and 8 are above the cap');
    assert.equal(report.quarantined, 4, 'seq 6, 7, 8 by the gate and the unparseable row');
    assert.equal(report.duplicates, 1, 'the second copy of seq 7');
    assert.equal(report.rowsIn, report.rowsOut + 1 + report.quarantined + report.duplicates);
    assert.deepEqual(report.expectations, { passed: 1, failed: 2 });

    const telemetry = await readSilver(lake, 'telemetry', 'seq');
    assert.deepEqual(
      telemetry.map((r) => r.seq),
      [1n, 2n, 3n, 4n, 5n],
    );
    const quarantine = await readSilver(lake, 'quarantine', 'bronze_offset');
    const routed = quarantine.filter((r) => r.reason === 'expectation_failed');
    assert.deepEqual(
      routed.map((r) => [r.seq, r.reasons, r.fields, r.event_type, r.session_id]),
      [6n, 7n, 8n].map((seq) => [
        seq,
        'expectation_failed',
        'routing/rpm_cap',
        'telemetry',
        telemetryEvent(1).session_id,
      ]),
    );
    // The raw bytes of the bronze row travel with it.
    assert.equal(
      new TextDecoder().decode(routed[0]!.value as Uint8Array),
      JSON.stringify(telemetryEvent(6)),
    );
    assert.equal(routed[0]!.value_size, JSON.stringify(telemetryEvent(6)).length);
    const duplicates = await readSilver(lake, 'duplicates');
    assert.deepEqual(
      duplicates.map((r) => [r.seq, r.original_offset]),
      [[7n, 7n]],
      'the copy of a routed event is still a duplicate of its first arrival',
    );
    const sessions = await readSilver(lake, 'sessions');
    assert.equal(sessions[0]!.telemetry_events, 5n, 'the sessions table counts kept telemetry');

    // The outcomes, recorded once with the table version they were committed as.
    const engine = new DuckDbEngine({ threads: 1 });
    t.after(() => engine.close());
    const [dqRun, ...older] = await readRuns(lake, engine);
    assert.equal(older.length, 0);
    assert.equal(dqRun!.runId, summary.runId);
    assert.equal(dqRun!.stopped, false);
    const byId = new Map(dqRun!.outcomes.map((o) => [o.id, o]));
    const cap = byId.get('rpm_cap')!;
    assert.deepEqual(
      [cap.success, cap.elementCount, cap.unexpectedCount, cap.quarantined, cap.tableVersion],
      [false, 8, 3, 3, 1],
    );
    assert.deepEqual(
      cap.sample.map((r) => r['seq']),
      [6, 7, 8],
    );
    const floor = byId.get('rpm_floor')!;
    assert.deepEqual(
      [floor.success, floor.elementCount, floor.unexpectedCount, floor.quarantined],
      [false, 5, 1, 0],
      'judged on the rows left after routing: seq 1 (2001) is below the floor',
    );
    assert.equal(byId.get('keys_unique')!.success, true);

    // The results table's own columns.
    const results = await DeltaTable.open(resultsLocation(lake), { engine });
    t.after(() => results.close());
    const rows = await readTable(await results.snapshot(), { engine, orderBy: 'ordinal' });
    assert.equal(rows.length, 3);
    const first = rows[0]!;
    assert.equal(first.run_id, summary.runId);
    assert.equal(first.suite, 'routing');
    assert.equal(first.table_name, 'silver/telemetry');
    assert.equal(first.table_version, 1n);
    assert.equal(first.expectation_id, 'rpm_cap');
    assert.equal(first.expectation_type, 'expect_column_values_to_be_between');
    assert.deepEqual(JSON.parse(String(first.kwargs)), { column: 'engine_rpm', max_value: 2005 });
    assert.equal(first.severity, 'warning');
    assert.equal(first.scope, 'row');
    assert.equal(first.success, false);
    assert.deepEqual(JSON.parse(String(first.observed)), {
      min: 2001,
      max: 2008,
      unexpected_count: 3,
    });
    assert.equal(first.expected, 'engine_rpm <= 2005');
    assert.deepEqual(
      [first.element_count, first.unexpected_count, first.quarantined],
      [8n, 3n, 3n],
    );
    assert.equal(first.unexpected_percent, 37.5);
    assert.equal((JSON.parse(String(first.sample)) as unknown[]).length, 3);
    assert.equal(typeof first.millis, 'number');
    assert.equal(typeof first.run_started_at, 'bigint');

    // Recording the same outcomes again changes nothing (idempotent per run).
    const version = (await results.snapshot()).version;
    const again = await recordOutcomes(
      { lakeRoot: lake, engine, runId: summary.runId },
      dqRun!.outcomes,
    );
    assert.equal(again.appended, 0);
    assert.equal((await results.snapshot()).version, version);

    // A rerun finds nothing new and records nothing; a full refresh routes the same rows.
    const checksums = await silverChecksums(lake);
    const rerun = await run(lake, dir);
    assert.equal(rerun.layers[0]!.upToDate, true);
    assert.equal(rerun.layers[0]!.expectations, undefined);
    assert.equal((await results.snapshot()).version, version);
    const refreshed = await run(lake, dir, { fullRefresh: true });
    assert.equal(refreshed.layers[0]!.quarantined, 4);
    assert.deepEqual(await silverChecksums(lake), checksums);
    assert.equal((await readRuns(lake, engine)).length, 2, 'the full refresh is a run of its own');
  });

  test('redoing an interrupted range keeps the routing its quarantine commit holds', async (t) => {
    const lake = await tempLake(t);
    const dir = await suitesDir(lake, 'suites', [ROUTING]);
    await writeBronze(lake, bronzeValues());
    await run(lake, dir);
    const complete = await silverChecksums(lake);
    // Interrupt the run after every table but telemetry committed: drop telemetry's commit.
    await rm(path.join(lake, SILVER_TABLES.telemetry, '_delta_log', '00000000000000000001.json'));
    // The redo runs without any suite: the rows routed before must not come back.
    const none = await suitesDir(lake, 'none', []);
    const redo = await run(lake, none);
    const report = redo.layers[0]!;
    assert.ok(report.notes?.some((n) => n.startsWith('finished interrupted bronze range')));
    assert.equal(report.rowsOut, 5);
    assert.deepEqual(await silverChecksums(lake), complete);
  });

  test('a critical expectation that fails stops silver: nothing of the increment is committed', async (t) => {
    const lake = await tempLake(t);
    const strict = {
      ...ROUTING,
      expectations: [
        ...ROUTING.expectations,
        {
          expectation_type: 'expect_table_row_count_to_be_between',
          kwargs: { max_value: 3 },
          meta: { id: 'tiny', severity: 'critical' },
        },
      ],
    };
    const dir = await suitesDir(lake, 'suites', [strict]);
    await writeBronze(lake, bronzeValues());
    const failure = await run(lake, dir).then(
      () => assert.fail('the run must stop'),
      (error: unknown) => error as Error & { code: string },
    );
    assert.equal(failure.code, 'PITWALL_ERR_PIPELINE');
    assert.match(
      failure.message,
      /^silver: critical expectation routing\/tiny failed on silver\/telemetry: expected row count <= 3, observed 5; this run committed nothing of bronze v-1\.\.v1 to the silver tables; results: pitwall dq results --run [0-9a-f-]{36}; data docs: .+index\.html$/,
    );
    for (const table of Object.keys(SILVER_TABLES) as (keyof typeof SILVER_TABLES)[]) {
      assert.deepEqual(await readSilver(lake, table), [], `${table} is empty`);
    }
    const engine = new DuckDbEngine({ threads: 1 });
    t.after(() => engine.close());
    const [stopped] = await readRuns(lake, engine);
    assert.equal(stopped!.stopped, true);
    const tiny = stopped!.outcomes.find((o) => o.id === 'tiny')!;
    assert.deepEqual([tiny.success, tiny.observed, tiny.tableVersion], [false, 5, 0]);
    assert.equal(
      stopped!.outcomes.find((o) => o.id === 'rpm_cap')!.quarantined,
      0,
      'nothing was quarantined: nothing was committed',
    );

    // With the shipped suites the same bronze goes through.
    const fine = await run(lake, undefined);
    assert.equal(fine.layers[0]!.rowsOut, 8);
  });

  test('a critical gold expectation that fails leaves gold unpublished', async (t) => {
    const lake = await tempLake(t);
    await writeBronze(lake, bronzeValues());
    await run(lake, undefined);
    const dir = await suitesDir(lake, 'gold-suites', [
      {
        expectation_suite_name: 'gold_strict',
        meta: { table: 'gold/features', key_columns: ['session_id', 'window_end'] },
        expectations: [
          {
            expectation_type: 'expect_column_values_to_be_between',
            kwargs: { column: 'sample_count', max_value: 2 },
            meta: { id: 'few_samples', severity: 'critical' },
          },
        ],
      },
    ]);
    const failure = await run(lake, dir, { layers: ['gold'] }).then(
      () => assert.fail('gold must stop'),
      (error: unknown) => error as Error,
    );
    assert.match(
      failure.message,
      /^gold: critical expectation gold_strict\/few_samples failed on gold\/features: expected sample_count <= 2, observed \{"min":\d+,"max":\d+,"unexpected_count":\d+\}; gold\/features stays at version 0 \(nothing published\)/,
    );
    const gold = await DeltaTable.open(path.join(lake, 'gold', 'features'));
    t.after(() => gold.close());
    const snapshot = await gold.snapshot();
    assert.equal(snapshot.version, 0);
    assert.equal(snapshot.files.length, 0);
    const files = await readdir(path.join(lake, 'gold', 'features'));
    assert.deepEqual(files, ['_delta_log'], 'the staged Parquet files were removed');
    // The shipped gold suite passes on the same silver.
    const published = await run(lake, undefined, { layers: ['gold'] });
    assert.ok(published.layers[0]!.rowsOut > 0);
    assert.deepEqual(published.layers[0]!.expectations?.failed, 0);
  });
});

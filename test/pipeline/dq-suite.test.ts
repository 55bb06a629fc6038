// Expectation suite files: the shipped suites load; bad files fail with one line naming the
// file and the path at fault; `pitwall dq list` shows suites and types.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import { ExpectationSuiteError } from '../../src/errors.js';
import { EXPECTATION_TYPE_NAMES } from '../../src/pipeline/dq/expectation-types.js';
import { loadSuiteFile, loadSuites, parseSuite } from '../../src/pipeline/dq/suite.js';
import { assertOneLineError, runMain } from '../cli/helpers.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-dq-suite-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const GOOD = {
  expectation_suite_name: 'ok',
  meta: { table: 'silver/telemetry', key_columns: ['session_id', 'seq'] },
  expectations: [
    {
      expectation_type: 'expect_column_values_to_be_between',
      kwargs: { column: 'engine_rpm', min_value: 0, max_value: 9000 },
      meta: { id: 'rpm', severity: 'warning' },
    },
  ],
};

/** A copy of GOOD with its first expectation changed. */
function withExpectation(expectation: Record<string, unknown>, meta: object = GOOD.meta) {
  return { ...GOOD, meta, expectations: [expectation] };
}

const BAD: readonly [string, unknown, RegExp][] = [
  [
    'an unknown expectation type, with a suggestion',
    withExpectation({
      expectation_type: 'expect_column_values_to_be_betwen',
      kwargs: { column: 'engine_rpm' },
    }),
    /expectations\[0\]\.expectation_type: unknown expectation type 'expect_column_values_to_be_betwen' \(did you mean expect_column_values_to_be_between\?\)$/,
  ],
  [
    'a kwarg of the wrong type',
    withExpectation({
      expectation_type: 'expect_column_values_to_be_between',
      kwargs: { column: 'engine_rpm', min_value: 'zero' },
    }),
    /expectations\[0\]\.kwargs\.min_value: must be number or null$/,
  ],
  [
    'an unknown kwarg',
    withExpectation({
      expectation_type: 'expect_column_values_to_not_be_null',
      kwargs: { column: 'engine_rpm', minimum: 0 },
    }),
    /expectations\[0\]\.kwargs\.minimum: unknown key$/,
  ],
  [
    'a missing kwarg',
    withExpectation({
      expectation_type: 'expect_column_values_to_be_in_set',
      kwargs: { column: 'gear' },
    }),
    /expectations\[0\]\.kwargs\.value_set: is required$/,
  ],
  [
    'mostly above 1',
    withExpectation({
      expectation_type: 'expect_column_values_to_not_be_null',
      kwargs: { column: 'gear', mostly: 1.5 },
    }),
    /expectations\[0\]\.kwargs\.mostly: must be <= 1$/,
  ],
  [
    'a column the table does not have',
    withExpectation({
      expectation_type: 'expect_column_values_to_not_be_null',
      kwargs: { column: 'rpm' },
    }),
    /expectations\[0\]\.kwargs\.column: no column 'rpm' in silver\/telemetry$/,
  ],
  [
    'a column of the wrong type',
    withExpectation({
      expectation_type: 'expect_column_values_to_be_between',
      kwargs: { column: 'vehicle_id', min_value: 0 },
    }),
    /expectations\[0\]\.kwargs\.column: 'vehicle_id' is string; expect_column_values_to_be_between needs a numeric \(integer, long, double\) column$/,
  ],
  [
    'a between without bounds',
    withExpectation({
      expectation_type: 'expect_column_mean_to_be_between',
      kwargs: { column: 'engine_rpm', min_value: null },
    }),
    /expectations\[0\]\.kwargs: give min_value, max_value or both$/,
  ],
  [
    'bounds the wrong way round',
    withExpectation({
      expectation_type: 'expect_column_values_to_be_between',
      kwargs: { column: 'engine_rpm', min_value: 10, max_value: 1 },
    }),
    /expectations\[0\]\.kwargs\.min_value: 10 is above max_value 1$/,
  ],
  [
    'a value set of another type than the column',
    withExpectation({
      expectation_type: 'expect_column_values_to_be_in_set',
      kwargs: { column: 'gear', value_set: [1, '2'] },
    }),
    /expectations\[0\]\.kwargs\.value_set\[1\]: "2" is not a number like column 'gear' \(integer\)$/,
  ],
  [
    'an increasing check grouped by an unknown column',
    withExpectation({
      expectation_type: 'expect_column_values_to_be_increasing',
      kwargs: { column: 'event_time', group_by: ['session'], order_by: 'seq' },
    }),
    /expectations\[0\]\.kwargs\.group_by\[0\]: no column 'session' in silver\/telemetry$/,
  ],
  [
    'quarantine on a table-level expectation',
    withExpectation({
      expectation_type: 'expect_table_row_count_to_be_between',
      kwargs: { min_value: 1 },
      meta: { quarantine: true },
    }),
    /expectations\[0\]\.meta\.quarantine: only row-level expectations can route rows to quarantine/,
  ],
  [
    'quarantine on a table whose rows cannot be quarantined',
    withExpectation(
      {
        expectation_type: 'expect_column_values_to_not_be_null',
        kwargs: { column: 'label' },
        meta: { quarantine: true },
      },
      { table: 'gold/features' },
    ),
    /expectations\[0\]\.meta\.quarantine: rows of gold\/features cannot be quarantined/,
  ],
  [
    'an unknown severity',
    withExpectation({
      expectation_type: 'expect_column_values_to_not_be_null',
      kwargs: { column: 'gear' },
      meta: { severity: 'fatal' },
    }),
    /expectations\[0\]\.meta\.severity: must be one of critical, warning$/,
  ],
  [
    'a typo in meta',
    withExpectation({
      expectation_type: 'expect_column_values_to_not_be_null',
      kwargs: { column: 'gear' },
      meta: { severty: 'critical' },
    }),
    /expectations\[0\]\.meta\.severty: unknown key$/,
  ],
  [
    'two expectations with one id',
    {
      ...GOOD,
      expectations: [GOOD.expectations[0], GOOD.expectations[0]],
    },
    /expectations\[1\]\.meta\.id: 'rpm' is used twice in the suite$/,
  ],
  [
    'an unknown table',
    { ...GOOD, meta: { table: 'silver/telemetri' } },
    /meta\.table: unknown table 'silver\/telemetri' \(known: silver\/telemetry, /,
  ],
  [
    'an unknown key column',
    { ...GOOD, meta: { table: 'silver/telemetry', key_columns: ['sessionid'] } },
    /meta\.key_columns\[0\]: no column 'sessionid' in silver\/telemetry$/,
  ],
  [
    'no expectations list',
    { expectation_suite_name: 'x', meta: GOOD.meta },
    /\(root\)\.expectations: is required$|expectations: is required$/,
  ],
];

describe('expectation suite files', () => {
  test('the shipped suites load: silver telemetry, silver sessions, gold features', () => {
    const suites = loadSuites();
    assert.deepEqual(
      suites.map((s) => [s.name, s.table]),
      [
        ['silver_telemetry', 'silver/telemetry'],
        ['silver_sessions', 'silver/sessions'],
        ['gold_features', 'gold/features'],
      ],
    );
    const telemetry = suites[0]!;
    assert.ok(telemetry.expectations.some((e) => e.quarantine && e.scope === 'row'));
    assert.ok(telemetry.expectations.some((e) => e.severity === 'critical' && e.scope === 'table'));
    // Every expectation type has its kwargs schema and is used or documented.
    assert.ok(EXPECTATION_TYPE_NAMES.length >= 11);
  });

  test('defaults: severity warning, no quarantine, id from type and column', () => {
    const suite = parseSuite(
      {
        ...GOOD,
        expectations: [
          { expectation_type: 'expect_column_values_to_not_be_null', kwargs: { column: 'gear' } },
        ],
      },
      'inline.yml',
    );
    const e = suite.expectations[0]!;
    assert.equal(e.id, 'expect_column_values_to_not_be_null:gear');
    assert.equal(e.severity, 'warning');
    assert.equal(e.quarantine, false);
  });

  for (const [what, document, message] of BAD) {
    test(`refuses ${what} in one line naming file and path`, async (t) => {
      const dir = await tempDir(t);
      const file = path.join(dir, 'bad.yml');
      await writeFile(file, stringify(document));
      assert.throws(
        () => loadSuiteFile(file),
        (error: unknown) => {
          assert.ok(error instanceof ExpectationSuiteError);
          assert.equal(error.code, 'PITWALL_ERR_DQ_SUITE');
          assert.ok(!error.message.includes('\n'), 'one line');
          assert.ok(error.message.startsWith(`${file}: `), error.message);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  test('refuses YAML that does not parse, a missing folder and two suites with one name', async (t) => {
    const dir = await tempDir(t);
    await writeFile(path.join(dir, 'broken.yaml'), 'expectations: [\n');
    assert.throws(() => loadSuites(dir), /broken\.yaml: not valid YAML \(/);
    assert.throws(
      () => loadSuites(path.join(dir, 'nowhere')),
      /cannot read the expectation suites folder .*nowhere: no such folder/,
    );
    const twins = path.join(dir, 'twins');
    await mkdir(twins);
    await writeFile(path.join(twins, 'a.yml'), stringify(GOOD));
    await writeFile(path.join(twins, 'b.json'), JSON.stringify(GOOD));
    assert.throws(
      () => loadSuites(twins),
      /b\.json: expectation_suite_name: 'ok' is also the name of .*a\.yml$/,
    );
  });

  test('pitwall dq list prints suites and types; a bad suites folder is one line, exit 1', async (t) => {
    const list = await runMain(['dq', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^suite\s+table\s+expectation\s+severity\s+scope\s+expected$/m);
    assert.match(
      list.stdout,
      /silver_telemetry\s+silver\/telemetry\s+gear_in_fleet_gearboxes\s+warning\s+row, quarantine\s+gear in \{1, 2/,
    );
    assert.match(
      list.stdout,
      /gold_features\s+gold\/features\s+one_row_per_session_second\s+critical\s+table\s+\(session_id, window_end\) unique/,
    );
    const json = await runMain(['dq', 'list', '--json']);
    const rows = JSON.parse(json.stdout) as { suite: string; id: string; quarantine: boolean }[];
    assert.ok(rows.some((r) => r.suite === 'silver_sessions' && r.id === 'session_id_unique'));
    const types = await runMain(['dq', 'list', '--types']);
    for (const name of EXPECTATION_TYPE_NAMES)
      assert.match(types.stdout, new RegExp(`^${name}\\s`, 'm'));

    const dir = await tempDir(t);
    await writeFile(
      path.join(dir, 'bad.yml'),
      stringify(withExpectation({ expectation_type: 'expect_nothing', kwargs: {} })),
    );
    assertOneLineError(
      await runMain(['dq', 'list', '--expectations', dir]),
      1,
      /bad\.yml: expectations\[0\]\.expectation_type: unknown expectation type 'expect_nothing'/,
    );
  });
});

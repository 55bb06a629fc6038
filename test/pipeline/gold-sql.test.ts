// The gold SQL is generated from the spec: the checked-in files match the generator, the
// spec is well-formed, and the dialects differ only where documented.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT } from '../../src/paths.js';
import {
  FEATURES,
  MEASURES,
  checkFeatureSpec,
  measurePlans,
} from '../../src/pipeline/gold/feature-spec.js';
import { goldFeaturesSql } from '../../src/pipeline/gold/sql.js';
import { goldSchema } from '../../src/pipeline/gold/schema.js';
import { DuckDbEngine } from '../../src/lake/index.js';
import { loadSilver, sample, T0_US } from './gold-support.js';

test('sql/gold/*.sql are what the generator writes (npm run sql:gold)', () => {
  const dir = path.join(PACKAGE_ROOT, 'sql', 'gold');
  assert.equal(readFileSync(path.join(dir, 'features.sql'), 'utf8'), goldFeaturesSql());
  assert.equal(
    readFileSync(path.join(dir, 'features.spark.sql'), 'utf8'),
    goldFeaturesSql({ dialect: 'spark' }),
  );
});

test('the spec is well-formed and every feature is a column of the SQL and the table', () => {
  checkFeatureSpec();
  const sql = goldFeaturesSql();
  const columns = goldSchema().fields.map((f) => f.name);
  for (const feature of FEATURES) {
    assert.match(sql, new RegExp(` AS ${feature.name}[,\\n]`), feature.name);
    assert.ok(columns.includes(feature.name));
  }
  assert.ok(!columns.some((c) => c === 'driver_profile'), 'the label is not a feature');
  assert.equal(new Set(MEASURES.map((m) => m.name)).size, MEASURES.length);
  assert.throws(() => checkFeatureSpec([...FEATURES, FEATURES[0]!]), /repeats/);
  assert.throws(() => checkFeatureSpec([{ name: 'x', measure: 'nope', stat: 'mean' }]), /unknown/);
  // Bands of one signal share that signal's count column.
  const plans = measurePlans();
  const rpmCounts = new Set(
    plans.filter((p) => p.measure.name.startsWith('rpm')).map((p) => p.count),
  );
  assert.ok(rpmCounts.has('n_engine_rpm'));
});

test('the Spark dialect differs from DuckDB only in the epoch conversions', () => {
  const normalise = (text: string): string =>
    text
      .replace(/epoch_us\((\w+)\) \/\/ 1000000/g, 'EPOCH_S($1)')
      .replace(/unix_micros\((\w+)\) div 1000000/g, 'EPOCH_S($1)')
      .replace(/to_timestamp\(/g, 'TS(')
      .replace(/timestamp_seconds\(/g, 'TS(');
  assert.equal(normalise(goldFeaturesSql({ dialect: 'spark' })), normalise(goldFeaturesSql()));
});

test('the query returns the gold table columns in order', async () => {
  const engine = new DuckDbEngine({ threads: 1 });
  try {
    await engine.withConnection(async (connection) => {
      await loadSilver(connection, [sample('A', T0_US, { engine_rpm: 1000 })]);
      const reader = await connection.runAndReadAll(goldFeaturesSql());
      assert.deepEqual(
        reader.columnNames(),
        goldSchema().fields.map((f) => f.name),
      );
      assert.equal(reader.getRowObjects()[0]!.rpm_mean, 1000);
    });
  } finally {
    engine.close();
  }
});

// The silver SQL as text (slots filled from the field table, nothing left over) and the
// write path it uses: DuckDB COPY into a Delta table with statistics, then commit/replace.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  DeltaTable,
  DuckDbEngine,
  commitStaged,
  copyQueryToTable,
  decodeStats,
  readTable,
} from '../../src/lake/index.js';
import {
  fillSlots,
  modelSql,
  parseSql,
  reconcile,
  SILVER_MODELS,
} from '../../src/pipeline/silver/index.js';
import { SIGNALS } from '../../src/telemetry/index.js';
import { tempLake } from './silver-support.js';

describe('silver SQL text', () => {
  test('parse.sql has every slot filled and reads every signal', () => {
    const sql = parseSql();
    assert.doesNotMatch(sql, /\{\{\w+\}\}/);
    for (const signal of SIGNALS)
      assert.ok(sql.includes(`'$.signals.${signal.name}'`), signal.name);
    for (const model of SILVER_MODELS) {
      if (model !== 'parse') assert.doesNotMatch(modelSql(model), /\{\{\w+\}\}/);
    }
  });

  test('fillSlots refuses missing and unused slots', () => {
    assert.equal(fillSlots('a {{x}} b', { x: '1' }), 'a 1 b');
    assert.throws(() => fillSlots('a {{x}}', {}), /\{\{x\}\} has no value/);
    assert.throws(() => fillSlots('a', { x: '1' }), /no slot \{\{x\}\}/);
  });
});

describe('reconciliation', () => {
  test('counts that do not add up fail the run loudly', () => {
    const counts = { rowsIn: 10, telemetry: 6, sessionEvents: 1, quarantined: 2, duplicates: 1 };
    reconcile(counts, 'v1..v2');
    assert.throws(() => reconcile({ ...counts, duplicates: 0 }, 'v1..v2'), {
      code: 'PITWALL_ERR_PIPELINE',
      message:
        /reconciliation failed for bronze v1\.\.v2: 10 rows in, .* = 9; nothing was committed/,
    });
  });
});

describe('copyQueryToTable and commitStaged', () => {
  test('partitioned files with Delta statistics, appended and then replaced', async (t) => {
    const lake = await tempLake(t);
    const table = await DeltaTable.create(
      path.join(lake, 'x'),
      {
        fields: [
          { name: 'day', type: 'date', nullable: false },
          { name: 'id', type: 'long', nullable: false },
          { name: 'name', type: 'string' },
          { name: 'v', type: 'double' },
          { name: 'at', type: 'timestamp' },
        ],
      },
      { partitionColumns: ['day'] },
    );
    const engine = new DuckDbEngine({ threads: 1 });
    t.after(() => {
      table.close();
      engine.close();
    });
    const query = `SELECT DATE '2026-01-01' + CAST(i % 2 AS INTEGER) AS day, i AS id,
      CASE WHEN i = 3 THEN NULL ELSE 'n' || i END AS name,
      CASE WHEN i = 4 THEN 'NaN'::DOUBLE ELSE i / 2 END AS v,
      make_timestamptz(1767225600000000 + i * 1000) AS at FROM range(6) t(i)`;
    const base = await table.snapshot();
    const staged = await engine.withConnection((c) => copyQueryToTable(c, base, query));
    assert.equal(staged.numRecords, 6);
    assert.equal(staged.adds.length, 2);
    const result = await commitStaged(table, base, staged, {
      txns: [{ appId: 'test', version: 3 }],
    });
    assert.equal(result.version, 1);
    const snapshot = await table.snapshot();
    assert.equal(snapshot.txnVersion('test'), 3);
    const even = snapshot.files.find((f) => f.partitionValues.day === '2026-01-01')!;
    assert.match(even.path, /^day=2026-01-01\/part-.*\.zstd\.parquet$/);
    const stats = decodeStats(even.stats)!;
    assert.equal(stats.numRecords, 3);
    assert.deepEqual(stats.minValues, { id: 0, name: 'n0', v: 0, at: '2026-01-01T00:00:00.000Z' });
    // v has a NaN (i = 4): no maximum.
    assert.deepEqual(stats.maxValues, { id: 4, name: 'n4', at: '2026-01-01T00:00:00.004Z' });
    assert.deepEqual(stats.nullCount, { id: 0, name: 0, v: 0, at: 0 });
    const odd = decodeStats(snapshot.files.find((f) => f !== even)!.stats)!;
    assert.equal(odd.nullCount.name, 1);

    const rows = await readTable(snapshot, { orderBy: 'id' });
    assert.deepEqual(
      rows.map((r) => [r.day, r.id, r.name]),
      [
        ['2026-01-01', 0n, 'n0'],
        ['2026-01-02', 1n, 'n1'],
        ['2026-01-01', 2n, 'n2'],
        ['2026-01-02', 3n, null],
        ['2026-01-01', 4n, 'n4'],
        ['2026-01-02', 5n, 'n5'],
      ],
    );

    // Replace: the old files go in the same commit; a txn already held is left out.
    const again = await engine.withConnection((c) =>
      copyQueryToTable(c, snapshot, `SELECT * FROM (${query}) WHERE id < 2`),
    );
    await commitStaged(table, snapshot, again, {
      txns: [{ appId: 'test', version: 3 }],
      replace: true,
    });
    const replaced = await table.snapshot();
    assert.equal(replaced.files.length, 2);
    assert.equal((await readTable(replaced)).length, 2);
    assert.equal(replaced.txnVersion('test'), 3);
  });

  test('an empty result adds no file', async (t) => {
    const lake = await tempLake(t);
    const table = await DeltaTable.create(path.join(lake, 'y'), {
      fields: [{ name: 'id', type: 'long' }],
    });
    const engine = new DuckDbEngine({ threads: 1 });
    t.after(() => {
      table.close();
      engine.close();
    });
    const base = await table.snapshot();
    const staged = await engine.withConnection((c) =>
      copyQueryToTable(c, base, 'SELECT 1::BIGINT AS id WHERE false'),
    );
    assert.deepEqual(staged, { adds: [], numRecords: 0 });
  });
});

// DeltaTable end to end on a local folder, read back through a real DuckDB: create, append
// (rows and columnar batches), statistics, partitioning, remove, time travel, idempotent
// application transactions and input checking.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ERROR_CODES,
  LakeDataError,
  LakeError,
  TableExistsError,
  TableNotFoundError,
} from '../../src/errors.js';
import {
  DeltaTable,
  commitKey,
  decodeStats,
  readTable,
  type TableSchema,
} from '../../src/lake/index.js';
import { ALL_TYPES_SCHEMA, dataFilesOnDisk, expectedRead, sampleRows, tempDir } from './helpers.js';

async function logLines(root: string, version: number): Promise<Record<string, unknown>[]> {
  const text = await readFile(path.join(root, ...commitKey(version).split('/')), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('creating and opening', () => {
  test('version 0 holds protocol 1/2, metaData with the Delta schema, and commitInfo', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA, {
      partitionColumns: ['event_date'],
      configuration: { 'delta.checkpointInterval': '5', 'pitwall.layer': 'bronze' },
      name: 'bronze',
    });
    t.after(() => table.close());
    const [commitInfo, protocol, metaData] = await logLines(dir, 0);
    assert.deepEqual(protocol, { protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    const info = (commitInfo as { commitInfo: Record<string, unknown> }).commitInfo;
    assert.equal(info.operation, 'CREATE TABLE');
    assert.match(String(info.engineInfo), /^pitwall\/\d+\.\d+\.\d+/);
    const meta = (metaData as { metaData: Record<string, unknown> }).metaData;
    assert.match(
      String(meta.id),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.deepEqual(meta.format, { provider: 'parquet', options: {} });
    assert.deepEqual(meta.partitionColumns, ['event_date']);
    assert.deepEqual(meta.configuration, {
      'delta.checkpointInterval': '5',
      'pitwall.layer': 'bronze',
    });
    assert.equal(typeof meta.createdTime, 'number');
    const schema = JSON.parse(String(meta.schemaString)) as {
      fields: { name: string; type: string }[];
    };
    assert.deepEqual(
      schema.fields.map((f) => `${f.name}:${f.type}`),
      [
        'event_id:long',
        'vehicle_id:string',
        'speed_kmh:double',
        'gear:integer',
        'braking:boolean',
        'ts:timestamp',
        'event_date:date',
        'payload:binary',
      ],
    );

    const snapshot = await table.snapshot();
    assert.equal(snapshot.version, 0);
    assert.deepEqual(snapshot.files, []);
    assert.deepEqual(await readTable(snapshot), []);
  });

  test('create refuses an existing table; open refuses a missing one; openOrCreate does both', async (t) => {
    const dir = await tempDir(t);
    await assert.rejects(
      DeltaTable.open(dir),
      (e: unknown) => e instanceof TableNotFoundError && e.code === ERROR_CODES.lakeTableNotFound,
    );
    const first = await DeltaTable.openOrCreate(dir, ALL_TYPES_SCHEMA, {
      partitionColumns: ['event_date'],
    });
    first.close();
    await assert.rejects(DeltaTable.create(dir, ALL_TYPES_SCHEMA), TableExistsError);
    const again = await DeltaTable.openOrCreate(dir, ALL_TYPES_SCHEMA, {
      partitionColumns: ['event_date'],
    });
    assert.equal(await again.latestVersion(), 0);
    again.close();
    await assert.rejects(
      DeltaTable.openOrCreate(dir, ALL_TYPES_SCHEMA),
      /different columns or partition columns/,
    );
  });

  test('concurrent creators: one creates, the others open', async (t) => {
    const dir = await tempDir(t);
    const tables = await Promise.all(
      Array.from({ length: 4 }, () => DeltaTable.openOrCreate(dir, ALL_TYPES_SCHEMA)),
    );
    for (const table of tables) {
      assert.equal(await table.latestVersion(), 0);
      table.close();
    }
  });

  test('bad partition columns and options are refused before anything is written', async (t) => {
    const dir = await tempDir(t);
    const bad: [TableSchema, object, RegExp][] = [
      [ALL_TYPES_SCHEMA, { partitionColumns: ['nope'] }, /partitionColumns\[0\]: 'nope'/],
      [ALL_TYPES_SCHEMA, { partitionColumns: ['payload'] }, /binary/],
      [{ fields: [{ name: 'a', type: 'long' }] }, { partitionColumns: ['a'] }, /data column/],
      [ALL_TYPES_SCHEMA, { partitionBy: ['gear'] }, /options\.partitionBy: unknown option/],
    ];
    for (const [schema, options, message] of bad) {
      await assert.rejects(DeltaTable.create(dir, schema, options), message);
    }
    assert.deepEqual(await dataFilesOnDisk(dir), []);
    await assert.rejects(DeltaTable.open(dir), TableNotFoundError);
  });
});

describe('appending', () => {
  test('rows read back through DuckDB equal what was written', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    t.after(() => table.close());
    const rows = sampleRows(500);
    const result = await table.appendRows(rows);
    assert.equal(result.status, 'committed');
    assert.ok(result.status === 'committed');
    assert.equal(result.version, 1);
    assert.equal(result.numRecords, 500);
    assert.equal(result.files.length, 1);
    assert.match(result.files[0]?.path ?? '', /^part-[0-9a-f-]{36}\.parquet$/);

    const back = await readTable(await table.snapshot(), { orderBy: 'event_id' });
    assert.deepEqual(back, expectedRead(rows));
  });

  test('a columnar batch with typed arrays writes the same rows', async (t) => {
    const dir = await tempDir(t);
    const schema: TableSchema = {
      fields: [
        { name: 'seq', type: 'long', nullable: false },
        { name: 'speed_kmh', type: 'double' },
        { name: 'gear', type: 'integer' },
        { name: 'ts', type: 'timestamp' },
        { name: 'vehicle_id', type: 'string' },
      ],
    };
    const table = await DeltaTable.create(dir, schema);
    t.after(() => table.close());
    const n = 5000;
    const seq = BigInt64Array.from({ length: n }, (_, i) => BigInt(i));
    const speed = Float64Array.from({ length: n }, (_, i) => i / 8);
    const gear = Int32Array.from({ length: n }, (_, i) => i % 6);
    const ts = BigInt64Array.from({ length: n }, (_, i) => 1_700_000_000_000_000n + BigInt(i));
    const vehicle = Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : `VH-${i % 3}`));
    const result = await table.appendRows({
      numRows: n,
      columns: { seq, speed_kmh: speed, gear, ts, vehicle_id: vehicle },
    });
    assert.equal(result.status, 'committed');
    const back = await readTable(await table.snapshot(), { orderBy: 'seq' });
    assert.equal(back.length, n);
    for (const i of [0, 1, 2047, 2048, 4999]) {
      assert.deepEqual(back[i], {
        seq: BigInt(i),
        speed_kmh: i / 8,
        gear: i % 6,
        ts: 1_700_000_000_000_000n + BigInt(i),
        vehicle_id: i % 10 === 0 ? null : `VH-${i % 3}`,
      });
    }
  });

  test('statistics hold numRecords, min, max and nullCount per column', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    t.after(() => table.close());
    const rows = sampleRows(30, 100);
    const result = await table.appendRows(rows);
    assert.ok(result.status === 'committed');
    const stats = decodeStats(result.files[0]?.stats);
    assert.ok(stats !== undefined);
    const nulls = rows.filter((r) => r.vehicle_id === null).length;
    assert.ok(nulls > 0);
    assert.equal(stats.numRecords, 30);
    assert.deepEqual(stats.nullCount, {
      event_id: 0,
      vehicle_id: nulls,
      speed_kmh: nulls,
      gear: nulls,
      braking: nulls,
      ts: 0,
      event_date: 0,
      payload: nulls,
    });
    const speeds = rows.map((r) => r.speed_kmh).filter((v): v is number => typeof v === 'number');
    assert.deepEqual(stats.minValues, {
      event_id: 100,
      vehicle_id: 'VH-0000',
      speed_kmh: Math.min(...speeds),
      gear: 1,
      ts: '2025-01-01T00:00:10.012Z', // 100 × 100.123 ms after midnight, to the millisecond
      event_date: '2025-01-01',
    });
    assert.deepEqual(stats.maxValues, {
      event_id: 129,
      vehicle_id: 'VH-0004',
      speed_kmh: Math.max(...speeds),
      gear: 6,
      ts: '2025-01-01T00:00:12.915Z',
      event_date: '2025-01-02',
    });
  });

  test('delta.dataSkippingNumIndexedCols limits the columns with statistics', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA, {
      configuration: { 'delta.dataSkippingNumIndexedCols': '2' },
    });
    t.after(() => table.close());
    const result = await table.appendRows(sampleRows(5));
    assert.ok(result.status === 'committed');
    const stats = decodeStats(result.files[0]?.stats);
    assert.deepEqual(Object.keys(stats?.nullCount ?? {}), ['event_id', 'vehicle_id']);
  });

  test('partitioned tables write one file per partition under Hive-style folders', async (t) => {
    const dir = await tempDir(t);
    const schema: TableSchema = {
      fields: [
        { name: 'id', type: 'long' },
        { name: 'region', type: 'string' },
        { name: 'day', type: 'date' },
        { name: 'hot', type: 'boolean' },
      ],
    };
    const table = await DeltaTable.create(dir, schema, { partitionColumns: ['day', 'region'] });
    t.after(() => table.close());
    const rows = [
      { id: 1, region: 'eu/west:1', day: '2025-03-01', hot: true },
      { id: 2, region: 'eu/west:1', day: '2025-03-01', hot: false },
      { id: 3, region: null, day: '2025-03-02', hot: true },
      { id: 4, region: 'ünïcode é', day: '2025-03-02', hot: null },
    ];
    const result = await table.appendRows(rows);
    assert.ok(result.status === 'committed');
    assert.equal(result.files.length, 3);
    const byValues = Object.fromEntries(
      result.files.map((f) => [JSON.stringify(f.partitionValues), f]),
    );
    assert.deepEqual(Object.keys(byValues).sort(), [
      '{"day":"2025-03-01","region":"eu/west:1"}',
      '{"day":"2025-03-02","region":"ünïcode é"}',
      '{"day":"2025-03-02","region":null}',
    ]);
    assert.match(
      byValues['{"day":"2025-03-01","region":"eu/west:1"}']?.path ?? '',
      /^day=2025-03-01\/region=eu%252Fwest%253A1\/part-[0-9a-f-]{36}\.parquet$/,
    );
    const onDisk = await dataFilesOnDisk(dir);
    assert.equal(onDisk.length, 3);
    assert.ok(onDisk.some((f) => f.startsWith('day=2025-03-01/region=eu%2Fwest%3A1/')));
    assert.ok(
      onDisk.some((f) => f.startsWith('day=2025-03-02/region=__HIVE_DEFAULT_PARTITION__/')),
    );
    assert.ok(onDisk.some((f) => f.startsWith('day=2025-03-02/region=ünïcode é/')));

    // Partition columns are not inside the data files, only in folder names and the log.
    const stats = decodeStats(result.files[0]?.stats);
    assert.deepEqual(Object.keys(stats?.nullCount ?? {}), ['id', 'hot']);

    const back = await readTable(await table.snapshot(), { orderBy: 'id' });
    assert.deepEqual(
      back,
      rows.map((r) => ({ ...r, id: BigInt(r.id) })),
    );
    const filtered = await readTable(await table.snapshot(), {
      where: "day = DATE '2025-03-02'",
      orderBy: 'id',
    });
    assert.deepEqual(
      filtered.map((r) => r.id),
      [3n, 4n],
    );
  });

  test('timestamp partitions keep microseconds and read back typed', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(
      dir,
      {
        fields: [
          { name: 'hour', type: 'timestamp' },
          { name: 'v', type: 'integer' },
        ],
      },
      { partitionColumns: ['hour'] },
    );
    t.after(() => table.close());
    const result = await table.appendRows([{ hour: 1_700_000_000_123_456n, v: 1 }]);
    assert.ok(result.status === 'committed');
    assert.deepEqual(result.files[0]?.partitionValues, { hour: '2023-11-14T22:13:20.123456Z' });
    assert.deepEqual(await readTable(await table.snapshot()), [
      { hour: 1_700_000_000_123_456n, v: 1 },
    ]);
  });

  test('double partitions keep -0 apart from 0, and NaN and infinities', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(
      dir,
      {
        fields: [
          { name: 'x', type: 'double' },
          { name: 'v', type: 'integer' },
        ],
      },
      { partitionColumns: ['x'] },
    );
    t.after(() => table.close());
    const xs = [0, -0, -0, 0, NaN, NaN, Infinity, -Infinity];
    const result = await table.appendRows(xs.map((x, v) => ({ x, v })));
    assert.ok(result.status === 'committed');
    assert.deepEqual(result.files.map((f) => f.partitionValues.x).sort(), [
      '-0.0',
      '-Infinity',
      '0',
      'Infinity',
      'NaN',
    ]);
    const rows = await readTable(await table.snapshot(), { orderBy: 'v' });
    assert.deepEqual(
      rows.map((row) => row.x),
      xs,
    );
  });

  test('bad rows are refused with the row and column named, and leave no files', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    t.after(() => table.close());
    const good = sampleRows(3);
    const cases: [unknown, RegExp][] = [
      [
        [...good, { ...good[0], event_id: null }],
        /rows\[3\]\.event_id: column 'event_id' is not nullable/,
      ],
      [[{ ...good[0], extra: 1 }], /rows\[0\]\.extra: no such column/],
      [[{ ...good[0], gear: 'third' }], /rows\[0\]\.gear: a integer column needs/],
      [
        { numRows: 2, columns: { event_id: new Float64Array(2) } },
        /Float64Array cannot hold a long/,
      ],
      [{ numRows: 2, columns: { event_id: [1n] } }, /has 1 values, expected 2/],
      [{ numRows: 1, columns: { speed_kmh: [1] } }, /event_id' is not nullable/],
    ];
    for (const [data, message] of cases) {
      await assert.rejects(
        table.appendRows(data as never),
        (e: unknown) =>
          e instanceof LakeDataError && e.code === ERROR_CODES.lakeData && message.test(e.message),
        String(message),
      );
    }
    await assert.rejects(
      table.appendRows(good, { txn: { appId: '', version: 1 } }),
      /options\.txn\.appId/,
    );
    await assert.rejects(
      table.appendRows(good, { mode: 'overwrite' } as never),
      /options\.mode: unknown option/,
    );
    assert.equal(await table.latestVersion(), 0);
    assert.deepEqual(await dataFilesOnDisk(dir), []);
  });

  test('an empty batch commits nothing unless it carries a transaction', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    t.after(() => table.close());
    assert.deepEqual(await table.appendRows([]), { status: 'empty', version: 0 });
    const result = await table.appendRows([], { txn: { appId: 'stream', version: 0 } });
    assert.equal(result.status, 'committed');
    assert.equal(await table.txnVersion('stream'), 0);
  });
});

describe('removing and time travel', () => {
  test('removed files leave the snapshot; older versions still see them', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    t.after(() => table.close());
    const first = await table.appendRows(sampleRows(10, 0));
    const second = await table.appendRows(sampleRows(10, 10));
    assert.ok(first.status === 'committed' && second.status === 'committed');
    const removedPath = first.files[0]?.path ?? '';
    const removal = await table.removeFiles([removedPath]);
    assert.equal(removal.version, 3);

    const latest = await table.snapshot();
    assert.deepEqual(
      latest.files.map((f) => f.path),
      second.files.map((f) => f.path),
    );
    assert.deepEqual(
      latest.tombstones.map((r) => r.path),
      [removedPath],
    );
    assert.equal(latest.numRecords, 10);
    const ids = (await readTable(latest, { orderBy: 'event_id' })).map((r) => r.event_id);
    assert.deepEqual(
      ids,
      Array.from({ length: 10 }, (_, i) => BigInt(10 + i)),
    );

    // Time travel: each version is what it was when committed.
    assert.equal((await readTable(await table.snapshot(0))).length, 0);
    assert.equal((await readTable(await table.snapshot(1))).length, 10);
    assert.equal((await readTable(await table.snapshot(2))).length, 20);
    assert.equal((await table.snapshot(2)).tombstones.length, 0);
    // The data file itself stays for readers of old versions until a vacuum.
    assert.equal((await dataFilesOnDisk(dir)).length, 2);

    const line = (await logLines(dir, 3)).find((l) => 'remove' in l) as {
      remove: Record<string, unknown>;
    };
    assert.equal(line.remove.path, removedPath);
    assert.equal(line.remove.dataChange, true);
    assert.equal(typeof line.remove.deletionTimestamp, 'number');

    await assert.rejects(table.removeFiles([removedPath]), /is not an active file/);
    await assert.rejects(table.snapshot(9), /has no version 9 \(latest is 3\)/);
    await assert.rejects(table.snapshot(-1), LakeError);
  });

  test('a fresh reader sees the same history as the writer', async (t) => {
    const dir = await tempDir(t);
    const writer = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    t.after(() => writer.close());
    await writer.appendRows(sampleRows(4));
    await writer.appendRows(sampleRows(4, 4));
    const reader = await DeltaTable.open(`file://${dir}`);
    t.after(() => reader.close());
    assert.equal((await reader.snapshot(1)).files.length, 1);
    assert.equal((await reader.snapshot()).files.length, 2);
  });

  test('append-only tables refuse removals', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA, {
      configuration: { 'delta.appendOnly': 'true' },
    });
    t.after(() => table.close());
    const result = await table.appendRows(sampleRows(2));
    assert.ok(result.status === 'committed');
    await assert.rejects(table.removeFiles([result.files[0]?.path ?? '']), /append-only/);
  });
});

describe('table properties and reading', () => {
  test('setProperties merges properties; a new checkpoint interval applies from then on', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA, {
      configuration: { 'pitwall.layer': 'bronze' },
    });
    t.after(() => table.close());
    const result = await table.setProperties({ 'delta.checkpointInterval': '2' });
    assert.equal(result.checkpoint?.version, undefined);
    assert.deepEqual((await table.snapshot()).configuration, {
      'pitwall.layer': 'bronze',
      'delta.checkpointInterval': '2',
    });
    const append = await table.appendRows(sampleRows(1));
    assert.ok(append.status === 'committed' && append.version === 2);
    assert.equal((await table.readLastCheckpoint())?.version, 2);
    await assert.rejects(
      table.setProperties({ 'delta.columnMapping.mode': 'name' }),
      /does not implement/,
    );
  });

  test('SQL errors from DuckDB come back as LakeError', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    t.after(() => table.close());
    await table.appendRows(sampleRows(2));
    await assert.rejects(
      readTable(await table.snapshot(), { where: 'no_such_column > 1' }),
      (e: unknown) =>
        e instanceof LakeError && e.code === ERROR_CODES.lake && /DuckDB failed/.test(e.message),
    );
  });
});

describe('application transactions (idempotent streaming writes)', () => {
  test('a batch already committed for an appId is skipped, not doubled', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    t.after(() => table.close());
    assert.equal(await table.txnVersion('bronze-p0'), undefined);
    const first = await table.appendRows(sampleRows(5), {
      txn: { appId: 'bronze-p0', version: 7 },
    });
    assert.equal(first.status, 'committed');
    assert.equal(await table.txnVersion('bronze-p0'), 7);

    // Replaying the same batch (a restart after a crash) and an older one: no-ops.
    assert.deepEqual(
      await table.appendRows(sampleRows(5), { txn: { appId: 'bronze-p0', version: 7 } }),
      {
        status: 'skipped',
        version: 1,
        txnVersion: 7,
      },
    );
    assert.equal(
      (await table.appendRows(sampleRows(5), { txn: { appId: 'bronze-p0', version: 3 } })).status,
      'skipped',
    );
    // Another appId is independent; a newer batch goes through.
    assert.equal(
      (await table.appendRows(sampleRows(5), { txn: { appId: 'bronze-p1', version: 7 } })).status,
      'committed',
    );
    assert.equal(
      (await table.appendRows(sampleRows(5, 5), { txn: { appId: 'bronze-p0', version: 8 } }))
        .status,
      'committed',
    );

    const snapshot = await table.snapshot();
    assert.deepEqual(Object.fromEntries([...snapshot.txns].map(([id, txn]) => [id, txn.version])), {
      'bronze-p0': 8,
      'bronze-p1': 7,
    });
    assert.equal((await readTable(snapshot)).length, 15);
    assert.equal((await dataFilesOnDisk(dir)).length, 3);

    const txnLine = (await logLines(dir, 1)).find((l) => 'txn' in l) as {
      txn: Record<string, unknown>;
    };
    assert.equal(txnLine.txn.appId, 'bronze-p0');
    assert.equal(txnLine.txn.version, 7);
    assert.equal(typeof txnLine.txn.lastUpdated, 'number');
    // Old snapshots keep the transaction versions of their time.
    assert.equal((await table.snapshot(1)).txnVersion('bronze-p0'), 7);
    assert.equal((await table.snapshot(0)).txnVersion('bronze-p0'), undefined);
  });

  test('commit() refuses txn and commitInfo actions and repeated appIds', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    t.after(() => table.close());
    await assert.rejects(
      table.commit([{ txn: { appId: 'a', version: 1 } }], { operation: 'WRITE' }),
      /options\.txns/,
    );
    await assert.rejects(
      table.commit([], {
        operation: 'WRITE',
        txns: [
          { appId: 'a', version: 1 },
          { appId: 'a', version: 2 },
        ],
      }),
      /appears twice/,
    );
    await assert.rejects(
      table.commit(
        [
          {
            add: {
              path: 'x.parquet',
              partitionValues: { nope: '1' },
              size: 1,
              modificationTime: 1,
              dataChange: true,
            },
          },
        ],
        { operation: 'WRITE' },
      ),
      /partitionValues must have exactly the partition columns/,
    );
  });
});

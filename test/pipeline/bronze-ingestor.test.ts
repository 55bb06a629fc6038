// The bronze ingestor in-process on an embedded log: raw bytes, schema, partitioning,
// exactly-once across crashes and across two members of one group, available-now, metrics.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBBlobValue } from '@duckdb/node-api';
import { ConcurrentTransactionError } from '../../src/errors.js';
import {
  BRONZE_SCHEMA,
  BronzeIngestor,
  bronzeAppId,
  classifyValue,
  openBronzeTable,
  type BronzeIngestorOptions,
} from '../../src/pipeline/bronze/index.js';
import { serveMetrics } from '../../src/pipeline/metrics-export.js';
import type { DeltaTable } from '../../src/lake/index.js';
import {
  bronzeCounts,
  produce,
  produceJson,
  queryBronze,
  workspace,
  type Workspace,
} from './helpers.js';

function ingestor(
  ws: Workspace,
  table: DeltaTable,
  options: Partial<BronzeIngestorOptions> = {},
): BronzeIngestor {
  return new BronzeIngestor({
    transport: ws.log,
    table,
    topics: ['telemetry'],
    groupId: 'bronze-test',
    maxBatchRecords: 1000,
    maxBatchMs: 100,
    availableNow: true,
    ...options,
  });
}

function bytesOf(value: unknown): Buffer {
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes);
  if (value instanceof Uint8Array) return Buffer.from(value);
  throw new Error(`not bytes: ${String(value)}`);
}

describe('classifyValue', () => {
  test('sorts values by shape without parsing them', () => {
    const c = (text: string | Uint8Array) =>
      classifyValue(typeof text === 'string' ? Buffer.from(text) : text);
    assert.equal(c('{"schema_version":1,"event_type":"telemetry"}'), 'schema_v1');
    assert.equal(c(' {"event_type":"x", "schema_version":1}\n'), 'schema_v1');
    assert.equal(c('{"schema_version":12}'), 'other_json');
    assert.equal(c('{"schema_version":2,"x":1}'), 'other_json');
    assert.equal(c('[1,2,3]'), 'other_json');
    assert.equal(c('{"a":1'), 'not_json');
    assert.equal(c('hello'), 'not_json');
    assert.equal(c(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 'not_json');
    assert.equal(c(new Uint8Array(0)), 'empty');
  });
});

describe('BronzeIngestor', () => {
  test('stores key, value and headers bytes exactly, with the bronze schema, partitioned by ingest date', async (t) => {
    const ws = await workspace(t, 2);
    const big = randomBytes(1024 * 1024);
    const binary = Buffer.from([0, 255, 1, 254, 0x7b, 0xc3, 0x28, 0x7d]);
    const messages = [
      { value: '{"schema_version":1,"event_type":"telemetry"}', key: 'VH-1', partition: 0 },
      { value: binary, key: null, partition: 0 },
      { value: Buffer.alloc(0), key: 'VH-2', partition: 1 },
      { value: big, key: binary, partition: 1, headers: { 'content-type': 'x', raw: binary } },
      { value: 'not json at all', partition: 0, timestamp: Date.UTC(2020, 1, 2, 3, 4, 5, 6) },
      { value: '{"schema_version":2,"event_type":"telemetry"}', partition: 1 },
    ];
    await produce(ws.log, messages);
    const table = await openBronzeTable(ws.lake);
    t.after(() => table.close());
    const before = Date.now();
    const summary = await ingestor(ws, table).run();
    assert.equal(summary.reason, 'available-now');
    assert.equal(summary.records, messages.length);

    const snapshot = await table.snapshot();
    assert.deepEqual(
      snapshot.schema.fields.map((f) => [f.name, f.type]),
      BRONZE_SCHEMA.fields.map((f) => [f.name, f.type]),
    );
    assert.deepEqual(snapshot.partitionColumns, ['ingest_date']);
    const today = new Date(before).toISOString().slice(0, 10);
    for (const add of snapshot.files) {
      assert.deepEqual(add.partitionValues, { ingest_date: today });
      assert.ok(add.path.startsWith(`ingest_date=${today}/`), add.path);
    }
    assert.ok(
      (await readdir(path.join(ws.lake, 'bronze/telemetry'))).includes(`ingest_date=${today}`),
    );

    const rows = await queryBronze(
      table,
      'SELECT "partition", "offset", key, value, headers, value_class, value_size, epoch_ms(log_timestamp), epoch_ms(ingest_time), ingest_date::VARCHAR, topic FROM bronze ORDER BY "partition", "offset"',
    );
    const byPlace = new Map(rows.map((r) => [`${String(r[0])}:${String(r[1])}`, r]));
    const expectPlaces = ['0:0', '0:1', '0:2', '1:0', '1:1', '1:2'];
    assert.deepEqual([...byPlace.keys()].sort(), expectPlaces);
    const row = (p: number, o: number) => byPlace.get(`${p}:${o}`)!;
    assert.deepEqual(bytesOf(row(0, 1)[3]), binary);
    assert.equal(row(0, 1)[2], null);
    assert.equal(row(0, 1)[5], 'not_json');
    assert.deepEqual(bytesOf(row(1, 0)[3]), Buffer.alloc(0));
    assert.equal(row(1, 0)[5], 'empty');
    assert.ok(bytesOf(row(1, 1)[3]).equals(big), '1 MiB value intact');
    assert.equal(row(1, 1)[6], big.length);
    assert.deepEqual(bytesOf(row(1, 1)[2]), binary);
    const headers = JSON.parse(String(row(1, 1)[4])) as Record<string, string>;
    assert.deepEqual(Buffer.from(headers.raw!, 'base64'), binary);
    assert.equal(Buffer.from(headers['content-type']!, 'base64').toString(), 'x');
    assert.equal(row(0, 0)[5], 'schema_v1');
    assert.equal(row(1, 2)[5], 'other_json');
    assert.equal(Number(row(0, 2)[7]), Date.UTC(2020, 1, 2, 3, 4, 5, 6));
    assert.ok(Number(row(0, 0)[8]) >= before);
    assert.equal(row(0, 0)[9], today);
    assert.equal(row(0, 0)[10], 'telemetry');

    // Offsets are recorded as txn versions per partition; the hostile ones are counted.
    assert.equal(snapshot.txnVersion(bronzeAppId('telemetry', 0)), 2);
    assert.equal(snapshot.txnVersion(bronzeAppId('telemetry', 1)), 2);
  });

  test('a gzip bronze table reads back exactly as an uncompressed one', async (t) => {
    const ws = await workspace(t, 3);
    // Several ~1 MiB pages per file, nulls, an empty value and one bigger than a page buffer.
    const messages = Array.from({ length: 6000 }, (_, i) => ({
      value: JSON.stringify({
        schema_version: 1,
        event_type: 'telemetry',
        seq: i,
        signals: Array.from({ length: 60 }, (_, k) => (i * k) % 977),
      }),
      key: i % 5 === 0 ? null : `VH-${i % 100}`,
      partition: i % 3,
      ...(i % 7 === 0 ? { headers: { trace: `t-${i}` } } : {}),
    }));
    await produce(ws.log, [
      ...messages,
      { value: randomBytes(3 * 1024 * 1024), key: null, partition: 0 },
      { value: Buffer.alloc(0), key: 'VH-x', partition: 1 },
    ]);
    const ingestInto = async (codec: 'gzip' | 'uncompressed'): Promise<unknown[][]> => {
      const table = await openBronzeTable(path.join(ws.dir, `lake-${codec}`));
      t.after(() => table.close());
      await table.setProperties({ 'pitwall.parquet.compression': codec });
      await ingestor(ws, table, { groupId: `bronze-${codec}`, maxBatchRecords: 2500 }).run();
      const snapshot = await table.snapshot();
      assert.ok(snapshot.files.length >= 3);
      for (const add of snapshot.files) {
        assert.equal(add.path.endsWith('.gz.parquet'), codec === 'gzip', add.path);
      }
      const rows = await queryBronze(
        table,
        'SELECT "partition", "offset", key, value, headers, value_class, value_size, epoch_ms(log_timestamp), topic FROM bronze ORDER BY "partition", "offset"',
      );
      return rows.map((row) =>
        row.map((v) => (v instanceof DuckDBBlobValue ? Buffer.from(v.bytes) : v)),
      );
    };
    const plain = await ingestInto('uncompressed');
    const gzip = await ingestInto('gzip');
    assert.equal(plain.length, messages.length + 2);
    assert.deepEqual(gzip, plain);
    // The bronze default is gzip.
    const fresh = await openBronzeTable(path.join(ws.dir, 'lake-default'));
    t.after(() => fresh.close());
    const config = (await fresh.snapshot()).metadata.configuration;
    assert.equal(config['pitwall.parquet.compression'], 'gzip');
  });

  test('counts hostile values and serves Prometheus text', async (t) => {
    const ws = await workspace(t, 1);
    await produce(ws.log, [
      { value: '{"schema_version":1}' },
      { value: Buffer.from([1, 2, 3]) },
      { value: '' },
      { value: '{"schema_version":3}' },
      { value: 'plain' },
    ]);
    const table = await openBronzeTable(ws.lake);
    t.after(() => table.close());
    const run = ingestor(ws, table);
    await run.run();
    const server = await serveMetrics(() => run.metrics.text(), { port: 0 });
    t.after(() => server.close());
    assert.equal(server.host, '127.0.0.1');
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /^pitwall_bronze_records_total 5$/m);
    assert.match(text, /^pitwall_bronze_values_total\{class="not_json"\} 2$/m);
    assert.match(text, /^pitwall_bronze_values_total\{class="empty"\} 1$/m);
    assert.match(text, /^pitwall_bronze_values_total\{class="other_json"\} 1$/m);
    assert.match(text, /^pitwall_bronze_values_total\{class="schema_v1"\} 1$/m);
    assert.match(text, /^pitwall_bronze_commits_total 1$/m);
    assert.match(text, /^# TYPE pitwall_bronze_batch_latency_seconds histogram$/m);
    assert.match(text, /^pitwall_bronze_lag_records_sum 0$/m);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/nope`)).status, 404);
  });

  test('a crash between the Delta commit and the offset commit neither loses nor doubles', async (t) => {
    const ws = await workspace(t, 3);
    await produceJson(ws.log, 0, 3000, 3);
    const table = await openBronzeTable(ws.lake);
    t.after(() => table.close());
    let commits = 0;
    const crashing = ingestor(ws, table, {
      maxBatchRecords: 700,
      afterDeltaCommit: () => {
        if (++commits === 2) throw new Error('crash after the Delta commit');
      },
    });
    await assert.rejects(crashing.run(), /crash after the Delta commit/);
    // The group's offsets lag behind the table: the next run must start from the txn versions.
    const admin = ws.log.createAdmin();
    const group = await admin.describeGroup('bronze-test');
    await admin.close();
    const committedInLog = group.offsets.reduce((sum, o) => sum + o.offset, 0);
    assert.equal((await bronzeCounts(table)).rows, 1400);
    assert.ok(committedInLog < 1400, `group offsets ${committedInLog} trail the table`);

    await produceJson(ws.log, 3000, 600, 3);
    const summary = await ingestor(ws, table).run();
    assert.equal(summary.skippedRecords, 0, 'seeks past what the table holds');
    assert.deepEqual(await bronzeCounts(table), { rows: 3600, distinct: 3600 });
  });

  test('a crash before the Delta commit loses nothing; replays the table holds are skipped', async (t) => {
    const ws = await workspace(t, 2);
    await produceJson(ws.log, 0, 2000, 2);
    const table = await openBronzeTable(ws.lake);
    t.after(() => table.close());
    await ingestor(ws, table, { maxBatchRecords: 500 }).run();
    assert.equal((await bronzeCounts(table)).rows, 2000);
    // An old member's replay: reset the group offsets to 0 and write the table's partitions
    // from a stale position. The txn versions make every row a skip.
    const consumer = ws.log.createConsumer({ groupId: 'bronze-test' });
    await consumer.subscribe(['telemetry']);
    await consumer.poll({ timeoutMs: 200 });
    await consumer.commit([
      { topic: 'telemetry', partition: 0, offset: 0 },
      { topic: 'telemetry', partition: 1, offset: 0 },
    ]);
    await consumer.close();
    await produceJson(ws.log, 2000, 100, 2);
    const summary = await ingestor(ws, table).run();
    assert.equal(summary.records, 100);
    assert.deepEqual(await bronzeCounts(table), { rows: 2100, distinct: 2100 });
  });

  test('a commit whose txn versions the table already holds is refused per partition, atomically', async (t) => {
    const ws = await workspace(t, 1);
    const table = await openBronzeTable(ws.lake);
    t.after(() => table.close());
    const row = (offset: number) => ({
      ingest_date: '2026-01-01',
      topic: 'telemetry',
      partition: 0,
      offset,
      value: new Uint8Array([1]),
      log_timestamp: 0n,
      ingest_time: 0n,
      value_class: 'not_json',
      value_size: 1,
    });
    const a = bronzeAppId('telemetry', 0);
    const b = bronzeAppId('telemetry', 1);
    await table.appendRows([row(0), row(1)], { txns: [{ appId: a, version: 1 }] });
    // One stale partition refuses the whole commit, before anything is written.
    await assert.rejects(
      table.appendRows([row(2)], {
        txns: [
          { appId: a, version: 1 },
          { appId: b, version: 5 },
        ],
      }),
      (error: unknown) => error instanceof ConcurrentTransactionError && error.appId === a,
    );
    assert.equal((await table.snapshot()).txnVersion(b), undefined);
    // All stale: skipped.
    const skipped = await table.appendRows([row(1)], { txns: [{ appId: a, version: 0 }] });
    assert.equal(skipped.status, 'skipped');
    // commit() applies the same rule.
    await assert.rejects(
      table.commit([], { operation: 'WRITE', txns: [{ appId: a, version: 1 }] }),
      ConcurrentTransactionError,
    );
    assert.deepEqual(await bronzeCounts(table), { rows: 2, distinct: 2 });
  });

  test('two members of one group write one table concurrently, every offset exactly once', async (t) => {
    const ws = await workspace(t, 6);
    const table1 = await openBronzeTable(ws.lake);
    const table2 = await openBronzeTable(ws.lake);
    t.after(() => (table1.close(), table2.close()));
    const stop = new AbortController();
    const options = { availableNow: false, maxBatchRecords: 400, maxBatchMs: 50 };
    const one = ingestor(ws, table1, options).run(stop.signal);
    const two = ingestor(ws, table2, options).run(stop.signal);
    for (let k = 0; k < 8; k++) {
      await produceJson(ws.log, k * 1000, 1000, 6);
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    // A third member joins late and leaves again: partitions move back and forth.
    const third = new AbortController();
    const three = ingestor(ws, table1, options).run(third.signal);
    await produceJson(ws.log, 8000, 2000, 6);
    await new Promise((resolve) => setTimeout(resolve, 300));
    third.abort();
    await three;
    await produceJson(ws.log, 10_000, 2000, 6);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop.abort();
    const [a, b] = await Promise.all([one, two]);
    assert.ok(a.records > 0 && b.records > 0, `both wrote (${a.records}, ${b.records})`);
    await ingestor(ws, table1).run();
    assert.deepEqual(await bronzeCounts(table1), { rows: 12_000, distinct: 12_000 });
    const perPartition = await queryBronze(
      table1,
      'SELECT "partition", min("offset"), max("offset"), count(*) FROM bronze GROUP BY 1 ORDER BY 1',
    );
    for (const [, min, max, count] of perPartition) {
      assert.equal(BigInt(min as bigint), 0n);
      assert.equal(BigInt(max as bigint) + 1n, BigInt(count as bigint));
    }
  });

  test('available-now stops at the start high watermarks and leaves later messages', async (t) => {
    const ws = await workspace(t, 2);
    await produceJson(ws.log, 0, 1500, 2);
    const table = await openBronzeTable(ws.lake);
    t.after(() => table.close());
    const summary = await ingestor(ws, table, { maxBatchRecords: 10_000, maxBatchMs: 5000 }).run();
    assert.equal(summary.reason, 'available-now');
    assert.equal(summary.records, 1500);
    // Nothing new: a second run exits at once with nothing to do.
    const again = await ingestor(ws, table).run();
    assert.deepEqual([again.reason, again.records], ['available-now', 0]);
  });
});

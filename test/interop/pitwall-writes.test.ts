// Tables Pitwall writes, read by delta-rs and Spark: every column type with its edge values,
// partitions with awkward values, appends, removals, an application transaction, a
// checkpoint with commits after it, and time travel to versions before and at it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DeltaTable, checkpointKey, type LakeRow } from '../../src/lake/index.js';
import { sampleRows, ALL_TYPES_SCHEMA, tempDir } from '../lake/helpers.js';
import {
  assertPeersFilter,
  assertPeersRead,
  canonicalRows,
  sharedPeer,
  skipUnlessInterop,
  type CanonicalRow,
} from './helpers.js';
import {
  EDGE_PARTITIONS,
  EDGE_SCHEMA,
  PARTITION_TYPES_COLUMNS,
  PARTITION_TYPES_SCHEMA,
  edgeRows,
  expectedEdgeRows,
  partitionTypeRows,
} from './tables.js';

describe('Pitwall tables read by delta-rs and Spark', { skip: skipUnlessInterop }, () => {
  const startPeer = sharedPeer();

  test('every column type with edge values, partitioned by a string and a date, three appends', async (t) => {
    const peer = await startPeer();
    const dir = await tempDir(t, 'interop-types');
    const table = await DeltaTable.create(dir, EDGE_SCHEMA, { partitionColumns: EDGE_PARTITIONS });
    t.after(() => table.close());
    const written: LakeRow[] = [];
    for (let batch = 0; batch < 3; batch++) {
      const rows = edgeRows(batch);
      await table.appendRows(rows);
      written.push(...rows);
    }
    await assertPeersRead(peer, dir, { expectedRows: expectedEdgeRows(written) });
    // Filters that engines answer after pruning files by partition values and statistics:
    // bounds at the edges (a timestamp whose max is truncated to the millisecond, a long
    // beyond 2^53, a string longer than the 32-character prefix) must not prune their rows.
    const filters: { where: string; keep: (row: CanonicalRow) => boolean }[] = [
      {
        where: "ts = TIMESTAMP '2025-01-01 00:00:00.123456'",
        keep: (row) => row.ts === '2025-01-01T00:00:00.123456Z',
      },
      {
        // DataFusion's timestamp literals are nanoseconds, which end in 2262.
        where: "ts > TIMESTAMP '2262-01-01 00:00:00'",
        keep: (row) => row.ts === '9999-12-31T23:59:59.999999Z',
      },
      { where: 'big = 9007199254740993', keep: (row) => row.big === '9007199254740993' },
      { where: 'small = -2147483648', keep: (row) => row.small === -2147483648 },
      { where: `label = '${'x'.repeat(100)}'`, keep: (row) => row.label === 'x'.repeat(100) },
      { where: "label > 'x'", keep: (row) => typeof row.label === 'string' && row.label > 'x' },
      { where: "born = DATE '0001-01-01'", keep: (row) => row.born === '0001-01-01' },
      { where: "region = 'a/b=c%d'", keep: (row) => row.region === 'a/b=c%d' },
      { where: 'region IS NULL', keep: (row) => row.region === null },
      {
        where: "event_date = DATE '1999-12-31' AND flag",
        keep: (row) => row.event_date === '1999-12-31' && row.flag === true,
      },
    ];
    for (const filter of filters) await assertPeersFilter(peer, dir, filter);
  });

  test('partitioned by every partitionable type, with nulls, extremes and escaping', async (t) => {
    const peer = await startPeer();
    const dir = await tempDir(t, 'interop-partitions');
    const table = await DeltaTable.create(dir, PARTITION_TYPES_SCHEMA, {
      partitionColumns: PARTITION_TYPES_COLUMNS,
    });
    t.after(() => table.close());
    const rows = partitionTypeRows();
    await table.appendRows(rows);
    await assertPeersRead(peer, dir, {
      expectedRows: canonicalRows(PARTITION_TYPES_SCHEMA.fields, rows),
    });
  });

  test('gzip data files: every column type with edge values', async (t) => {
    const peer = await startPeer();
    const dir = await tempDir(t, 'interop-gzip');
    const table = await DeltaTable.create(dir, EDGE_SCHEMA, {
      partitionColumns: EDGE_PARTITIONS,
      configuration: { 'pitwall.parquet.compression': 'gzip' },
    });
    t.after(() => table.close());
    const written: LakeRow[] = [];
    for (let batch = 0; batch < 2; batch++) {
      const rows = edgeRows(batch);
      const result = await table.appendRows(rows);
      assert.ok(result.status === 'committed');
      assert.ok(result.files.every((file) => file.path.endsWith('.gz.parquet')));
      written.push(...rows);
    }
    await assertPeersRead(peer, dir, { expectedRows: expectedEdgeRows(written) });
  });

  test('an empty table: schema and partitions, no rows', async (t) => {
    const peer = await startPeer();
    const dir = await tempDir(t, 'interop-empty');
    const table = await DeltaTable.create(dir, EDGE_SCHEMA, { partitionColumns: EDGE_PARTITIONS });
    table.close();
    await assertPeersRead(peer, dir, { expectedRows: [] });
  });

  test('removals, overwrite, a txn, a checkpoint, commits after it and time travel', async (t) => {
    const peer = await startPeer();
    const dir = await tempDir(t, 'interop-history');
    const schema = ALL_TYPES_SCHEMA;
    const table = await DeltaTable.create(dir, schema, { partitionColumns: ['event_date'] });
    t.after(() => table.close());
    const expectedAt = new Map<number, LakeRow[]>([[0, []]]);
    let live: { rows: LakeRow[]; files: string[] }[] = [];
    const record = (version: number): void => {
      expectedAt.set(
        version,
        live.flatMap((batch) => batch.rows),
      );
    };
    // Versions 1-6: appends as a streaming writer with a txn per batch.
    for (let batch = 1; batch <= 6; batch++) {
      const rows = sampleRows(25, batch * 100);
      const result = await table.appendRows(rows, { txn: { appId: 'stream-0', version: batch } });
      assert.equal(result.status, 'committed');
      if (result.status !== 'committed') return;
      live.push({ rows, files: result.files.map((f) => f.path) });
      record(result.version);
    }
    // Version 7: a replayed batch is skipped, then remove the second batch's files.
    assert.equal(
      (await table.appendRows(sampleRows(5), { txn: { appId: 'stream-0', version: 6 } })).status,
      'skipped',
    );
    const removed = live.splice(1, 1)[0];
    record((await table.removeFiles(removed?.files ?? [])).version);
    // Version 8: "overwrite" step one: remove everything; version 9: the new contents.
    const all = live.flatMap((batch) => batch.files);
    live = [];
    record((await table.removeFiles(all)).version);
    const fresh = sampleRows(40, 5000);
    const v9 = await table.appendRows(fresh, { txn: { appId: 'stream-0', version: 7 } });
    if (v9.status !== 'committed') assert.fail(`overwrite append: ${v9.status}`);
    live.push({ rows: fresh, files: v9.files.map((f) => f.path) });
    record(v9.version);
    // Versions 10-13: appends; 10 writes the checkpoint, with the removals as tombstones.
    for (let batch = 8; batch <= 11; batch++) {
      const rows = sampleRows(10, batch * 100);
      const result = await table.appendRows(rows, { txn: { appId: 'stream-1', version: batch } });
      if (result.status !== 'committed') assert.fail(`append ${batch}: ${result.status}`);
      live.push({ rows, files: result.files.map((f) => f.path) });
      record(result.version);
    }
    assert.equal(await table.latestVersion(), 13);
    assert.ok(existsSync(path.join(dir, ...checkpointKey(10).split('/'))), 'checkpoint at 10');
    assert.equal(await peer.txnVersion(dir, 'stream-0'), 7);
    assert.equal(await peer.txnVersion(dir, 'stream-1'), 11);

    const expected = (version: number): CanonicalRow[] =>
      canonicalRows(schema.fields, expectedAt.get(version) ?? []);
    await assertPeersRead(peer, dir, { expectedRows: expected(13) });
    for (const version of [3, 7, 8, 9, 10]) {
      await assertPeersRead(peer, dir, { version, expectedRows: expected(version) });
    }
    // File pruning with statistics that come from the checkpoint and from later commits.
    await assertPeersFilter(peer, dir, {
      where: "event_date = DATE '2025-01-02' AND event_id >= 5000 AND event_id < 5010",
      keep: (row) =>
        row.event_date === '2025-01-02' &&
        Number(row.event_id) >= 5000 &&
        Number(row.event_id) < 5010,
    });
    await assertPeersFilter(peer, dir, {
      where: 'event_id >= 1100',
      keep: (row) => Number(row.event_id) >= 1100,
    });
  });
});

// The reverse direction: tables delta-rs and Spark write, read by Pitwall. delta-rs creates
// a table with every column type, deletes rows (rewriting files) and checkpoints; Spark
// appends to a Pitwall table past a checkpoint of its own. Pitwall then reads, time-travels
// and appends, and all three engines must still agree.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DeltaTable, checkpointKey, type LakeRow } from '../../src/lake/index.js';
import { tempDir } from '../lake/helpers.js';
import { assertPeersRead, pitwallRows, sharedPeer, skipUnlessInterop } from './helpers.js';
import { assertSameRows, type CanonicalRow } from './canonical.js';
import { EDGE_PARTITIONS, EDGE_SCHEMA, edgeRows, expectedEdgeRows } from './tables.js';

const COLUMNS = EDGE_SCHEMA.fields.map((f) => f.name);
const PEER_SCHEMA = EDGE_SCHEMA.fields.map((f) => ({
  name: f.name,
  type: f.type,
  nullable: f.nullable ?? true,
}));

/** Pitwall's rows of a table version, checked against the expected canonical rows. */
async function assertPitwallReads(
  table: DeltaTable,
  expected: readonly CanonicalRow[],
  version?: number,
): Promise<void> {
  const snapshot = await table.snapshot(version);
  assertSameRows(
    COLUMNS,
    await pitwallRows(snapshot),
    expected,
    `Pitwall read at v${snapshot.version}`,
  );
}

describe('tables delta-rs and Spark write, read by Pitwall', { skip: skipUnlessInterop }, () => {
  const startPeer = sharedPeer();

  test('delta-rs: every column type, partitioned; appends, a delete, a checkpoint', async (t) => {
    const peer = await startPeer();
    const dir = await tempDir(t, 'interop-delta-rs');
    const batches = [0, 1, 2].map((batch) => expectedEdgeRows(edgeRows(batch)));
    const write = (rows: readonly CanonicalRow[]): Promise<number> =>
      peer.write({
        engine: 'delta-rs',
        path: dir,
        schema: PEER_SCHEMA,
        rows,
        partitionBy: EDGE_PARTITIONS,
      });
    assert.equal(await write(batches[0] ?? []), 0);
    assert.equal(await write(batches[1] ?? []), 1);
    // Version 2: a delete that rewrites files (remove + add actions); then a checkpoint of 2.
    assert.equal(await peer.delete(dir, 'small = 1'), 2);
    await peer.checkpoint(dir);
    assert.ok(existsSync(path.join(dir, ...checkpointKey(2).split('/'))), 'delta-rs checkpoint');
    assert.equal(await write(batches[2] ?? []), 3);
    const v1 = [...(batches[0] ?? []), ...(batches[1] ?? [])];
    const v2 = v1.filter((row) => row.small !== 1);
    const v3 = [...v2, ...(batches[2] ?? [])];

    const table = await DeltaTable.open(dir);
    t.after(() => table.close());
    const snapshot = await table.snapshot();
    assert.equal(snapshot.version, 3);
    assert.deepEqual(snapshot.partitionColumns, EDGE_PARTITIONS);
    assert.deepEqual(
      snapshot.schema.fields.map((f) => [f.name, f.type, f.nullable]),
      EDGE_SCHEMA.fields.map((f) => [f.name, f.type, f.nullable ?? true]),
    );
    await assertPitwallReads(table, v3);
    await assertPitwallReads(table, v1, 1);
    await assertPitwallReads(table, v2, 2);

    // Pitwall appends to the delta-rs table; every engine then reads the same rows.
    const more: LakeRow[] = edgeRows(7);
    const appended = await table.appendRows(more);
    assert.equal(appended.version, 4);
    await assertPeersRead(peer, dir, { expectedRows: [...v3, ...expectedEdgeRows(more)] });
  });

  test('Spark: appends to a Pitwall table and checkpoints; Pitwall reads on and appends', async (t) => {
    const peer = await startPeer();
    const dir = await tempDir(t, 'interop-spark');
    const table = await DeltaTable.create(dir, EDGE_SCHEMA, {
      partitionColumns: EDGE_PARTITIONS,
      configuration: { 'delta.checkpointInterval': '3' },
    });
    t.after(() => table.close());
    const first = edgeRows(0);
    await table.appendRows(first); // version 1
    const expected = expectedEdgeRows(first);
    const sparkRows: CanonicalRow[][] = [];
    // Versions 2-4 by Spark: its checkpoint at 3 (the table's interval) covers Pitwall's
    // and Spark's commits; Pitwall's appends and time travel then start from it. Spark's
    // first batch has its default INT96 timestamps, the others INT64 microseconds.
    for (let batch = 1; batch <= 3; batch++) {
      const rows = expectedEdgeRows(edgeRows(batch));
      const version = await peer.write({
        engine: 'spark',
        path: dir,
        schema: PEER_SCHEMA,
        rows,
        timestampType: batch === 1 ? 'INT96' : 'TIMESTAMP_MICROS',
      });
      assert.equal(version, batch + 1);
      sparkRows.push(rows);
      expected.push(...rows);
    }
    assert.ok(existsSync(path.join(dir, ...checkpointKey(3).split('/'))), 'Spark checkpoint at 3');
    await assertPitwallReads(table, expected);
    await assertPitwallReads(table, [...expectedEdgeRows(first), ...(sparkRows[0] ?? [])], 2);
    const more = edgeRows(9);
    assert.equal((await table.appendRows(more)).version, 5);
    // delta-rs is left out: pyarrow reads INT96 as nanoseconds, which cannot hold the years
    // 0001 and 9999 of the INT96 batch (a pyarrow limit, not a Delta one).
    await assertPeersRead(peer, dir, {
      engines: ['spark'],
      expectedRows: [...expected, ...expectedEdgeRows(more)],
    });
  });
});

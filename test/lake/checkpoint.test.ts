// Checkpoints: written every delta.checkpointInterval commits as Parquet with the spec's
// struct columns, pointed to by _last_checkpoint, and replayed to the same state as the
// JSON log. A failed checkpoint never fails its commit.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  DeltaTable,
  MemoryStorage,
  checkpointKey,
  commitKey,
  readTable,
  type Snapshot,
} from '../../src/lake/index.js';
import { ALL_TYPES_SCHEMA, sampleRows, tempDir } from './helpers.js';

/** The parts of a snapshot that must match however it was built. */
function state(snapshot: Snapshot): unknown {
  const sorted = <T extends { path: string }>(items: readonly T[]): T[] =>
    [...items].sort((a, b) => (a.path < b.path ? -1 : 1));
  return {
    version: snapshot.version,
    protocol: snapshot.protocol,
    metadata: snapshot.metadata,
    files: sorted(snapshot.files).map((f) => ({ ...f, dataChange: undefined })),
    tombstones: sorted(snapshot.tombstones).map((r) => r.path),
    txns: Object.fromEntries([...snapshot.txns].map(([id, t]) => [id, t.version])),
  };
}

const file = (dir: string, key: string): string => path.join(dir, ...key.split('/'));

/** Builds a table with `commits` commits after creation: appends, a txn, a removal. */
async function buildTable(dir: string, commits: number, interval = 4): Promise<DeltaTable> {
  const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA, {
    partitionColumns: ['event_date'],
    configuration: { 'delta.checkpointInterval': String(interval) },
  });
  for (let i = 1; i <= commits; i++) {
    if (i === 3) {
      const snapshot = await table.snapshot();
      await table.removeFiles([snapshot.files[0]?.path ?? '']);
    } else {
      await table.appendRows(sampleRows(4, i * 10), { txn: { appId: `app-${i % 2}`, version: i } });
    }
  }
  return table;
}

describe('checkpoints', () => {
  test('are written every N commits, with _last_checkpoint pointing at the newest', async (t) => {
    const dir = await tempDir(t, 'checkpoint');
    const table = await buildTable(dir, 9);
    t.after(() => table.close());
    for (const version of [4, 8]) await readFile(file(dir, checkpointKey(version)));
    await assert.rejects(readFile(file(dir, checkpointKey(9))));
    const last = await table.readLastCheckpoint();
    const snapshot8 = await table.snapshot(8);
    // protocol + metaData + 2 txns + active files + the unexpired tombstone of version 3.
    assert.deepEqual(last, {
      version: 8,
      size: 4 + snapshot8.files.length + 1,
      sizeInBytes: last?.sizeInBytes,
      numOfAddFiles: snapshot8.files.length,
    });
    assert.ok((last?.sizeInBytes ?? 0) > 0);
  });

  test('use the checkpoint schema of the spec: struct columns, stats as a JSON string', async (t) => {
    const dir = await tempDir(t, 'checkpoint');
    const table = await buildTable(dir, 4);
    t.after(() => table.close());
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const source = `read_parquet('${file(dir, checkpointKey(4))}')`;
      const columns = (
        await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)
      ).getRows();
      const types = Object.fromEntries(
        columns.map((row) => [String(row[0]), String(row[1]).replaceAll('"', '')]),
      );
      assert.deepEqual(Object.keys(types), ['txn', 'add', 'remove', 'metaData', 'protocol']);
      assert.match(
        types.add ?? '',
        /^STRUCT\(path VARCHAR, partitionValues MAP\(VARCHAR, VARCHAR\), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR/,
      );
      assert.equal(types.protocol, 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER)');
      assert.match(types.txn ?? '', /appId VARCHAR, version BIGINT/);
      assert.match(
        types.metaData ?? '',
        /partitionColumns VARCHAR\[\], configuration MAP\(VARCHAR, VARCHAR\)/,
      );
      const counts = (
        await connection.runAndReadAll(
          `SELECT count("add"), count("remove"), count(txn), count("metaData"), count(protocol), ` +
            `bool_and(json_valid("add".stats)) FROM ${source}`,
        )
      ).getRows()[0];
      const snapshot = await table.snapshot(4);
      assert.deepEqual(counts, [BigInt(snapshot.files.length), 1n, 2n, 1n, 1n, true]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  test('a snapshot read from the checkpoint equals a full replay of the JSON log', async (t) => {
    const dir = await tempDir(t, 'checkpoint');
    const writer = await buildTable(dir, 10);
    writer.close();
    const reader = await DeltaTable.open(dir);
    t.after(() => reader.close());
    for (const version of [4, 5, 8, 10]) {
      const fromCheckpoint = await reader.snapshot(version);
      const replayed = await reader.snapshot(version, { ignoreCheckpoints: true });
      assert.deepEqual(state(fromCheckpoint), state(replayed), `version ${version}`);
      assert.deepEqual(
        await readTable(fromCheckpoint, { orderBy: 'event_id' }),
        await readTable(replayed, { orderBy: 'event_id' }),
      );
    }
  });

  test('let readers start there: commits before it can be gone', async (t) => {
    const dir = await tempDir(t, 'checkpoint');
    const writer = await buildTable(dir, 6);
    const expected = state(await writer.snapshot());
    writer.close();
    for (let version = 0; version < 4; version++) await rm(file(dir, commitKey(version)));
    const reader = await DeltaTable.open(dir);
    t.after(() => reader.close());
    assert.deepEqual(state(await reader.snapshot()), expected);
    await assert.rejects(reader.snapshot(2), /commit 0 is missing/);
  });

  test('a corrupt checkpoint falls back to the JSON log', async (t) => {
    const dir = await tempDir(t, 'checkpoint');
    const writer = await buildTable(dir, 5);
    const expected = state(await writer.snapshot());
    writer.close();
    await writeFile(file(dir, checkpointKey(4)), 'not parquet');
    const reader = await DeltaTable.open(dir);
    t.after(() => reader.close());
    assert.deepEqual(state(await reader.snapshot()), expected);
  });

  test('a failed checkpoint does not fail the commit', async (t) => {
    const dir = await tempDir(t, 'checkpoint');
    const failures: number[] = [];
    const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA, {
      configuration: { 'delta.checkpointInterval': '2' },
      onCheckpointError: (_error, version) => failures.push(version),
    });
    t.after(() => table.close());
    // A directory where the checkpoint file should go makes its write fail for real.
    await mkdir(file(dir, checkpointKey(2)), { recursive: true });
    await table.appendRows(sampleRows(2));
    const result = await table.appendRows(sampleRows(2, 2));
    assert.ok(result.status === 'committed');
    assert.equal(result.version, 2);
    assert.deepEqual(failures, [2]);
    assert.equal(await table.readLastCheckpoint(), undefined);
    // The table stays readable and writable; the next due checkpoint succeeds.
    await table.appendRows(sampleRows(2, 4));
    const fourth = await table.commit([], { operation: 'NOOP' });
    assert.equal(fourth.checkpoint?.version, 4);
    assert.equal((await readTable(await table.snapshot())).length, 6);
  });

  test('work on storage without local paths (staged through temporary files)', async (t) => {
    const storage = new MemoryStorage('checkpoint-test');
    const table = await DeltaTable.create(storage, ALL_TYPES_SCHEMA, {
      configuration: { 'delta.checkpointInterval': '2' },
    });
    t.after(() => table.close());
    await table.appendRows(sampleRows(3));
    const second = await table.appendRows(sampleRows(3, 3), { txn: { appId: 'mem', version: 1 } });
    assert.ok(second.status === 'committed');
    assert.ok(await storage.exists(checkpointKey(2)));
    assert.ok(await storage.exists(second.files[0]?.path ?? ''));
    const reader = await DeltaTable.open(storage);
    t.after(() => reader.close());
    const snapshot = await reader.snapshot();
    assert.equal(snapshot.files.length, 2);
    assert.equal(snapshot.txnVersion('mem'), 1);
    await assert.rejects(readTable(snapshot), /needs local storage/);
  });
});

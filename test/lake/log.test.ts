// Reading the log defensively: leftovers of unfinished writes are ignored, a real commit
// that is corrupt or missing is an error, and protocols beyond Pitwall's are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ERROR_CODES, LakeError, LakeUnsupportedError } from '../../src/errors.js';
import { DeltaTable, commitKey, readTable } from '../../src/lake/index.js';
import { ALL_TYPES_SCHEMA, sampleRows, tempDir } from './helpers.js';

const file = (dir: string, key: string): string => path.join(dir, ...key.split('/'));

test('temporary and partial files in _delta_log are ignored and do not block commits', async (t) => {
  const dir = await tempDir(t, 'log');
  const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
  t.after(() => table.close());
  await table.appendRows(sampleRows(3));
  // What a writer that crashed mid-commit, or another tool, might leave behind.
  const log = path.join(dir, '_delta_log');
  await writeFile(
    path.join(log, '.00000000000000000002.json.5a1e4c2b.tmp'),
    '{"add":{"path":"ghost.parq',
  );
  await writeFile(path.join(log, '00000000000000000002.json.tmp'), '{"add":');
  await writeFile(path.join(log, '00000000000000000002.crc'), '{}');
  await writeFile(
    path.join(log, '00000000000000000002.checkpoint.0000000001.0000000002.parquet'),
    'x',
  );

  const reader = await DeltaTable.open(dir);
  t.after(() => reader.close());
  assert.equal(await reader.latestVersion(), 1);
  const result = await reader.appendRows(sampleRows(3, 3));
  assert.ok(result.status === 'committed');
  assert.equal(result.version, 2);
  assert.equal((await readTable(await reader.snapshot())).length, 6);
  const names = await readdir(log);
  assert.ok(
    names.includes('.00000000000000000002.json.5a1e4c2b.tmp'),
    'foreign leftovers are not touched',
  );
});

test('a corrupt commit file is an error naming the file and line', async (t) => {
  const dir = await tempDir(t, 'log');
  const writer = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
  await writer.appendRows(sampleRows(3));
  writer.close();
  await writeFile(file(dir, commitKey(2)), '{"commitInfo":{}}\n{"add":{"path":"x.parquet","size":');
  await assert.rejects(
    DeltaTable.open(dir),
    (e: unknown) =>
      e instanceof LakeError &&
      e.code === ERROR_CODES.lake &&
      /00000000000000000002\.json line 2/.test(e.message),
  );
});

test('a gap in the log is an error', async (t) => {
  const dir = await tempDir(t, 'log');
  const writer = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
  await writer.appendRows(sampleRows(1));
  await writer.appendRows(sampleRows(1, 1));
  writer.close();
  await rm(file(dir, commitKey(1)));
  await assert.rejects(DeltaTable.open(dir), /commit 1 is missing/);
});

test('tables needing a newer protocol are refused for reading or writing', async (t) => {
  const dir = await tempDir(t, 'log');
  const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
  t.after(() => table.close());
  await table.commit([{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }], {
    operation: 'UPGRADE PROTOCOL',
  });
  await assert.rejects(
    table.commit(
      [{ protocol: { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['x'] } }],
      { operation: 'UPGRADE PROTOCOL' },
    ),
    /writer version 7 \(writer features: x\)/,
  );
  // Another engine upgrades the table to reader version 3 with deletion vectors.
  await writeFile(
    file(dir, commitKey(2)),
    JSON.stringify({
      protocol: {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['deletionVectors'],
        writerFeatures: ['deletionVectors'],
      },
    }) + '\n',
  );
  await assert.rejects(
    DeltaTable.open(dir),
    (e: unknown) =>
      e instanceof LakeUnsupportedError &&
      e.code === ERROR_CODES.lakeUnsupported &&
      e.message.includes('reader version 3 (reader features: deletionVectors)'),
  );
});

test('columns with invariants or unsupported types are refused', async (t) => {
  const dir = await tempDir(t, 'log');
  await assert.rejects(
    DeltaTable.create(dir, {
      fields: [{ name: 'x', type: 'long', metadata: { 'delta.invariants': '{}' } }],
    }),
    LakeUnsupportedError,
  );
  const table = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
  t.after(() => table.close());
  const snapshot = await table.snapshot();
  const schemaString = JSON.stringify({
    type: 'struct',
    fields: [
      { name: 'x', type: 'decimal(10,2)', nullable: true, metadata: {} },
      { name: 'y', type: 'long', nullable: true, metadata: {} },
    ],
  });
  await writeFile(
    file(dir, commitKey(1)),
    JSON.stringify({ metaData: { ...snapshot.metadata, schemaString } }) + '\n',
  );
  await assert.rejects(DeltaTable.open(dir), /column 'x' has Delta type decimal\(10,2\)/);
});

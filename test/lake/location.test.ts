// Table locations: file URIs and plain paths are accepted, every other scheme is refused
// with a clear error before anything is read or written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ERROR_CODES, LakeUnsupportedError } from '../../src/errors.js';
import { DeltaTable, parseLocation } from '../../src/lake/index.js';
import { ALL_TYPES_SCHEMA } from './helpers.js';

test('file URIs and plain paths resolve to absolute local folders', () => {
  assert.deepEqual(parseLocation('file:///data/lake/bronze'), {
    kind: 'local',
    path: '/data/lake/bronze',
    uri: 'file:///data/lake/bronze',
  });
  assert.equal(parseLocation('/data/lake/a%20b').path, '/data/lake/a%20b');
  assert.equal(parseLocation('file:///data/lake/a%20b').path, '/data/lake/a b');
  assert.equal(parseLocation('lake/silver').path, path.resolve('lake/silver'));
  assert.equal(parseLocation('FILE:///x/').path, '/x');
});

test('other schemes are refused with the scheme named', async () => {
  for (const uri of [
    's3://bucket/bronze',
    'abfss://c@acct.dfs.core.windows.net/t',
    'gs://b/t',
    'https://host/t',
  ]) {
    assert.throws(
      () => parseLocation(uri),
      (error: unknown) =>
        error instanceof LakeUnsupportedError &&
        error.code === ERROR_CODES.lakeUnsupported &&
        error.message.includes(`'${uri.slice(0, uri.indexOf(':'))}:'`),
      uri,
    );
  }
  await assert.rejects(
    DeltaTable.create('s3://bucket/bronze', ALL_TYPES_SCHEMA),
    LakeUnsupportedError,
  );
  await assert.rejects(DeltaTable.open('memory://x'), LakeUnsupportedError);
});

test('malformed file URIs and empty locations are refused', () => {
  assert.throws(() => parseLocation('file://remote-host/share/t'), LakeUnsupportedError);
  assert.throws(() => parseLocation('   '), LakeUnsupportedError);
});

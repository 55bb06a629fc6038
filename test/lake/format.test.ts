// The text forms Delta fixes: schema strings, partition folders and values, action paths,
// statistics and commit file names.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LakeDataError, LakeUnsupportedError } from '../../src/errors.js';
import { commitKey, checkpointKey, decodeActions, parseLogKey } from '../../src/lake/actions.js';
import {
  escapePartitionSegment,
  keyToActionPath,
  partitionFolder,
  resolveActionPath,
} from '../../src/lake/paths.js';
import {
  parseDeltaSchemaString,
  toDeltaSchemaString,
  validateSchema,
} from '../../src/lake/schema.js';
import { encodeStats, stringBound } from '../../src/lake/stats.js';
import { parseIntervalMs, validateConfiguration } from '../../src/lake/table-config.js';
import {
  canonicalValue,
  microsToIso,
  microsToIsoMillis,
  partitionValueString,
} from '../../src/lake/values.js';
import { ALL_TYPES_SCHEMA } from './helpers.js';

describe('schema', () => {
  test('round-trips through the Delta schema string', () => {
    const text = toDeltaSchemaString(validateSchema(ALL_TYPES_SCHEMA));
    const parsed = JSON.parse(text) as { type: string; fields: unknown[] };
    assert.equal(parsed.type, 'struct');
    assert.deepEqual(parsed.fields[0], {
      name: 'event_id',
      type: 'long',
      nullable: false,
      metadata: {},
    });
    assert.deepEqual(
      parseDeltaSchemaString(text).fields.map((f) => [f.name, f.type, f.nullable]),
      ALL_TYPES_SCHEMA.fields.map((f) => [f.name, f.type, f.nullable ?? true]),
    );
  });

  test('rejects bad names, duplicate names and unknown types, naming the field', () => {
    const bad = [
      [{ fields: [] }, /at least one column/],
      [{ fields: [{ name: 'a b', type: 'long' }] }, /fields\[0\]\.name/],
      [
        {
          fields: [
            { name: 'A', type: 'long' },
            { name: 'a', type: 'string' },
          ],
        },
        /fields\[1\]\.name.*twice/,
      ],
      [{ fields: [{ name: 'x', type: 'decimal' }] }, /fields\[0\]\.type: 'decimal'/],
    ] as const;
    for (const [schema, message] of bad) {
      assert.throws(
        () => validateSchema(schema as never),
        (e: unknown) => e instanceof LakeDataError && message.test(e.message),
      );
    }
  });

  test('tables with types outside Pitwall’s set are unsupported to read', () => {
    const text = JSON.stringify({
      type: 'struct',
      fields: [
        {
          name: 'm',
          type: { type: 'map', keyType: 'string', valueType: 'long' },
          nullable: true,
          metadata: {},
        },
      ],
    });
    assert.throws(() => parseDeltaSchemaString(text), LakeUnsupportedError);
  });
});

describe('values', () => {
  test('accepts each type’s input forms and rejects others with the column named', () => {
    assert.equal(canonicalValue('long', 42, 'x'), 42n);
    assert.equal(canonicalValue('timestamp', new Date('1970-01-01T00:00:01.5Z'), 'x'), 1_500_000n);
    assert.equal(canonicalValue('date', '1970-01-11', 'x'), 10);
    assert.equal(canonicalValue('date', new Date('1970-01-11T23:00:00Z'), 'x'), 10);
    assert.throws(
      () => canonicalValue('integer', 2 ** 31, 'rows[3].gear'),
      /rows\[3\]\.gear: a integer column/,
    );
    assert.throws(() => canonicalValue('long', 1.5, 'x'), LakeDataError);
    assert.throws(() => canonicalValue('date', '2024-02-30', 'x'), LakeDataError);
    assert.throws(() => canonicalValue('string', 5, 'x'), LakeDataError);
    assert.throws(() => canonicalValue('binary', 'abc', 'x'), LakeDataError);
  });

  test('timestamps print as UTC ISO 8601, before the epoch too', () => {
    assert.equal(microsToIso(1_500_001n), '1970-01-01T00:00:01.500001Z');
    assert.equal(microsToIso(-1n), '1969-12-31T23:59:59.999999Z');
    assert.equal(microsToIsoMillis(1_500_999n), '1970-01-01T00:00:01.500Z');
  });

  test('partition values follow Partition Value Serialization', () => {
    assert.equal(partitionValueString('date', 19723), '2024-01-01');
    assert.equal(partitionValueString('timestamp', 0n), '1970-01-01T00:00:00.000000Z');
    assert.equal(partitionValueString('boolean', true), 'true');
    assert.equal(partitionValueString('long', -5n), '-5');
    assert.equal(partitionValueString('double', -0), '-0.0');
    assert.equal(partitionValueString('double', NaN), 'NaN');
    assert.equal(partitionValueString('double', -Infinity), '-Infinity');
    assert.equal(partitionValueString('string', ''), null);
    assert.equal(partitionValueString('string', null), null);
  });
});

describe('paths', () => {
  test('partition folders escape Hive’s special characters', () => {
    assert.equal(escapePartitionSegment('a/b:c=d%e'), 'a%2Fb%3Ac%3Dd%25e');
    assert.equal(escapePartitionSegment('plain value-1.0'), 'plain value-1.0');
    assert.equal(
      partitionFolder(['date', 'vehicle'], { date: '2024-01-01', vehicle: null }),
      'date=2024-01-01/vehicle=__HIVE_DEFAULT_PARTITION__',
    );
  });

  test('action paths are URI-encoded and decode back to the key', () => {
    const key = 'v=a%2Fb c/part-1.zstd.parquet';
    const encoded = keyToActionPath(key);
    assert.equal(encoded, 'v=a%252Fb%20c/part-1.zstd.parquet');
    assert.deepEqual(resolveActionPath(encoded), { key });
    assert.deepEqual(resolveActionPath('file:///data/x.parquet'), { file: '/data/x.parquet' });
    assert.throws(() => resolveActionPath('s3://b/x.parquet'), LakeUnsupportedError);
  });
});

describe('stats and log names', () => {
  test('stats JSON keeps longs exact', () => {
    const json = encodeStats({
      numRecords: 2,
      minValues: { id: -(2n ** 63n) },
      maxValues: { id: 2n ** 63n - 1n, name: 'z' },
      nullCount: { id: 0, name: 1 },
    });
    assert.equal(
      json,
      '{"numRecords":2,"minValues":{"id":-9223372036854775808},"maxValues":{"id":9223372036854775807,"name":"z"},"nullCount":{"id":0,"name":1}}',
    );
  });

  test('long string bounds: prefix for min, dropped for max', () => {
    const long = 'x'.repeat(40);
    assert.equal(stringBound(long, 'min'), 'x'.repeat(32));
    assert.equal(stringBound(long, 'max'), undefined);
    assert.equal(stringBound('short', 'max'), 'short');
  });

  test('commit and checkpoint names are zero-padded to 20 digits', () => {
    assert.equal(commitKey(42), '_delta_log/00000000000000000042.json');
    assert.equal(checkpointKey(10), '_delta_log/00000000000000000010.checkpoint.parquet');
    assert.deepEqual(parseLogKey(commitKey(7)), { kind: 'commit', version: 7 });
    assert.deepEqual(parseLogKey(checkpointKey(7)), { kind: 'checkpoint', version: 7 });
    for (const other of [
      '_delta_log/.00000000000000000003.json.0b7c.tmp',
      '_delta_log/00000000000000000003.json.tmp',
      '_delta_log/00000000000000000003.crc',
      '_delta_log/00000000000000000003.checkpoint.0000000001.0000000002.parquet',
      '_delta_log/_staged_commits/00000000000000000003.0b7c.json',
      '_delta_log/_last_checkpoint',
    ]) {
      assert.equal(parseLogKey(other), undefined, other);
    }
  });

  test('unknown actions in a commit are ignored, malformed lines are errors', () => {
    const text =
      '{"commitInfo":{"operation":"WRITE"}}\n{"domainMetadata":{"domain":"x","configuration":"{}","removed":false}}\n\n{"txn":{"appId":"a","version":3}}\n';
    const actions = decodeActions(new TextEncoder().encode(text), 'c.json');
    assert.deepEqual(actions, [
      { commitInfo: { operation: 'WRITE' } },
      { txn: { appId: 'a', version: 3 } },
    ]);
    assert.throws(
      () => decodeActions(new TextEncoder().encode('{"add":{"path":'), 'c.json'),
      /c\.json line 1/,
    );
  });
});

describe('table properties', () => {
  test('known delta properties are checked, unknown ones refused, user ones kept', () => {
    assert.deepEqual(
      validateConfiguration({ 'delta.checkpointInterval': '5', 'pitwall.layer': 'bronze' }),
      {
        'delta.checkpointInterval': '5',
        'pitwall.layer': 'bronze',
      },
    );
    assert.throws(() => validateConfiguration({ 'delta.checkpointInterval': '0' }), LakeDataError);
    assert.throws(
      () => validateConfiguration({ 'delta.enableDeletionVectors': 'true' }),
      LakeUnsupportedError,
    );
    assert.throws(() => validateConfiguration({ 'delta.appendOnly': 'yes' }), LakeDataError);
    assert.equal(parseIntervalMs('interval 1 week'), 604_800_000);
    assert.equal(parseIntervalMs('interval 30 days'), 2_592_000_000);
    assert.equal(parseIntervalMs('1 week'), undefined);
  });
});

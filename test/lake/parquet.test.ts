// The Parquet encoder (src/lake/parquet): files read back by a real DuckDB value by value,
// footer statistics as DuckDB sees them, the column summaries behind Delta statistics, and the
// Delta statistics appendRows records from them.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBInstance,
  DuckDBTimestampTZValue,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import { LakeDataError } from '../../src/errors.js';
import { DeltaTable, decodeStats, readTable, type TableSchema } from '../../src/lake/index.js';
import {
  compareCodePoints,
  encodeParquet,
  encodeParquetSync,
  type EncodedParquet,
  type ParquetColumn,
  type ParquetWriteOptions,
} from '../../src/lake/parquet/index.js';
import { tempDir } from './helpers.js';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

after(() => {
  connection.closeSync();
  instance.closeSync();
});

const sql = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** A DuckDB value in the encoder's canonical form. */
function canonical(value: DuckDBValue): unknown {
  if (value instanceof DuckDBTimestampTZValue) return value.micros;
  if (value instanceof DuckDBDateValue) return value.days;
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes);
  return value;
}

async function writeAndRead(
  dir: string,
  columns: readonly ParquetColumn[],
  options: ParquetWriteOptions = {},
): Promise<{ file: string; encoded: EncodedParquet; rows: unknown[][] }> {
  const encoded = await encodeParquet(columns, options);
  // The blocking encoder writes the same bytes (page sizes, offsets and footer included).
  assert.ok(encodeParquetSync(columns, options).bytes.equals(encoded.bytes), 'sync != async');
  const file = path.join(dir, `f-${Math.random().toString(36).slice(2)}.parquet`);
  await writeFile(file, encoded.bytes);
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  const reader = await connection.runAndReadAll(
    `SELECT ${names} FROM read_parquet(${sql(file)}, file_row_number = true) ORDER BY file_row_number`,
  );
  return { file, encoded, rows: reader.getRows().map((row) => row.map(canonical)) };
}

/** The expected value of row `r` of a column (what was written, canonical). */
function expectedAt(column: ParquetColumn, r: number): unknown {
  const value = column.values[r] ?? null;
  if (value instanceof Uint8Array) return Buffer.from(value);
  return value;
}

function assertSameValue(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number') {
    assert.ok(Object.is(actual, expected), `${where}: ${String(actual)} !== ${expected}`);
  } else {
    assert.deepEqual(actual, expected, where);
  }
}

function assertRoundTrip(columns: readonly ParquetColumn[], rows: unknown[][], n: number): void {
  assert.equal(rows.length, n);
  for (let r = 0; r < n; r++) {
    columns.forEach((column, c) => {
      assertSameValue(rows[r]?.[c], expectedAt(column, r), `row ${r} column ${column.name}`);
    });
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Every type, with nulls, empties, unicode, NaN, infinities and extreme values. */
function allTypes(n: number): ParquetColumn[] {
  const pick = <T>(values: readonly T[], i: number): T => values[i % values.length] as T;
  const longs = [INT64_MIN, INT64_MAX, 0n, -1n, 1n, 2n ** 53n + 1n];
  const ints = [-(2 ** 31), 2 ** 31 - 1, 0, -1, 7];
  const doubles = [
    NaN,
    Infinity,
    -Infinity,
    -0,
    0,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    -1.5,
    1e-300,
  ];
  const strings = ['', 'a', 'héllo wörld', '😀 emoji', '\u0000nul', 'ﬀ\uffff', 'x'.repeat(300)];
  // From 0001-01-01 to 9999-12-31, and instants near the ends of what DuckDB's TIMESTAMPTZ holds.
  const days = [-719_162, 2_932_896, 0, -1, 20_000];
  const micros = [
    -62_135_596_800_000_000n,
    253_402_300_799_999_999n,
    0n,
    -1n,
    1_735_689_600_123_456n,
  ];
  return [
    {
      name: 'l_req',
      type: 'long',
      nullable: false,
      values: Array.from({ length: n }, (_, i) => pick(longs, i)),
    },
    {
      name: 'l',
      type: 'long',
      nullable: true,
      values: Array.from({ length: n }, (_, i) => (i % 5 === 1 ? null : pick(longs, i + 3))),
    },
    {
      name: 'i',
      type: 'integer',
      nullable: true,
      values: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : pick(ints, i))),
    },
    {
      name: 'd',
      type: 'double',
      nullable: true,
      values: Array.from({ length: n }, (_, i) => (i % 11 === 4 ? null : pick(doubles, i))),
    },
    {
      name: 'b',
      type: 'boolean',
      nullable: true,
      values: Array.from({ length: n }, (_, i) => (i % 4 === 2 ? null : i % 3 === 0)),
    },
    {
      name: 'b_req',
      type: 'boolean',
      nullable: false,
      values: Array.from({ length: n }, (_, i) => i % 7 < 3),
    },
    {
      name: 's',
      type: 'string',
      nullable: true,
      values: Array.from({ length: n }, (_, i) => (i % 6 === 5 ? null : pick(strings, i))),
    },
    {
      name: 'bin',
      type: 'binary',
      nullable: true,
      values: Array.from({ length: n }, (_, i) =>
        i % 9 === 8 ? null : new Uint8Array(i % 13).map((_, k) => (i * 31 + k) & 0xff),
      ),
    },
    {
      name: 'ts',
      type: 'timestamp',
      nullable: true,
      values: Array.from({ length: n }, (_, i) => (i % 10 === 9 ? null : pick(micros, i))),
    },
    {
      name: 'day',
      type: 'date',
      nullable: true,
      values: Array.from({ length: n }, (_, i) => (i % 8 === 7 ? null : pick(days, i))),
    },
  ];
}

describe('parquet encoder', () => {
  test('every type round-trips through DuckDB, with nulls, empties and extremes', async (t) => {
    const dir = await tempDir(t, 'parquet');
    const columns = allTypes(200);
    const { rows, file } = await writeAndRead(dir, columns);
    assertRoundTrip(columns, rows, 200);
    const types = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${sql(file)}`);
    assert.deepEqual(
      types.getRows().map((row) => [row[0], row[1]]),
      [
        ['l_req', 'BIGINT'],
        ['l', 'BIGINT'],
        ['i', 'INTEGER'],
        ['d', 'DOUBLE'],
        ['b', 'BOOLEAN'],
        ['b_req', 'BOOLEAN'],
        ['s', 'VARCHAR'],
        ['bin', 'BLOB'],
        ['ts', 'TIMESTAMP WITH TIME ZONE'],
        ['day', 'DATE'],
      ],
    );
  });

  test('many rows across several pages and row groups, uncompressed and gzip', async (t) => {
    const dir = await tempDir(t, 'parquet');
    const n = 5000;
    const columns = allTypes(n);
    for (const compression of ['uncompressed', 'gzip'] as const) {
      const { rows, encoded } = await writeAndRead(dir, columns, {
        compression,
        rowGroupRows: 1200,
        pageBytes: 700,
      });
      assert.equal(encoded.rowGroups, 5);
      assert.ok(encoded.pages > 5 * columns.length * 2, `only ${encoded.pages} pages`);
      assertRoundTrip(columns, rows, n);
      const codecs = await connection.runAndReadAll(
        `SELECT DISTINCT compression FROM parquet_metadata(${sql(path.join(dir, '*.parquet'))})`,
      );
      assert.ok(
        codecs
          .getRows()
          .some((row) => row[0] === (compression === 'gzip' ? 'GZIP' : 'UNCOMPRESSED')),
      );
    }
  });

  test('typed arrays, all-null pages and a row selection', async (t) => {
    const dir = await tempDir(t, 'parquet');
    const n = 3000;
    const columns: ParquetColumn[] = [
      {
        name: 'x',
        type: 'double',
        nullable: false,
        values: Float64Array.from({ length: n }, (_, i) => i / 7),
      },
      {
        name: 'k',
        type: 'integer',
        nullable: false,
        values: Int32Array.from({ length: n }, (_, i) => i - 1500),
      },
      { name: 'dt', type: 'date', nullable: false, values: new Int32Array(n).fill(20_000) },
      {
        name: 'id',
        type: 'long',
        nullable: false,
        values: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 3n - 4000n),
      },
      // Nulls only in the first half: whole pages of nulls, then pages without any.
      {
        name: 'sparse',
        type: 'string',
        nullable: true,
        values: Array.from({ length: n }, (_, i) => (i < n / 2 ? null : `v${i}`)),
      },
    ];
    const all = await writeAndRead(dir, columns, { pageBytes: 512, rowGroupRows: 1000 });
    assertRoundTrip(columns, all.rows, n);

    const rows = Int32Array.from({ length: 400 }, (_, k) => (k * 7) % n);
    const picked = await writeAndRead(dir, columns, { rows, pageBytes: 256 });
    assert.equal(picked.rows.length, rows.length);
    rows.forEach((row, r) => {
      columns.forEach((column, c) => {
        assertSameValue(
          picked.rows[r]?.[c],
          expectedAt(column, row),
          `row ${r} (${row}) ${column.name}`,
        );
      });
    });
    assert.equal(picked.encoded.numRows, 400);
    assert.equal(picked.encoded.columns[4]?.nullCount, rows.filter((r) => r < n / 2).length);
  });

  test('large values get pages of their own', async (t) => {
    const dir = await tempDir(t, 'parquet');
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    const columns: ParquetColumn[] = [
      {
        name: 'v',
        type: 'binary',
        nullable: false,
        values: [big, new Uint8Array(0), big.subarray(7, 1000)],
      },
      { name: 's', type: 'string', nullable: false, values: ['é'.repeat(600_000), '', 'z'] },
    ];
    for (const compression of ['uncompressed', 'gzip'] as const) {
      const { rows } = await writeAndRead(dir, columns, { compression, pageBytes: 64 * 1024 });
      assertRoundTrip(columns, rows, 3);
    }
  });

  test('footer statistics per row group, as DuckDB reads them', async (t) => {
    const dir = await tempDir(t, 'parquet');
    const columns: ParquetColumn[] = [
      { name: 'l', type: 'long', nullable: false, values: [5n, INT64_MIN, 7n, INT64_MAX, -2n, 3n] },
      { name: 'd', type: 'double', nullable: true, values: [NaN, 0, null, -Infinity, 2.5, 0] },
      {
        name: 's',
        type: 'string',
        nullable: true,
        values: ['b', null, 'a😀', 'a\uffff', null, null],
      },
      { name: 'b', type: 'boolean', nullable: true, values: [true, true, false, null, true, true] },
      {
        name: 'bin',
        type: 'binary',
        nullable: true,
        values: [null, new Uint8Array([1]), null, null, null, null],
      },
      { name: 'ts', type: 'timestamp', nullable: false, values: [3n, 1n, 2n, 10n, 20n, 30n] },
      {
        name: 'day',
        type: 'date',
        nullable: true,
        values: [null, null, null, 19_000, 18_000, null],
      },
    ];
    const { file } = await writeAndRead(dir, columns, { rowGroupRows: 3 });
    const reader = await connection.runAndReadAll(
      `SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_null_count
       FROM parquet_metadata(${sql(file)}) ORDER BY row_group_id, column_id`,
    );
    const got = reader
      .getRows()
      .map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    assert.deepEqual(got, [
      [0, 'l', '-9223372036854775808', '7', 0],
      // NaN stays out of the bounds; a zero minimum is written as -0 (the spec's rule).
      [0, 'd', '-0.0', '0.0', 1],
      // Code point order: U+1F600 sorts after U+FFFF, unlike UTF-16 code units.
      [0, 's', 'a😀', 'b', 1],
      [0, 'b', 'false', 'true', 0],
      [0, 'bin', null, null, 2],
      [0, 'ts', '1970-01-01 00:00:00.000001+00', '1970-01-01 00:00:00.000003+00', 0],
      [0, 'day', null, null, 3],
      [1, 'l', '-2', '9223372036854775807', 0],
      // -Infinity is in the file (pyarrow shows it); DuckDB's metadata view shows it as null.
      [1, 'd', null, '2.5', 0],
      [1, 's', 'a\uffff', 'a\uffff', 2],
      [1, 'b', 'true', 'true', 1],
      [1, 'bin', null, null, 3],
      [1, 'ts', '1970-01-01 00:00:00.00001+00', '1970-01-01 00:00:00.00003+00', 0],
      [1, 'day', '2019-04-14', '2022-01-08', 1],
    ]);
    // DuckDB prunes row groups with them.
    const count = await connection.runAndReadAll(`SELECT count(*) FROM ${sql(file)} WHERE l > 8`);
    assert.equal(count.getRows()[0]?.[0], 1n);
  });

  test('column summaries: null counts and bounds over the whole file', () => {
    const encoded = encodeParquetSync(
      [
        { name: 'd', type: 'double', nullable: true, values: [NaN, 1, null, -3, NaN] },
        {
          name: 's',
          type: 'string',
          nullable: true,
          values: ['😀', '\uffff', null, 'a'].concat(['']),
        },
        { name: 'n', type: 'integer', nullable: true, values: [null, null, null, null, null] },
        {
          name: 'bin',
          type: 'binary',
          nullable: false,
          values: [1, 2, 3, 4, 5].map((x) => new Uint8Array([x])),
        },
      ],
      { rowGroupRows: 2 },
    );
    assert.deepEqual(encoded.columns, [
      { nullCount: 1, min: -3, max: 1, nanCount: 2 },
      { nullCount: 1, min: '', max: '😀', nanCount: 0 },
      { nullCount: 5, min: undefined, max: undefined, nanCount: 0 },
      { nullCount: 0, min: undefined, max: undefined, nanCount: 0 },
    ]);
  });

  test('code point order of strings equals the order of their UTF-8 bytes', () => {
    const samples = [
      '',
      'a',
      'ab',
      'b',
      'é',
      '\uffff',
      '\ud7ff',
      '\ue000',
      '😀',
      '𝄞',
      'a😀',
      'a\uffff',
    ];
    for (const a of samples) {
      for (const b of samples) {
        const bytes = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
        assert.equal(
          compareCodePoints(a, b),
          bytes,
          `${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
        );
      }
    }
  });

  test('refuses nulls in a required column and bad options', async () => {
    assert.throws(
      () => encodeParquetSync([{ name: 'x', type: 'long', nullable: false, values: [1n, null] }]),
      /required/,
    );
    const ok: ParquetColumn[] = [{ name: 'x', type: 'long', nullable: false, values: [1n] }];
    assert.throws(() => encodeParquetSync(ok, { pageBytes: 0 }), /pageBytes/);
    assert.throws(() => encodeParquetSync(ok, { gzipLevel: 10 }), /gzipLevel/);
    assert.throws(() => encodeParquetSync(ok, { compression: 'zstd' as 'gzip' }), /compression/);
    await assert.rejects(
      encodeParquet(ok, { compression: 'gzip', pagesInFlight: 0 }),
      /pagesInFlight/,
    );
    await assert.rejects(
      encodeParquet([{ name: 'x', type: 'long', nullable: false, values: [null] }], {
        compression: 'gzip',
      }),
      /required/,
    );
  });

  test('async gzip: many ~1 MiB pages in flight, big values, two files at once', async (t) => {
    const dir = await tempDir(t, 'parquet');
    // ~500-byte telemetry-like JSON values: over a dozen pages of the default 1 MiB.
    const n = 30_000;
    const json = (i: number): Buffer =>
      Buffer.from(
        JSON.stringify({
          vehicle_id: `car-${i % 97}`,
          seq: i,
          speed_kmh: (i * 7.31) % 320,
          signals: Array.from({ length: 40 }, (_, k) => Math.round(Math.sin(i + k) * 1e4) / 1e4),
        }),
      );
    // Values bigger than a page buffer (3 MiB, incompressible) between ordinary ones.
    const noise = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2_654_435_761) >>> 24;
    const columns: ParquetColumn[] = [
      {
        name: 'value',
        type: 'binary',
        nullable: true,
        values: Array.from({ length: n }, (_, i) =>
          i % 10_000 === 5_000 ? noise : i % 17 === 3 ? null : json(i),
        ),
      },
      {
        name: 'offset',
        type: 'long',
        nullable: false,
        values: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) + 2n ** 40n),
      },
      {
        name: 'topic',
        type: 'string',
        nullable: false,
        values: Array.from({ length: n }, (_, i) => (i < n / 2 ? 'telemetry' : 'tëlemetry-2')),
      },
    ];
    for (const pagesInFlight of [1, 4, 16]) {
      const { rows, encoded, file } = await writeAndRead(dir, columns, {
        compression: 'gzip',
        pagesInFlight,
        rowGroupRows: 20_000,
      });
      assert.equal(encoded.rowGroups, 2);
      assert.ok(encoded.pages >= 15, `only ${encoded.pages} pages`);
      assertRoundTrip(columns, rows, n);
      // Footer sizes as DuckDB reads them: compressed well below uncompressed, offsets in order.
      const chunks = await connection.runAndReadAll(
        `SELECT compression, total_compressed_size, total_uncompressed_size, data_page_offset
         FROM parquet_metadata(${sql(file)}) ORDER BY row_group_id, column_id`,
      );
      let previous = 0n;
      for (const [codec, compressed, uncompressed, offset] of chunks.getRows()) {
        assert.equal(codec, 'GZIP');
        assert.ok((compressed as bigint) < (uncompressed as bigint));
        assert.ok((offset as bigint) > previous);
        previous = offset as bigint;
      }
      assert.ok(encoded.bytes.length < 10 * 1024 * 1024, `${encoded.bytes.length} bytes`);
    }
    // Two files encoded at once share the page buffers and the thread pool.
    const [a, b] = await Promise.all([
      encodeParquet(columns, { compression: 'gzip' }),
      encodeParquet(columns.slice(1), { compression: 'gzip' }),
    ]);
    assert.ok(a.bytes.equals(encodeParquetSync(columns, { compression: 'gzip' }).bytes));
    assert.ok(b.bytes.equals(encodeParquetSync(columns.slice(1), { compression: 'gzip' }).bytes));
  });
});

describe('appendRows through the encoder', () => {
  const schema: TableSchema = {
    fields: [
      { name: 'id', type: 'long', nullable: false },
      { name: 'x', type: 'double' },
      { name: 'name', type: 'string' },
      { name: 'ts', type: 'timestamp' },
      { name: 'part', type: 'string' },
    ],
  };

  test('Delta statistics per file follow the stats rules', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, schema, { partitionColumns: ['part'] });
    t.after(() => table.close());
    const long = 'ü'.repeat(40);
    const result = await table.appendRows({
      numRows: 6,
      columns: {
        id: new BigInt64Array([3n, 1n, 2n, 9n, 8n, 7n]),
        x: [1.5, NaN, -2, Infinity, -Infinity, 4],
        name: ['b', 'a😀', 'a\uffff', long, null, 'zz'],
        ts: [1_500n, null, 2_999n, 5_000_000n, null, null],
        part: ['p', 'p', 'p', 'q', 'q', 'q'],
      },
    });
    assert.ok(result.status === 'committed');
    const stats = Object.fromEntries(
      result.files.map((file) => [file.partitionValues['part'] ?? '', decodeStats(file.stats)]),
    );
    assert.deepEqual(stats['p'], {
      numRecords: 3,
      // A NaN makes the maximum unknown (NaN sorts last); the minimum stands.
      minValues: { id: 1, x: -2, name: 'a\uffff', ts: '1970-01-01T00:00:00.001Z' },
      maxValues: { id: 3, name: 'b', ts: '1970-01-01T00:00:00.002Z' },
      nullCount: { id: 0, x: 0, name: 0, ts: 1 },
    });
    assert.deepEqual(stats['q'], {
      numRecords: 3,
      // Infinities are not JSON numbers: no bound; a string maximum beyond 32 characters
      // would have to be truncated below the real one: no bound.
      minValues: { id: 7, name: 'zz', ts: '1970-01-01T00:00:05.000Z' },
      maxValues: { id: 9, ts: '1970-01-01T00:00:05.000Z' },
      nullCount: { id: 0, x: 0, name: 1, ts: 2 },
    });
    const back = await readTable(await table.snapshot(), { orderBy: 'id' });
    assert.deepEqual(
      back.map((row) => row['name']),
      ['a😀', 'a\uffff', 'b', 'zz', null, long],
    );
  });

  test('the pitwall.parquet.compression property picks the codec', async (t) => {
    const dir = await tempDir(t);
    const table = await DeltaTable.create(dir, schema, {
      configuration: { 'pitwall.parquet.compression': 'gzip' },
    });
    t.after(() => table.close());
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      id: BigInt(i),
      x: i / 3,
      name: `name ${i % 10}`,
      ts: BigInt(i) * 1000n,
      part: 'p',
    }));
    const result = await table.appendRows(rows);
    assert.ok(result.status === 'committed');
    const file = result.files[0]?.path ?? '';
    assert.match(file, /^part-[0-9a-f-]{36}\.gz\.parquet$/);
    const codec = await connection.runAndReadAll(
      `SELECT DISTINCT compression FROM parquet_metadata(${sql(path.join(dir, file))})`,
    );
    assert.deepEqual(codec.getRows(), [['GZIP']]);
    const back = await readTable(await table.snapshot(), { orderBy: 'id' });
    assert.equal(back.length, 1000);
    assert.equal(back[999]?.['name'], 'name 9');

    // An unknown codec is refused where the table is created or its properties set; a table
    // another tool left with one still opens and reads, and only appends are refused.
    const bad = { 'pitwall.parquet.compression': 'brotli' };
    await assert.rejects(
      DeltaTable.create(path.join(dir, 'bad'), schema, { configuration: bad }),
      (error: unknown) =>
        error instanceof LakeDataError &&
        /pitwall\.parquet\.compression: 'brotli'/.test(error.message),
    );
    await assert.rejects(table.setProperties(bad), LakeDataError);
    const other = path.join(dir, 'other');
    (await DeltaTable.create(other, schema)).close();
    // As a foreign writer could leave it: the property edited into the first commit.
    const commit = path.join(other, '_delta_log', '00000000000000000000.json');
    const text = await readFile(commit, 'utf8');
    await writeFile(
      commit,
      text.replace('"configuration":{}', `"configuration":${JSON.stringify(bad)}`),
    );
    const foreign = await DeltaTable.open(other);
    try {
      assert.equal((await foreign.snapshot()).version, 0);
      await assert.rejects(
        foreign.appendRows(rows.slice(0, 1)),
        (error: unknown) =>
          error instanceof LakeDataError &&
          /pitwall\.parquet\.compression: 'brotli'/.test(error.message),
      );
    } finally {
      foreign.close();
    }
  });
});

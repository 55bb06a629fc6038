// Test tables shared by the interop tests: every Pitwall column type with its edge values.
import type { LakeRow, TableSchema } from '../../src/lake/index.js';
import { canonicalRows, type CanonicalRow } from './canonical.js';

/** Every Pitwall column type, partitioned by a string and a date column. */
export const EDGE_SCHEMA: TableSchema = {
  fields: [
    { name: 'id', type: 'long', nullable: false },
    { name: 'region', type: 'string' },
    { name: 'event_date', type: 'date' },
    { name: 'label', type: 'string' },
    { name: 'big', type: 'long' },
    { name: 'small', type: 'integer' },
    { name: 'reading', type: 'double' },
    { name: 'flag', type: 'boolean' },
    { name: 'ts', type: 'timestamp' },
    { name: 'born', type: 'date' },
    { name: 'payload', type: 'binary' },
  ],
};
export const EDGE_PARTITIONS = ['region', 'event_date'];

const BYTES_0_255 = Uint8Array.from({ length: 256 }, (_, i) => i);

/** Rows with the edge values of every type; `batch` shifts ids so appends differ. */
export function edgeRows(batch: number): LakeRow[] {
  const labels = ['', 'plain', 'ünïcödé ✓ 🚗', 'tab\tnew\nline "quoted" \\', 'x'.repeat(100), null];
  const regions = ['eu-west', 'a/b=c%d', 'space and: colon', 'ünï', '', null];
  const longs = [0n, 1n, -1n, 9_007_199_254_740_993n, 2n ** 63n - 1n, -(2n ** 63n), null];
  const ints = [0, 1, -1, 2_147_483_647, -2_147_483_648, null];
  const doubles = [
    0,
    -0,
    1.5,
    -2.25e-308,
    1.7976931348623157e308,
    0.1,
    NaN,
    Infinity,
    -Infinity,
    null,
  ];
  const timestamps = [
    0n,
    1_735_689_600_123_456n, // 2025-01-01T00:00:00.123456Z
    -1n, // one microsecond before the epoch
    -62_135_596_800_000_000n, // 0001-01-01T00:00:00Z
    253_402_300_799_999_999n, // 9999-12-31T23:59:59.999999Z
    null,
  ];
  const dates = ['2025-01-01', '1969-12-31', '0001-01-01', '9999-12-31', '2000-02-29', null];
  const payloads = [new Uint8Array(0), BYTES_0_255, new Uint8Array([0xff, 0, 0x7b]), null];
  const rows: LakeRow[] = [];
  const n = 60;
  for (let i = 0; i < n; i++) {
    const pick = <T>(values: readonly T[], k = i): T => values[k % values.length] as T;
    rows.push({
      id: BigInt(batch * 1000 + i),
      region: pick(regions, i + batch),
      event_date: pick(['2025-01-01', '2025-01-02', '1999-12-31'], Math.floor(i / 3)),
      label: pick(labels),
      big: pick(longs),
      small: pick(ints),
      reading: pick(doubles),
      flag: pick([true, false, null]),
      ts: pick(timestamps),
      born: pick(dates),
      payload: pick(payloads),
    });
  }
  return rows;
}

/** What the rows read back as: an empty string partition value is null (Delta's rule). */
export function expectedEdgeRows(rows: readonly LakeRow[]): CanonicalRow[] {
  return canonicalRows(EDGE_SCHEMA.fields, rows).map((row) => ({
    ...row,
    region: row.region === '' ? null : (row.region ?? null),
  }));
}

/** A column of every partitionable type (all but binary) partitions this table. */
export const PARTITION_TYPES_SCHEMA: TableSchema = {
  fields: [
    { name: 'p_string', type: 'string' },
    { name: 'p_long', type: 'long' },
    { name: 'p_integer', type: 'integer' },
    { name: 'p_double', type: 'double' },
    { name: 'p_boolean', type: 'boolean' },
    { name: 'p_timestamp', type: 'timestamp' },
    { name: 'p_date', type: 'date' },
    { name: 'n', type: 'long', nullable: false },
  ],
};
export const PARTITION_TYPES_COLUMNS = PARTITION_TYPES_SCHEMA.fields
  .map((f) => f.name)
  .filter((name) => name.startsWith('p_'));

/** Rows whose partition values include nulls, extremes and text that needs escaping. */
export function partitionTypeRows(): LakeRow[] {
  const values = {
    p_string: ['a b', '100%', 'x/y', 'ü', '__HIVE_DEFAULT_PARTITION__x', null],
    p_long: [0n, -(2n ** 63n), 2n ** 63n - 1n, 9_007_199_254_740_993n, null],
    p_integer: [-2_147_483_648, 2_147_483_647, 0, null],
    p_double: [1.5, -2.5e-300, 1e21, 0.1, NaN, Infinity, -Infinity, -0, 0, null],
    p_boolean: [true, false, null],
    p_timestamp: [0n, 1_735_689_600_123_456n, -1n, 1_735_689_600_000_000n, null],
    p_date: ['2025-01-01', '1969-12-31', '0001-01-01', '9999-12-31', null],
  } as const;
  const rows: LakeRow[] = [];
  for (let i = 0; i < 24; i++) {
    const row: Record<string, LakeRow[string]> = { n: BigInt(i) };
    for (const [name, list] of Object.entries(values)) {
      row[name] = list[i % list.length] ?? null;
    }
    rows.push(row);
  }
  return rows;
}

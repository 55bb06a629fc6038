// The interop suite's one check: a table version read by Pitwall, delta-rs and Spark gives
// the same version, schema, partition columns, file count and rows (as a multiset), and
// delta-rs parses Pitwall's per-file statistics to the same numbers. Adding a table to the
// suite is writing it and calling `assertPeersRead(peer, location)`.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import {
  DeltaTable,
  decodeStats,
  readTable,
  type Snapshot,
  type StatValue,
} from '../../src/lake/index.js';
import { assertSameRows, canonicalRows, canonicalScalar, type CanonicalRow } from './canonical.js';
import { DeltaPeer, PEER_ENGINES, type PeerEngine, type PeerRead } from './peer.js';

export { DeltaPeer, skipUnlessInterop, type PeerEngine } from './peer.js';
export { canonicalRows, type CanonicalRow } from './canonical.js';

/**
 * One peer process for the enclosing `describe`: started by the first test that asks for it
 * and closed after the suite. When the peers are not installed, every test that asks fails
 * with the reason (under CI=true; elsewhere `skipUnlessInterop` skips the suite).
 *
 * @example
 * describe('bronze in Spark', { skip: skipUnlessInterop }, () => {
 *   const peer = sharedPeer();
 *   test('reads', async (t) => {
 *     await assertPeersRead(await peer(), dir);
 *   });
 * });
 */
export function sharedPeer(): () => Promise<DeltaPeer> {
  let started: Promise<DeltaPeer> | undefined;
  after(async () => {
    const peer = await started?.catch(() => undefined);
    await peer?.close();
  });
  return () => (started ??= DeltaPeer.start());
}

export interface PeerCheckOptions {
  /** A table version to time-travel to; default the latest. */
  readonly version?: number;
  /** Default both. */
  readonly engines?: readonly PeerEngine[];
  /**
   * The rows the table should hold, in canonical form (what the test wrote). Checked against
   * Pitwall's own read as well, so a bug Pitwall's writer and reader share cannot hide.
   */
  readonly expectedRows?: readonly CanonicalRow[];
}

/** Pitwall's canonical view of a snapshot. */
export async function pitwallRows(snapshot: Snapshot): Promise<CanonicalRow[]> {
  return canonicalRows(snapshot.schema.fields, await readTable(snapshot));
}

/** A statistics bound as Pitwall wrote it → the canonical form delta-rs's parsed bound has. */
function statBound(snapshot: Snapshot, column: string, value: StatValue): unknown {
  const field = snapshot.schema.fields.find((f) => f.name === column);
  if (field === undefined) return value;
  switch (field.type) {
    // Stats keep timestamps to the millisecond; delta-rs hands them over in microseconds.
    case 'timestamp':
      return canonicalScalar('timestamp', new Date(value.toString()));
    // decodeStats parses longs as doubles: compare as doubles (exact up to 2^53).
    case 'long':
      return Number(value);
    default:
      return canonicalScalar(field.type, value);
  }
}

/**
 * A timestamp partition value in either form the protocol allows (PROTOCOL.md, "Partition
 * Value Serialization"): ISO 8601 in UTC, or `YYYY-MM-DD hh:mm:ss[.ffffff]`, taken as UTC
 * here (the suite runs every engine in UTC) → canonical ISO with microseconds.
 */
function timestampPartitionCanonical(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z?$/.exec(text);
  if (match === null) return text;
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(6, '0')}Z`;
}

/** Partition values as the log has them (text) → canonical values, for a typed comparison. */
function partitionValuesCanonical(
  snapshot: Snapshot,
  values: Readonly<Record<string, string | null>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(values)) {
    const type = snapshot.schema.fields.find((f) => f.name === name)?.type;
    if (text === null || type === undefined) {
      out[name] = text;
      continue;
    }
    switch (type) {
      case 'long':
        out[name] = BigInt(text).toString();
        break;
      case 'integer':
      case 'double':
        out[name] = canonicalScalar(type, Number(text));
        break;
      case 'boolean':
        out[name] = text === 'true';
        break;
      case 'timestamp':
        out[name] = timestampPartitionCanonical(text);
        break;
      default:
        out[name] = text;
    }
  }
  return out;
}

/** delta-rs parsed every file's statistics and partition values to what Pitwall wrote. */
function assertStatsParsed(snapshot: Snapshot, read: PeerRead): void {
  const byPath = new Map((read.files ?? []).map((file) => [file.path, file]));
  for (const add of snapshot.files) {
    const file = byPath.get(decodeURIComponent(add.path)) ?? byPath.get(add.path);
    assert.ok(file, `delta-rs lists no file ${add.path}; it has ${[...byPath.keys()].join(', ')}`);
    assert.deepEqual(
      file.partitionValues,
      partitionValuesCanonical(snapshot, add.partitionValues),
      `partition values of ${add.path}`,
    );
    const stats = decodeStats(add.stats);
    if (stats === undefined) continue;
    const where = `delta-rs statistics of ${add.path}`;
    assert.equal(file.stats.numRecords, stats.numRecords, `${where}: numRecords`);
    for (const [column, count] of Object.entries(stats.nullCount)) {
      assert.equal(file.stats.nullCount?.[column], count, `${where}: nullCount.${column}`);
    }
    for (const [bucket, bounds] of [
      ['min', stats.minValues],
      ['max', stats.maxValues],
    ] as const) {
      for (const [column, bound] of Object.entries(bounds)) {
        const parsed: unknown = file.stats[bucket]?.[column];
        const field = snapshot.schema.fields.find((f) => f.name === column);
        assert.deepEqual(
          field?.type === 'long' ? Number(parsed) : parsed,
          statBound(snapshot, column, bound),
          `${where}: ${bucket}.${column}`,
        );
      }
    }
  }
}

/**
 * Asserts delta-rs and Spark read the table at `location` (latest version or
 * `options.version`) exactly as Pitwall does: version, column names, types and
 * nullability, partition columns, number of active files and every row.
 *
 * @example
 * await table.appendRows(rows);
 * await assertPeersRead(peer, dir, { expectedRows: canonicalRows(schema.fields, rows) });
 */
export async function assertPeersRead(
  peer: DeltaPeer,
  location: string,
  options: PeerCheckOptions = {},
): Promise<void> {
  const table = await DeltaTable.open(location);
  try {
    const snapshot = await table.snapshot(options.version);
    const fields = snapshot.schema.fields;
    const columns = fields.map((f) => f.name);
    const ours = await pitwallRows(snapshot);
    const at = `${location}@v${snapshot.version}`;
    if (options.expectedRows !== undefined) {
      assertSameRows(columns, ours, options.expectedRows, `Pitwall read of ${at}`);
    }
    for (const engine of options.engines ?? PEER_ENGINES) {
      const read = await peer.read(engine, location, { version: options.version });
      const what = `${engine} read of ${at}`;
      assert.equal(read.version, snapshot.version, `${what}: version`);
      assert.deepEqual(
        read.schema.map((f) => [f.name, f.type]),
        fields.map((f) => [f.name, f.type]),
        `${what}: column names and types`,
      );
      assert.deepEqual(
        read.schema.map((f) => f.nullable),
        fields.map((f) => f.nullable ?? true),
        `${what}: nullability`,
      );
      assert.deepEqual(read.partitionColumns, snapshot.partitionColumns, `${what}: partitions`);
      assert.equal(read.numFiles, snapshot.files.length, `${what}: active files`);
      assert.equal(read.numRows, read.rows.length, `${what}: row count`);
      assertSameRows(columns, read.rows, ours, what);
      if (engine === 'delta-rs') assertStatsParsed(snapshot, read);
    }
  } finally {
    table.close();
  }
}

/**
 * Asserts a filtered read gives the same rows in every engine as filtering Pitwall's rows
 * with `keep`. Engines prune files with partition values and statistics first, so this
 * catches statistics that exclude rows they hold (PROTOCOL.md, "Per-file Statistics").
 */
export async function assertPeersFilter(
  peer: DeltaPeer,
  location: string,
  filter: { readonly where: string; readonly keep: (row: CanonicalRow) => boolean },
  options: { readonly engines?: readonly PeerEngine[] } = {},
): Promise<void> {
  const table = await DeltaTable.open(location);
  try {
    const snapshot = await table.snapshot();
    const columns = snapshot.schema.fields.map((f) => f.name);
    const expected = (await pitwallRows(snapshot)).filter(filter.keep);
    assert.ok(expected.length > 0, `filter ${filter.where} keeps no rows: not a useful check`);
    for (const engine of options.engines ?? PEER_ENGINES) {
      const read = await peer.read(engine, location, { where: filter.where });
      assertSameRows(
        columns,
        read.rows,
        expected,
        `${engine} read of ${location} where ${filter.where}`,
      );
    }
  } finally {
    table.close();
  }
}

// Table properties (the metaData `configuration` map) that Pitwall understands.
import { LakeDataError, LakeUnsupportedError } from '../errors.js';
import { PARQUET_COMPRESSIONS, type ParquetCompression } from './parquet/index.js';

export const TABLE_PROPERTY_DEFAULTS = {
  'delta.checkpointInterval': '10',
  'delta.appendOnly': 'false',
  'delta.dataSkippingNumIndexedCols': '32',
  'delta.deletedFileRetentionDuration': 'interval 1 week',
  'delta.logRetentionDuration': 'interval 30 days',
} as const satisfies Record<string, string>;

type KnownProperty = keyof typeof TABLE_PROPERTY_DEFAULTS;

/** Table property choosing the codec of the data files `appendRows` writes. */
export const COMPRESSION_PROPERTY = 'pitwall.parquet.compression';

/** Pitwall's own table properties and their defaults. */
export const PITWALL_PROPERTY_DEFAULTS = {
  [COMPRESSION_PROPERTY]: 'uncompressed',
} as const satisfies Record<string, ParquetCompression>;

const KNOWN = new Set<string>(Object.keys(TABLE_PROPERTY_DEFAULTS));

const UNIT_MS: Readonly<Record<string, number>> = {
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** Parses Delta's calendar-interval strings such as `interval 1 week` or `interval 30 days`. */
export function parseIntervalMs(text: string): number | undefined {
  const match = /^\s*interval\s+(\d+)\s+([a-z]+?)s?\s*$/i.exec(text);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  const unit = UNIT_MS[match[2].toLowerCase()];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

function property(config: Readonly<Record<string, string>>, key: KnownProperty): string {
  return config[key] ?? TABLE_PROPERTY_DEFAULTS[key];
}

/** Commits between checkpoints (`delta.checkpointInterval`, default 10). */
export function checkpointInterval(config: Readonly<Record<string, string>>): number {
  const value = Number(property(config, 'delta.checkpointInterval'));
  return Number.isInteger(value) && value > 0 ? value : 10;
}

/** `delta.appendOnly`: no commit may remove data (PROTOCOL.md, "Append-only Tables"). */
export function isAppendOnly(config: Readonly<Record<string, string>>): boolean {
  return property(config, 'delta.appendOnly').toLowerCase() === 'true';
}

/** How many leading data columns get min/max/nullCount statistics; -1 means all. */
export function statsColumnLimit(config: Readonly<Record<string, string>>): number {
  const value = Number(property(config, 'delta.dataSkippingNumIndexedCols'));
  return Number.isInteger(value) && value >= -1 ? value : 32;
}

/** The codec of new data files (`pitwall.parquet.compression`); LakeDataError if unknown. */
export function parquetCompression(config: Readonly<Record<string, string>>): ParquetCompression {
  const value = config[COMPRESSION_PROPERTY] ?? PITWALL_PROPERTY_DEFAULTS[COMPRESSION_PROPERTY];
  if (!(PARQUET_COMPRESSIONS as readonly string[]).includes(value)) {
    throw new LakeDataError(
      `configuration.${COMPRESSION_PROPERTY}: '${value}' is not one of ${PARQUET_COMPRESSIONS.join(', ')}`,
    );
  }
  return value as ParquetCompression;
}

/** How long remove tombstones stay in checkpoints. */
export function tombstoneRetentionMs(config: Readonly<Record<string, string>>): number {
  return (
    parseIntervalMs(property(config, 'delta.deletedFileRetentionDuration')) ?? UNIT_MS.week ?? 0
  );
}

/**
 * Checks a configuration before it is committed: values are strings, Pitwall's known
 * `delta.*` keys and `pitwall.parquet.compression` hold valid values, and `delta.*` keys that
 * switch on features Pitwall does not implement (deletion vectors, column mapping, change data
 * feed…) are refused. (`DeltaTable.open` checks the codec of an existing table too.)
 */
export function validateConfiguration(
  config: Readonly<Record<string, unknown>>,
): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string') {
      throw new LakeDataError(`configuration.${key}: table properties must be strings`);
    }
    if (key.startsWith('delta.') && !KNOWN.has(key)) {
      throw new LakeUnsupportedError(
        `configuration.${key}: Pitwall does not implement this Delta table property (known: ${[...KNOWN].join(', ')})`,
      );
    }
    out[key] = value;
  }
  const interval = out['delta.checkpointInterval'];
  if (interval !== undefined && !(Number.isInteger(Number(interval)) && Number(interval) > 0)) {
    throw new LakeDataError(
      `configuration.delta.checkpointInterval: '${interval}' is not a positive integer`,
    );
  }
  const appendOnly = out['delta.appendOnly'];
  if (appendOnly !== undefined && !/^(true|false)$/i.test(appendOnly)) {
    throw new LakeDataError(`configuration.delta.appendOnly: '${appendOnly}' is not true or false`);
  }
  const indexed = out['delta.dataSkippingNumIndexedCols'];
  if (indexed !== undefined && !(Number.isInteger(Number(indexed)) && Number(indexed) >= -1)) {
    throw new LakeDataError(
      `configuration.delta.dataSkippingNumIndexedCols: '${indexed}' is not an integer >= -1`,
    );
  }
  parquetCompression(out);
  for (const key of ['delta.deletedFileRetentionDuration', 'delta.logRetentionDuration'] as const) {
    const text = out[key];
    if (text !== undefined && parseIntervalMs(text) === undefined) {
      throw new LakeDataError(`configuration.${key}: '${text}' is not like 'interval 7 days'`);
    }
  }
  return out;
}

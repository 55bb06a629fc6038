// JS values of each column type: what writes accept, the canonical form Pitwall keeps
// internally, and the text forms Delta uses in partition values and statistics.
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBTimestampTZValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import { LakeDataError } from '../errors.js';
import type { LakeType } from './schema.js';

/**
 * Values a write accepts, by column type:
 * string → string; long → bigint or safe-integer number; integer → 32-bit integer number;
 * double → number; boolean → boolean; timestamp → Date or bigint microseconds since the
 * Unix epoch (UTC); date → 'YYYY-MM-DD' string or Date (its UTC calendar day);
 * binary → Uint8Array.
 */
export type LakeValue = string | number | bigint | boolean | Date | Uint8Array;

/**
 * The canonical form of a non-null value: bigint for long and timestamp (microseconds),
 * number of days since 1970-01-01 for date, and the input itself for the others.
 */
export type CanonicalValue = string | number | bigint | boolean | Uint8Array;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MS_PER_DAY = 86_400_000;

function describe(value: unknown): string {
  if (value instanceof Date) return 'a Date';
  if (value instanceof Uint8Array) return 'a Uint8Array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value;
}

function reject(where: string, type: LakeType, value: unknown, expected: string): never {
  throw new LakeDataError(`${where}: a ${type} column needs ${expected}, got ${describe(value)}`);
}

/** 'YYYY-MM-DD' → days since the epoch, or undefined when not a real calendar date. */
export function parseDateDays(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00.000Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) return undefined;
  return ms / MS_PER_DAY;
}

/** Converts an accepted input value to its canonical form, or throws LakeDataError. */
export function canonicalValue(type: LakeType, value: unknown, where: string): CanonicalValue {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : reject(where, type, value, 'a string');
    case 'long':
      if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) return value;
      if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
      return reject(where, type, value, 'a 64-bit integer (bigint or safe integer number)');
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && (value | 0) === value
        ? value
        : reject(where, type, value, 'a 32-bit integer number');
    case 'double':
      return typeof value === 'number' ? value : reject(where, type, value, 'a number');
    case 'boolean':
      return typeof value === 'boolean' ? value : reject(where, type, value, 'a boolean');
    case 'timestamp':
      if (value instanceof Date && !Number.isNaN(value.getTime())) {
        return BigInt(value.getTime()) * 1000n;
      }
      if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) return value;
      return reject(where, type, value, 'a valid Date or bigint microseconds since the epoch');
    case 'date': {
      if (value instanceof Date && !Number.isNaN(value.getTime())) {
        return Math.floor(value.getTime() / MS_PER_DAY);
      }
      const days = typeof value === 'string' ? parseDateDays(value) : undefined;
      return days ?? reject(where, type, value, "a 'YYYY-MM-DD' string or a Date");
    }
    case 'binary':
      return value instanceof Uint8Array ? value : reject(where, type, value, 'a Uint8Array');
  }
}

/** The DuckDB value for a canonical value of a column type. */
export function toDuckDbValue(type: LakeType, value: CanonicalValue): DuckDBValue {
  switch (type) {
    case 'timestamp':
      return new DuckDBTimestampTZValue(value as bigint);
    case 'date':
      return new DuckDBDateValue(value as number);
    case 'binary':
      return new DuckDBBlobValue(value as Uint8Array);
    default:
      return value as string | number | bigint | boolean;
  }
}

/** Floor division of microseconds into milliseconds (correct before 1970 too). */
function floorMillis(micros: bigint): bigint {
  const ms = micros / 1000n;
  return micros < 0n && ms * 1000n !== micros ? ms - 1n : ms;
}

/** `1970-01-01T00:00:00.123456Z` */
export function microsToIso(micros: bigint): string {
  const ms = floorMillis(micros);
  const sub = micros - ms * 1000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, -1)}${sub.toString().padStart(3, '0')}Z`;
}

/** `1970-01-01T00:00:00.123Z`: statistics keep timestamps to the millisecond (PROTOCOL.md). */
export function microsToIsoMillis(micros: bigint): string {
  return new Date(Number(floorMillis(micros))).toISOString();
}

/** `YYYY-MM-DD` for days since the epoch. */
export function daysToIsoDate(days: number): string {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * The partition value string (PROTOCOL.md, "Partition Value Serialization"). Timestamps use
 * the recommended ISO 8601 UTC form; an empty string is a null partition value.
 */
export function partitionValueString(type: LakeType, value: CanonicalValue | null): string | null {
  if (value === null) return null;
  switch (type) {
    case 'timestamp':
      return microsToIso(value as bigint);
    case 'date':
      return daysToIsoDate(value as number);
    case 'string':
      return value === '' ? null : (value as string);
    case 'double':
      // String(-0) is '0': keep the sign, as Spark's Double.toString does ('-0.0').
      return Object.is(value, -0) ? '-0.0' : String(value);
    default:
      return String(value);
  }
}

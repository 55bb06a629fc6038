// Per-file statistics (PROTOCOL.md, appendix "Per-file Statistics"), stored as a JSON string
// in each add action: numRecords, and per column minValues, maxValues and nullCount.
import type { LakeType } from './schema.js';

/** A bound as it appears in stats JSON: numbers (bigint for longs) or strings. */
export type StatValue = number | bigint | string;

export interface FileStats {
  readonly numRecords: number;
  readonly minValues: Readonly<Record<string, StatValue>>;
  readonly maxValues: Readonly<Record<string, StatValue>>;
  readonly nullCount: Readonly<Record<string, number>>;
}

/** Spark and delta-rs keep this many leading characters of string bounds. */
export const STRING_PREFIX_LENGTH = 32;

/** Types that get min/max bounds (booleans and binary get only nullCount, as in Spark). */
export function hasBounds(type: LakeType): boolean {
  return type !== 'boolean' && type !== 'binary';
}

/**
 * Truncates a string bound. A prefix is still a valid minimum; a truncated maximum would be
 * below the real one, so for a long maximum the bound is dropped (absent = no information).
 */
export function stringBound(value: string, kind: 'min' | 'max'): string | undefined {
  const chars = Array.from(value);
  if (chars.length <= STRING_PREFIX_LENGTH) return value;
  return kind === 'min' ? chars.slice(0, STRING_PREFIX_LENGTH).join('') : undefined;
}

function jsonValue(value: StatValue): string {
  // Longs are written as exact JSON numbers, beyond what a double could hold.
  return typeof value === 'bigint' ? value.toString() : JSON.stringify(value);
}

function jsonObject(entries: Readonly<Record<string, StatValue>>): string {
  return `{${Object.entries(entries)
    .map(([key, value]) => `${JSON.stringify(key)}:${jsonValue(value)}`)
    .join(',')}}`;
}

/** The stats JSON string for an add action. */
export function encodeStats(stats: FileStats): string {
  return (
    `{"numRecords":${stats.numRecords},"minValues":${jsonObject(stats.minValues)},` +
    `"maxValues":${jsonObject(stats.maxValues)},"nullCount":${jsonObject(stats.nullCount)}}`
  );
}

/** Parses an add action's stats (long bounds beyond 2^53 lose precision here). */
export function decodeStats(stats: string | undefined): FileStats | undefined {
  if (stats === undefined) return undefined;
  try {
    const parsed = JSON.parse(stats) as Partial<FileStats>;
    if (typeof parsed.numRecords !== 'number') return undefined;
    return {
      numRecords: parsed.numRecords,
      minValues: parsed.minValues ?? {},
      maxValues: parsed.maxValues ?? {},
      nullCount: parsed.nullCount ?? {},
    };
  } catch {
    return undefined;
  }
}

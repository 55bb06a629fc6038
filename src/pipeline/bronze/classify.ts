// A cheap shape check of message values, so bronze can count hostile input at full speed
// without parsing JSON (silver parses and validates for real).
import { isUtf8 } from 'node:buffer';

export const VALUE_CLASSES = ['schema_v1', 'other_json', 'not_json', 'empty'] as const;
export type ValueClass = (typeof VALUE_CLASSES)[number];

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** The simulator's events start with this field (telemetry/encode.ts). */
const V1_PREFIX = Buffer.from('{"schema_version":1,');
const V1_FIELD = Buffer.from('"schema_version":1');
/** How far into a value to look for the schema version when it is not the first field. */
const SCAN_BYTES = 512;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function startsWith(value: Uint8Array, prefix: Uint8Array): boolean {
  if (value.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (value[i] !== prefix[i]) return false;
  return true;
}

/**
 * - `empty`: no bytes;
 * - `schema_v1`: looks like a JSON object (braces at both ends, valid UTF-8) with
 *   `"schema_version":1` as its first field or within its first 512 bytes;
 * - `other_json`: looks like a JSON object or array otherwise (another or no schema version);
 * - `not_json`: anything else (text, binary, invalid UTF-8, truncated JSON).
 * It looks at the ends and a prefix only, so a value can pass that a parser would refuse.
 */
export function classifyValue(value: Uint8Array): ValueClass {
  const n = value.length;
  if (n === 0) return 'empty';
  let start = 0;
  let end = n - 1;
  while (start < end && isSpace(value[start]!)) start++;
  while (end > start && isSpace(value[end]!)) end--;
  const first = value[start];
  const last = value[end];
  const object = first === OPEN_BRACE && last === CLOSE_BRACE;
  if (!object && !(first === OPEN_BRACKET && last === CLOSE_BRACKET)) return 'not_json';
  if (!isUtf8(value)) return 'not_json';
  if (!object) return 'other_json';
  if (start === 0 && startsWith(value, V1_PREFIX)) return 'schema_v1';
  const head = Buffer.from(value.buffer, value.byteOffset, Math.min(n, SCAN_BYTES));
  const at = head.indexOf(V1_FIELD);
  if (at >= 0) {
    const next = head[at + V1_FIELD.length];
    // `"schema_version":12` is not version 1.
    if (next === undefined || next === 0x2c || next === CLOSE_BRACE || isSpace(next))
      return 'schema_v1';
  }
  return 'other_json';
}

// One JSON form for a row, whoever read or wrote it, so Pitwall's rows and the peers' rows
// compare exactly (scripts/interop/delta_peer.py produces the same form):
//   long → decimal string; double → number or 'NaN' / 'Infinity' / '-Infinity' / '-0.0';
//   timestamp → ISO 8601 UTC with microseconds; date → 'YYYY-MM-DD'; binary → base64.
import assert from 'node:assert/strict';
import type { LakeField, LakeType, LakeValue, ReadValue } from '../../src/lake/index.js';
import { canonicalValue, daysToIsoDate, microsToIso } from '../../src/lake/values.js';

export type CanonicalScalar = string | number | boolean | null;
export type CanonicalRow = Readonly<Record<string, CanonicalScalar>>;

function canonicalDouble(value: number): CanonicalScalar {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '-0.0';
  return value;
}

/** A value as written (LakeValue) or as read back (ReadValue) → its canonical JSON form. */
export function canonicalScalar(
  type: LakeType,
  value: LakeValue | ReadValue | null | undefined,
): CanonicalScalar {
  if (value === null || value === undefined) return null;
  // A read-back date is already 'YYYY-MM-DD'; everything else goes through Pitwall's own
  // input canonicalisation, so written and read values meet in one form.
  const plain = canonicalValue(type, value, 'value');
  switch (type) {
    case 'long':
      return (plain as bigint).toString();
    case 'double':
      return canonicalDouble(plain as number);
    case 'timestamp':
      return microsToIso(plain as bigint);
    case 'date':
      return daysToIsoDate(plain as number);
    case 'binary':
      return Buffer.from(plain as Uint8Array).toString('base64');
    default:
      return plain as string | number | boolean;
  }
}

/** Rows (written or read) → canonical rows with every schema column, in schema order. */
export function canonicalRows(
  fields: readonly LakeField[],
  rows: readonly Readonly<Record<string, LakeValue | ReadValue | null | undefined>>[],
): CanonicalRow[] {
  return rows.map((row) => {
    const out: Record<string, CanonicalScalar> = {};
    for (const field of fields) out[field.name] = canonicalScalar(field.type, row[field.name]);
    return out;
  });
}

/** One text per row, keys in schema order, sorted: two tables are equal as multisets iff equal. */
function rowTexts(columns: readonly string[], rows: readonly CanonicalRow[]): string[] {
  return rows
    .map((row) => JSON.stringify(columns.map((name) => (name in row ? row[name] : '<absent>'))))
    .sort();
}

/**
 * Asserts two row multisets are equal. On a mismatch the message shows the counts and the
 * first rows only one side has, not a diff of thousands of lines.
 */
export function assertSameRows(
  columns: readonly string[],
  actual: readonly CanonicalRow[],
  expected: readonly CanonicalRow[],
  what: string,
): void {
  const left = rowTexts(columns, actual);
  const right = rowTexts(columns, expected);
  const counts = new Map<string, number>();
  for (const text of right) counts.set(text, (counts.get(text) ?? 0) + 1);
  const extra: string[] = [];
  for (const text of left) {
    const n = counts.get(text) ?? 0;
    if (n === 0) extra.push(text);
    else counts.set(text, n - 1);
  }
  const missing = [...counts].flatMap(([text, n]) => Array<string>(n).fill(text));
  if (extra.length === 0 && missing.length === 0) return;
  assert.fail(
    `${what}: ${left.length} rows read, ${right.length} expected; ` +
      `${extra.length} unexpected, ${missing.length} missing. Columns ${JSON.stringify(columns)}\n` +
      `unexpected (first 5):\n  ${extra.slice(0, 5).join('\n  ')}\n` +
      `missing (first 5):\n  ${missing.slice(0, 5).join('\n  ')}`,
  );
}

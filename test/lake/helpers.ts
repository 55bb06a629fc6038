// Shared pieces of the lake tests: temporary table folders, a telemetry-like schema, rows.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { LakeRow, TableSchema } from '../../src/lake/index.js';

/** A fresh folder removed when the test ends. */
export async function tempDir(t: TestContext, name = 'lake'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `pitwall-${name}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A schema with every Pitwall column type. */
export const ALL_TYPES_SCHEMA: TableSchema = {
  fields: [
    { name: 'event_id', type: 'long', nullable: false },
    { name: 'vehicle_id', type: 'string' },
    { name: 'speed_kmh', type: 'double' },
    { name: 'gear', type: 'integer' },
    { name: 'braking', type: 'boolean' },
    { name: 'ts', type: 'timestamp' },
    { name: 'event_date', type: 'date' },
    { name: 'payload', type: 'binary' },
  ],
};

/** `count` rows of ALL_TYPES_SCHEMA, ids from `firstId`; every 7th row has nulls. */
export function sampleRows(count: number, firstId = 0): LakeRow[] {
  const rows: LakeRow[] = [];
  for (let i = 0; i < count; i++) {
    const id = firstId + i;
    const sparse = id % 7 === 3;
    rows.push({
      event_id: BigInt(id),
      vehicle_id: sparse ? null : `VH-${String(id % 5).padStart(4, '0')}`,
      speed_kmh: sparse ? null : (id % 50) * 2.5,
      gear: sparse ? null : (id % 6) + 1,
      braking: sparse ? null : id % 3 === 0,
      ts: 1_735_689_600_000_000n + BigInt(id) * 100_123n,
      event_date: id % 2 === 0 ? '2025-01-01' : '2025-01-02',
      payload: sparse ? null : new Uint8Array([id & 0xff, (id >> 8) & 0xff, 0x7b]),
    });
  }
  return rows;
}

/** The rows as readTable returns them (canonical forms, nulls explicit). */
export function expectedRead(rows: readonly LakeRow[]): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const field of ALL_TYPES_SCHEMA.fields) {
      const value = row[field.name] ?? null;
      out[field.name] =
        value instanceof Date
          ? BigInt(value.getTime()) * 1000n
          : value === undefined
            ? null
            : value;
    }
    return out;
  });
}

/** Every data file under a table folder, relative to it, skipping `_delta_log`. */
export async function dataFilesOnDisk(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((file) => !file.startsWith('_delta_log/'))
    .sort();
}

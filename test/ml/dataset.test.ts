import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { DeltaTable } from '../../src/lake/index.js';
import { buildDataset, splitSessions } from '../../src/ml/dataset/index.js';
import { runMain } from '../cli/helpers.js';
import { GOLD_TABLES, goldSchema } from '../../src/pipeline/gold/index.js';
import { FEATURES } from '../../src/pipeline/gold/feature-spec.js';

const LABELS = ['aggressive', 'cautious', 'eco', 'normal'];

function uuid(i: number): string {
  return `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

/** A gold table with `perLabel` sessions of each label (rows: 5 + i % 3) and one unlabelled session. */
async function goldLake(t: TestContext, perLabel: number): Promise<string> {
  const lake = await mkdtemp(path.join(tmpdir(), 'pitwall-dataset-'));
  t.after(() => rm(lake, { recursive: true, force: true }));
  const gold = await DeltaTable.create(path.join(lake, GOLD_TABLES.features), goldSchema());
  const rows: Record<string, unknown>[] = [];
  let session = 0;
  const add = (label: string | null, n: number): void => {
    const id = uuid(session++);
    for (let w = 0; w < n; w++) {
      const row: Record<string, unknown> = {
        session_id: id,
        vehicle_id: `car-${session}`,
        window_end: new Date(Date.UTC(2026, 0, 1, 0, 0, 10 + w)),
        window_seconds: 10,
        sample_count: 100n,
        label,
      };
      FEATURES.forEach((f, k) => (row[f.name] = k === 0 ? null : session * 10 + w + k / 100));
      rows.push(row);
    }
  };
  for (const label of LABELS) for (let i = 0; i < perLabel; i++) add(label, 5 + (i % 3));
  add(null, 4);
  await gold.appendRows(rows as never);
  gold.close();
  return lake;
}

async function readParquet(
  file: string,
): Promise<{ sessions: Set<string>; rows: number; columns: string[] }> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const reader = await c.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
    const columns = reader.columnNames();
    const at = columns.indexOf('session_id');
    const rows = reader.getRows();
    return { sessions: new Set(rows.map((r) => String(r[at]))), rows: rows.length, columns };
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

describe('ml dataset', () => {
  it('splits by session, stratified by label, with no session in both sets', async (t) => {
    const lake = await goldLake(t, 10);
    const out = path.join(lake, 'ds');
    const { manifest, files, reused } = await buildDataset({
      lakeRoot: lake,
      outDir: out,
      seed: 7,
    });
    assert.equal(reused, false);
    const train = await readParquet(files.train);
    const test = await readParquet(files.test);
    for (const id of test.sessions)
      assert.ok(!train.sessions.has(id), `session ${id} leaked into both sets`);
    assert.equal(train.sessions.size + test.sessions.size, 40, 'unlabelled session left out');
    for (const label of LABELS) {
      assert.equal(manifest.splits.test.classes[label]?.sessions, 2, `20% of 10 ${label} sessions`);
      assert.equal(manifest.splits.train.classes[label]?.sessions, 8);
    }
    assert.equal(manifest.splits.train.rows, train.rows);
    assert.equal(manifest.splits.test.rows, test.rows);
    assert.deepEqual(manifest.unlabeled, { rows: 4, sessions: 1 });
    assert.equal(manifest.features.length, FEATURES.length);
    assert.deepEqual(train.columns.slice(-1), ['label']);
    assert.ok(!manifest.features.includes('label'), 'the label is never a feature');
    const first = manifest.featureStats[0];
    assert.equal(first?.count, 0, 'an all-null feature has count 0');
    assert.equal(first?.nulls, train.rows);
    const second = manifest.featureStats[1];
    assert.ok(
      second !== undefined && second.min !== null && second.max !== null && second.min < second.max,
    );
    assert.equal(manifest.source.version, 1, 'gold v1: created at v0, rows appended at v1');
    const onDisk = JSON.parse(await readFile(files.manifest, 'utf8')) as { seed: number };
    assert.equal(onDisk.seed, 7);
  });

  it('is deterministic from the seed and independent of session order', () => {
    const sessions = Array.from({ length: 50 }, (_, i) => ({
      sessionId: uuid(i),
      label: LABELS[i % 4] ?? '',
    }));
    const a = splitSessions(sessions, 3, 0.2);
    const b = splitSessions([...sessions].reverse(), 3, 0.2);
    assert.deepEqual([...a].sort(), [...b].sort());
    const c = splitSessions(sessions, 4, 0.2);
    assert.notDeepEqual([...a].sort(), [...c].sort(), 'another seed gives another split');
    const single = splitSessions([{ sessionId: uuid(1), label: 'eco' }], 3, 0.2);
    assert.equal(single.get(uuid(1)), 'train', 'a lone session of a label trains');
  });

  it('reuses a dataset built from the same gold version and seed, and rebuilds with --force', async (t) => {
    const lake = await goldLake(t, 3);
    const out = path.join(lake, 'ds');
    const first = await buildDataset({ lakeRoot: lake, outDir: out });
    const again = await buildDataset({ lakeRoot: lake, outDir: out });
    assert.equal(again.reused, true);
    assert.deepEqual(again.manifest, first.manifest);
    const forced = await buildDataset({ lakeRoot: lake, outDir: out, force: true });
    assert.equal(forced.reused, false);
    assert.deepEqual(forced.manifest, first.manifest, 'same gold and seed give the same dataset');
  });

  it('refuses gold it cannot split, and a lake without gold, with one-line errors', async (t) => {
    const lake = await goldLake(t, 1);
    await assert.rejects(
      buildDataset({ lakeRoot: lake, outDir: path.join(lake, 'ds') }),
      /single session/,
    );
    await assert.rejects(
      buildDataset({ lakeRoot: path.join(lake, 'nowhere'), outDir: path.join(lake, 'ds') }),
      /no gold table at .*pitwall pipeline run/,
    );
    await assert.rejects(
      buildDataset({ lakeRoot: lake, outDir: 'x', testFraction: 1 }),
      /between 0 and 1/,
    );
  });

  it('pitwall ml dataset prints the split and validates its options', async (t) => {
    const lake = await goldLake(t, 5);
    const out = path.join(lake, 'ds');
    const ok = await runMain([
      'ml',
      'dataset',
      '--lake',
      lake,
      '--out',
      out,
      '--seed',
      '1',
      '--quiet',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /aggressive\s+4\s+\d+\s+1\s+\d+/);
    const bad = await runMain(['ml', 'dataset', '--lake', lake, '--test-fraction', '1.5']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--test-fraction must be a number between 0.01 and 0.99/);
  });
});

// Incremental gold: a run recomputes only the sessions with new silver telemetry or a new
// label, leaves every other session's rows as they were, gives the rows a full recompute
// gives, and a rerun with nothing new changes nothing. A rebuilt silver recomputes all.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  DeltaTable,
  DuckDbEngine,
  readTable,
  type LakeRow,
  type LakeValue,
  type ReadRow,
} from '../../src/lake/index.js';
import { goldLayer } from '../../src/pipeline/gold/index.js';
import { GOLD_APP_IDS, GOLD_TABLES } from '../../src/pipeline/gold/schema.js';
import type { LayerResult, PipelineContext } from '../../src/pipeline/layer.js';
import { SILVER_TABLE_SPECS } from '../../src/pipeline/silver/schema.js';
import { SIGNALS } from '../../src/telemetry/signals.js';
import { T0_US } from './gold-support.js';

/** Silver rows of `session` at 10 Hz for seconds [from, from + seconds), with a rpm ramp. */
function telemetry(session: string, from: number, seconds: number, offset = 0): LakeRow[] {
  const rows: LakeRow[] = [];
  for (let k = from * 10; k < (from + seconds) * 10; k++) {
    const timeUs = BigInt(T0_US + k * 100_000 + offset);
    const row: Record<string, LakeValue | null> = {
      event_date: '2026-01-05',
      session_id: session,
      vehicle_id: `VH-${session}`,
      seq: k + 1,
      event_id: `${session}-${k}`,
      event_time: timeUs,
      bronze_topic: 'telemetry',
      bronze_partition: 0,
      bronze_offset: k,
      ingest_time: timeUs,
    };
    for (const s of SIGNALS) row[s.name] = s.name === 'gear' ? 3 : null;
    row.engine_rpm = 1500 + session.charCodeAt(0) * 10 + (k % 17) * 3;
    row.speed_kmh = 40 + (k % 23);
    rows.push(row);
  }
  return rows;
}

function session(id: string, profile: string | null): LakeRow {
  return {
    session_id: id,
    vehicle_id: `VH-${id}`,
    driver_profile: profile,
    telemetry_events: 0,
    duplicate_events: 0,
  };
}

interface Lake {
  readonly root: string;
  readonly engine: DuckDbEngine;
  readonly telemetry: DeltaTable;
  readonly sessions: DeltaTable;
}

async function lake(t: TestContext): Promise<Lake> {
  const root = await mkdtemp(path.join(tmpdir(), 'pitwall-gold-incremental-'));
  const engine = new DuckDbEngine({ threads: 1 });
  const create = (spec: (typeof SILVER_TABLE_SPECS)['telemetry']) =>
    DeltaTable.create(path.join(root, spec.path), spec.schema, {
      engine,
      partitionColumns: spec.partitionColumns,
    });
  const telemetry = await create(SILVER_TABLE_SPECS.telemetry);
  const sessions = await create(SILVER_TABLE_SPECS.sessions);
  t.after(async () => {
    telemetry.close();
    sessions.close();
    engine.close();
    await rm(root, { recursive: true, force: true });
  });
  return { root, engine, telemetry, sessions };
}

function runGold(l: Lake, fullRefresh = false): Promise<LayerResult> {
  const context: PipelineContext = {
    lakeRoot: l.root,
    engine: l.engine,
    fullRefresh,
    runId: 'test',
    progress: () => undefined,
    signal: new AbortController().signal,
  };
  return goldLayer.run(context);
}

async function goldRows(l: Lake): Promise<ReadRow[]> {
  const gold = await DeltaTable.open(path.join(l.root, GOLD_TABLES.features), {
    engine: l.engine,
  });
  try {
    return await readTable(await gold.snapshot(), {
      engine: l.engine,
      orderBy: 'session_id, window_end',
    });
  } finally {
    gold.close();
  }
}

async function goldSnapshot(l: Lake) {
  const gold = await DeltaTable.open(path.join(l.root, GOLD_TABLES.features), {
    engine: l.engine,
  });
  try {
    return await gold.snapshot();
  } finally {
    gold.close();
  }
}

const of = (rows: readonly ReadRow[], id: string): ReadRow[] =>
  rows.filter((r) => r.session_id === id);

/** Replaces a table's rows (remove, then append: two commits, as a rewrite looks to gold). */
async function replaceRows(table: DeltaTable, rows: readonly LakeRow[]): Promise<void> {
  await table.removeFiles((await table.snapshot()).files.map((f) => f.path));
  await table.appendRows(rows);
}

test('gold recomputes only touched sessions, matches a full recompute, reruns change nothing', async (t) => {
  const l = await lake(t);
  await l.telemetry.appendRows([...telemetry('A', 0, 30), ...telemetry('B', 0, 20)]);
  await l.sessions.appendRows([session('A', 'eco'), session('B', null)]);
  const first = await runGold(l);
  assert.equal(first.upToDate, false);
  assert.match(first.notes?.join(' ') ?? '', /full recompute .*no gold yet/);
  const initial = await goldRows(l);
  assert.equal(initial.length, 50);
  const initialFiles = (await goldSnapshot(l)).files.map((f) => f.path);

  // A new session C: A and B are not recomputed, their file stays, C gets a file of its own.
  await l.telemetry.appendRows(telemetry('C', 5, 15));
  const second = await runGold(l);
  assert.equal(second.upToDate, false);
  assert.match(
    second.notes?.join(' ') ?? '',
    /1 touched sessions recomputed.*0 of 1 gold files rewritten/,
  );
  assert.equal(second.rowsIn, 150, 'silver rows read: C only');
  assert.equal(second.rowsOut, 15, 'gold rows written: C only');
  const afterC = await goldRows(l);
  assert.deepEqual(of(afterC, 'A'), of(initial, 'A'));
  assert.deepEqual(of(afterC, 'B'), of(initial, 'B'));
  assert.equal(of(afterC, 'C').length, 15);
  const snapshotC = await goldSnapshot(l);
  assert.deepEqual(
    snapshotC.files.map((f) => f.path).filter((p) => initialFiles.includes(p)),
    initialFiles,
    'the file of A and B is untouched',
  );
  assert.equal(snapshotC.files.length, 2);
  assert.equal(snapshotC.txnVersion(GOLD_APP_IDS.telemetry), await l.telemetry.latestVersion());

  // Nothing new: nothing changes.
  const rerun = await runGold(l);
  assert.equal(rerun.upToDate, true);
  assert.equal((await goldSnapshot(l)).version, snapshotC.version);

  // Late and new rows for A (some inside windows already emitted): A is recomputed; B's rows
  // are copied unchanged out of the file A shared with it.
  await l.telemetry.appendRows([...telemetry('A', 30, 10), ...telemetry('A', 12, 1, 50_000)]);
  const third = await runGold(l);
  assert.match(
    third.notes?.join(' ') ?? '',
    /1 touched sessions recomputed.*1 of 2 gold files rewritten/,
  );
  const afterA = await goldRows(l);
  assert.deepEqual(of(afterA, 'B'), of(initial, 'B'));
  assert.deepEqual(of(afterA, 'C'), of(afterC, 'C'));
  assert.equal(of(afterA, 'A').length, 40);
  assert.notDeepEqual(of(afterA, 'A').slice(0, 30), of(initial, 'A'), 'late rows changed A');

  // A new label for B only: B's rows change label, nothing else moves.
  await replaceRows(l.sessions, [session('A', 'eco'), session('B', 'aggressive')]);
  const fourth = await runGold(l);
  assert.match(fourth.notes?.join(' ') ?? '', /1 touched sessions recomputed/);
  const relabelled = await goldRows(l);
  assert.ok(of(relabelled, 'B').every((r) => r.label === 'aggressive'));
  assert.deepEqual(
    of(relabelled, 'B').map((r) => ({ ...r, label: null })),
    of(afterA, 'B').map((r) => ({ ...r, label: null })),
  );
  assert.deepEqual(of(relabelled, 'A'), of(afterA, 'A'));
  assert.deepEqual(of(relabelled, 'C'), of(afterA, 'C'));

  // The incremental result is exactly what a full recompute gives.
  const full = await runGold(l, true);
  assert.match(full.notes?.join(' ') ?? '', /full recompute .*full refresh/);
  assert.deepEqual(await goldRows(l), relabelled);
  assert.equal((await goldSnapshot(l)).files.length, 1);
});

test('silver rebuilt (files removed) makes gold recompute everything', async (t) => {
  const l = await lake(t);
  await l.telemetry.appendRows([...telemetry('A', 0, 20), ...telemetry('B', 0, 20)]);
  await runGold(l);
  // Silver rewritten without B (a full refresh of silver that lost a session's rows).
  await replaceRows(l.telemetry, telemetry('A', 0, 20));
  const rebuilt = await runGold(l);
  assert.match(rebuilt.notes?.join(' ') ?? '', /full recompute .*rewritten/);
  const rows = await goldRows(l);
  assert.deepEqual([...new Set(rows.map((r) => r.session_id))], ['A']);
  assert.equal(rows.length, 20);
});

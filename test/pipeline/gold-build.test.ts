// The gold layer on real Delta tables: silver telemetry and sessions in a temporary lake,
// gold written by DuckDB and committed with the silver versions it consumed; reruns are
// idempotent, new silver rebuilds it, a full refresh gives the same rows.
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
} from '../../src/lake/index.js';
import { goldLayer } from '../../src/pipeline/gold/index.js';
import { GOLD_APP_IDS, GOLD_TABLES } from '../../src/pipeline/gold/schema.js';
import type { PipelineContext } from '../../src/pipeline/layer.js';
import { SILVER_TABLE_SPECS } from '../../src/pipeline/silver/schema.js';
import { SIGNALS } from '../../src/telemetry/signals.js';
import { T0_US } from './gold-support.js';

async function lake(t: TestContext): Promise<{ root: string; engine: DuckDbEngine }> {
  const root = await mkdtemp(path.join(tmpdir(), 'pitwall-gold-'));
  const engine = new DuckDbEngine({ threads: 2 });
  t.after(async () => {
    engine.close();
    await rm(root, { recursive: true, force: true });
  });
  return { root, engine };
}

function telemetryRows(session: string, fromSecond: number, seconds: number): LakeRow[] {
  const rows: LakeRow[] = [];
  for (let k = fromSecond * 10; k < (fromSecond + seconds) * 10; k++) {
    const timeUs = BigInt(T0_US + k * 100_000);
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
    row.engine_rpm = 2000 + (k % 10);
    row.speed_kmh = 50;
    rows.push(row);
  }
  return rows;
}

function context(root: string, engine: DuckDbEngine, fullRefresh = false): PipelineContext {
  return {
    lakeRoot: root,
    engine,
    fullRefresh,
    runId: 'test',
    progress: () => undefined,
    signal: new AbortController().signal,
  };
}

async function createSilver(root: string, engine: DuckDbEngine) {
  const open = async (spec: (typeof SILVER_TABLE_SPECS)['telemetry']) =>
    DeltaTable.create(path.join(root, spec.path), spec.schema, {
      engine,
      partitionColumns: spec.partitionColumns,
    });
  return {
    telemetry: await open(SILVER_TABLE_SPECS.telemetry),
    sessions: await open(SILVER_TABLE_SPECS.sessions),
  };
}

test('gold layer: features and labels into a Delta table, idempotent, rebuilt on new silver', async (t) => {
  const { root, engine } = await lake(t);
  const silver = await createSilver(root, engine);
  t.after(() => {
    silver.telemetry.close();
    silver.sessions.close();
  });
  await silver.telemetry.appendRows([...telemetryRows('A', 0, 20), ...telemetryRows('B', 0, 5)]);
  await silver.sessions.appendRows([
    {
      session_id: 'A',
      vehicle_id: 'VH-A',
      driver_profile: 'aggressive',
      telemetry_events: 200,
      duplicate_events: 0,
    },
  ]);

  const first = await goldLayer.run(context(root, engine));
  assert.equal(first.upToDate, false);
  assert.equal(first.rowsIn, 250);
  assert.equal(first.rowsOut, 25);
  const gold = await DeltaTable.open(path.join(root, GOLD_TABLES.features), { engine });
  t.after(() => gold.close());
  const snapshot = await gold.snapshot();
  assert.equal(snapshot.txnVersion(GOLD_APP_IDS.telemetry), await silver.telemetry.latestVersion());
  assert.equal(snapshot.txnVersion(GOLD_APP_IDS.sessions), await silver.sessions.latestVersion());
  const rows = await readTable(snapshot, { engine, orderBy: 'session_id, window_end' });
  assert.equal(rows.length, 25);
  const a = rows.filter((r) => r.session_id === 'A');
  assert.equal(a.length, 20);
  assert.ok(a.every((r) => r.label === 'aggressive'));
  assert.ok(rows.filter((r) => r.session_id === 'B').every((r) => r.label === null));
  assert.equal(a[15]!.window_seconds, 10);
  assert.equal(a[15]!.sample_count, 100n);
  assert.equal(a[15]!.rpm_mean, 2004.5);
  assert.equal(a[15]!.speed_std, 0);
  assert.equal(a[0]!.window_end, BigInt(T0_US + 1_000_000));
  assert.ok(
    snapshot.files.every((f) => f.stats !== undefined && f.stats.includes('"numRecords":25')),
  );

  // No new silver: nothing changes.
  const again = await goldLayer.run(context(root, engine));
  assert.equal(again.upToDate, true);
  assert.equal(await gold.latestVersion(), snapshot.version);

  // New silver rows for A: gold is recomputed, A's windows extend, old files replaced.
  await silver.telemetry.appendRows(telemetryRows('A', 20, 5));
  const third = await goldLayer.run(context(root, engine));
  assert.equal(third.upToDate, false);
  assert.equal(third.rowsOut, 30);
  const after = await gold.snapshot();
  assert.equal(after.files.length, 1);
  const rebuilt = await readTable(after, { engine, orderBy: 'session_id, window_end' });

  // A full refresh rebuilds the same rows.
  const refreshed = await goldLayer.run(context(root, engine, true));
  assert.equal(refreshed.upToDate, false);
  const same = await readTable(await gold.snapshot(), {
    engine,
    orderBy: 'session_id, window_end',
  });
  assert.deepEqual(same, rebuilt);
});

test('gold layer without silver fails with a pipeline error', async (t) => {
  const { root, engine } = await lake(t);
  await assert.rejects(goldLayer.run(context(root, engine)), { code: 'PITWALL_ERR_PIPELINE' });
});

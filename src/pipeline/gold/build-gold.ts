// Builds the gold feature table from silver: the generated SQL runs in DuckDB over the
// active silver files, DuckDB writes the Parquet into the gold table folder, and one Delta
// commit replaces the previous gold files and records the silver versions consumed.
//
// A run that sees new silver recomputes only the touched sessions (new telemetry rows or a
// new label, incremental.ts) from all their silver rows, and rewrites the gold files holding
// them: their other sessions' rows are copied unchanged, in the same commit. A full refresh,
// or silver rebuilt, recomputes everything (docs/pipeline.md, "Gold", "Incremental runs").
import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  activeFilePaths,
  commitStaged,
  copyQueryToTable,
  DeltaTable,
  scanSql,
  snapshotWithFiles,
  type DuckDbEngine,
  type Snapshot,
  type StagedParquet,
} from '../../lake/index.js';
import { PipelineError, TableNotFoundError } from '../../errors.js';
import { SILVER_TABLES } from '../silver/schema.js';
import { quoteLiteral } from '../../lake/schema.js';
import type { LayerResult, PipelineContext, PipelineLayer } from '../layer.js';
import { DqGate, type DqOptions } from '../dq/gate.js';
import type { ExpectationOutcome } from '../dq/model.js';
import { snapshotColumnsSql } from '../dq/scan.js';
import { FEATURES, type FeatureSpec } from './feature-spec.js';
import { GOLD_APP_IDS, GOLD_TABLES, goldSchema } from './schema.js';
import { planGold, touchedSessionsSql, type GoldPlan } from './incremental.js';
import { goldFeaturesSql } from './sql.js';

export interface BuildGoldOptions {
  readonly engine: DuckDbEngine;
  /** The silver telemetry snapshot to compute from. */
  readonly telemetry: Snapshot;
  /** The silver sessions snapshot (labels); without it every label is null. */
  readonly sessions?: Snapshot;
  /** The gold table to replace. */
  readonly gold: DeltaTable;
  /** Recompute even when gold already holds these silver versions. */
  readonly force?: boolean;
  readonly features?: readonly FeatureSpec[];
  /**
   * Runs on the written, not yet committed files (the data-quality gate); when it throws,
   * the files are removed and nothing is committed.
   */
  readonly beforeCommit?: (staged: StagedParquet, base: Snapshot) => Promise<void>;
}

export interface BuildGoldResult {
  /** False when gold already held these silver versions and nothing was written. */
  readonly built: boolean;
  readonly silverRows: number;
  readonly goldRows: number;
  readonly goldVersion: number;
  /** One line on what was recomputed (full, or which sessions), for the run summary. */
  readonly note?: string;
}

/** Columns the gold SQL reads from silver telemetry. */
const TELEMETRY_COLUMNS = ['session_id', 'vehicle_id', 'event_time'];

/** A view of silver telemetry: the active files straight from read_parquet (no partition join). */
export function telemetryViewSql(snapshot: Snapshot): string {
  if (snapshot.files.length === 0) return scanSql(snapshot);
  const signals = snapshot.schema.fields
    .map((f) => f.name)
    .filter((name) => !TELEMETRY_COLUMNS.includes(name) && name !== 'event_date');
  const files = activeFilePaths(snapshot).map(quoteLiteral).join(', ');
  const columns = [...TELEMETRY_COLUMNS, ...signals].join(', ');
  return `SELECT ${columns} FROM read_parquet([${files}], union_by_name = true)`;
}

const NO_SESSIONS =
  'SELECT CAST(NULL AS VARCHAR) AS session_id, CAST(NULL AS VARCHAR) AS driver_profile WHERE false';

/**
 * Recomputes gold from a silver snapshot and replaces the gold table's files in one commit.
 *
 * @example
 * const result = await buildGold({ engine, telemetry: await silver.snapshot(), gold });
 */
export async function buildGold(options: BuildGoldOptions): Promise<BuildGoldResult> {
  const { engine, telemetry, sessions, gold } = options;
  const base = await gold.snapshot();
  const done =
    (base.txnVersion(GOLD_APP_IDS.telemetry) ?? -1) >= telemetry.version &&
    (base.txnVersion(GOLD_APP_IDS.sessions) ?? -1) >= (sessions?.version ?? -1);
  if (done && !options.force) {
    return {
      built: false,
      silverRows: 0,
      goldRows: base.numRecords ?? 0,
      goldVersion: base.version,
    };
  }
  const plan: GoldPlan = options.force
    ? { kind: 'full', reason: 'full refresh' }
    : await planGold(base, telemetry, sessions);
  const sql = goldFeaturesSql({ features: options.features ?? FEATURES });
  // What this run replaces: every gold file, or the files holding a touched session.
  let replaced: Snapshot = base;
  let silverRows = telemetry.numRecords ?? 0;
  let touched: number | undefined;
  const staged = await engine.withConnection(async (connection) => {
    const telemetryView = telemetryViewSql(telemetry);
    const sessionsView = sessions === undefined ? NO_SESSIONS : scanSql(sessions);
    let query = sql;
    try {
      if (plan.kind === 'full') {
        await connection.run(`CREATE OR REPLACE TEMP VIEW silver_telemetry AS ${telemetryView}`);
      } else {
        // Touched sessions are recomputed from all their silver rows; the other rows of the
        // gold files that hold a touched session are copied as they are.
        await connection.run(
          `CREATE OR REPLACE TEMP TABLE gold_touched AS ${touchedSessionsSql(plan, sessions)}`,
        );
        touched = Number(
          (await connection.runAndReadAll('SELECT count(*) FROM gold_touched')).getRows()[0]?.[0],
        );
        const inTouched = 'session_id IN (SELECT session_id FROM gold_touched)';
        await connection.run(
          `CREATE OR REPLACE TEMP VIEW silver_telemetry AS SELECT * FROM (${telemetryView}) WHERE ${inTouched}`,
        );
        const holding = await connection.runAndReadAll(
          `SELECT DISTINCT filename FROM read_parquet([${activeFilePaths(base).map(quoteLiteral).join(', ')}], filename = true) WHERE ${inTouched}`,
        );
        const files = new Set(holding.getRows().map((row) => String(row[0])));
        const paths = activeFilePaths(base);
        replaced = snapshotWithFiles(
          base,
          base.files.filter((_, k) => files.has(paths[k]!)),
        );
        silverRows = Number(
          (
            await connection.runAndReadAll('SELECT count(*) FROM silver_telemetry')
          ).getRows()[0]?.[0],
        );
        if (replaced.files.length > 0) {
          const kept = activeFilePaths(replaced).map(quoteLiteral).join(', ');
          query = `SELECT * FROM (${sql}) UNION ALL BY NAME SELECT * FROM read_parquet([${kept}]) WHERE NOT ${inTouched}`;
        }
      }
      await connection.run(`CREATE OR REPLACE TEMP VIEW silver_sessions AS ${sessionsView}`);
      return await copyQueryToTable(connection, base, query);
    } finally {
      await connection.run(
        'DROP VIEW IF EXISTS silver_telemetry; DROP VIEW IF EXISTS silver_sessions; DROP TABLE IF EXISTS gold_touched',
      );
    }
  });
  if (options.beforeCommit !== undefined) {
    try {
      await options.beforeCommit(staged, base);
    } catch (error) {
      const written = activeFilePaths(snapshotWithFiles(base, staged.adds));
      await Promise.all(written.map((file) => rm(file, { force: true })));
      throw error;
    }
  }
  const txns: { appId: string; version: number }[] = [
    { appId: GOLD_APP_IDS.telemetry, version: telemetry.version },
  ];
  if (sessions !== undefined)
    txns.push({ appId: GOLD_APP_IDS.sessions, version: sessions.version });
  // `replaced` is `base` restricted to the files this run rewrites: they are removed in the
  // same commit that adds the new ones and records the silver versions.
  const commit = await commitStaged(gold, replaced, staged, { txns, replace: true });
  return {
    built: true,
    silverRows,
    goldRows: staged.numRecords,
    goldVersion: commit.version,
    note:
      plan.kind === 'full'
        ? `full recompute of silver telemetry v${telemetry.version} (${plan.reason})`
        : `${touched ?? 0} touched sessions recomputed from silver telemetry v${telemetry.version}, ` +
          `${replaced.files.length} of ${base.files.length} gold files rewritten`,
  };
}

async function openIfExists(
  location: string,
  engine: DuckDbEngine,
): Promise<DeltaTable | undefined> {
  try {
    return await DeltaTable.open(location, { engine });
  } catch (error) {
    if (error instanceof TableNotFoundError) return undefined;
    throw error;
  }
}

export interface GoldLayerOptions {
  /** The data-quality gate's suites (default: the shipped `expectations/`). */
  readonly dq?: DqOptions;
}

/**
 * The gold layer of `pitwall pipeline run`. The suites on gold/features judge the new gold
 * files before they are committed; a failed critical expectation leaves gold unpublished.
 */
export function createGoldLayer(options: GoldLayerOptions = {}): PipelineLayer {
  return { name: 'gold', run: (context) => runGold(context, options) };
}

export const goldLayer: PipelineLayer = createGoldLayer();

async function runGold(context: PipelineContext, options: GoldLayerOptions): Promise<LayerResult> {
  const { engine, lakeRoot } = context;
  const gate = DqGate.open(context, options.dq);
  const silver = await openIfExists(path.join(lakeRoot, SILVER_TABLES.telemetry), engine);
  if (silver === undefined) {
    throw new PipelineError(
      `gold needs the silver telemetry table at ${path.join(lakeRoot, SILVER_TABLES.telemetry)}: run the silver layer first`,
    );
  }
  const sessionsTable = await openIfExists(path.join(lakeRoot, SILVER_TABLES.sessions), engine);
  const gold = await DeltaTable.openOrCreate(
    path.join(lakeRoot, GOLD_TABLES.features),
    goldSchema(),
    {
      engine,
      description:
        'Gold: 10-second window features per session and second, with the driver-profile label',
    },
  );
  try {
    const telemetry = await silver.snapshot();
    const sessions = await sessionsTable?.snapshot();
    context.signal.throwIfAborted();
    context.progress(`10 s windows over silver telemetry v${telemetry.version}`);
    let outcomes: ExpectationOutcome[] = [];
    const result = await buildGold({
      engine,
      telemetry,
      sessions,
      gold,
      force: context.fullRefresh,
      beforeCommit: async (staged, base) => {
        const written = snapshotWithFiles(base, staged.adds);
        outcomes = await engine.withConnection((connection) =>
          gate.evaluate(connection, {
            table: GOLD_TABLES.features,
            tableVersion: base.version,
            schema: goldSchema(),
            tableSql: (columns) => snapshotColumnsSql(written, columns),
          }),
        );
        await gate.stopIfCritical(
          outcomes,
          'gold',
          `gold/features stays at version ${base.version} (nothing published)`,
        );
      },
    });
    const notes = result.built
      ? [`gold: ${result.note ?? `full recompute of silver telemetry v${telemetry.version}`}`]
      : [];
    if (result.built) {
      await gate.record(outcomes.map((o) => ({ ...o, tableVersion: result.goldVersion })));
      const docsProblem = await gate.writeDocs();
      if (docsProblem !== undefined) {
        notes.push(docsProblem);
        context.progress(docsProblem);
      }
    }
    const expectations = gate.summary();
    return {
      rowsIn: result.silverRows,
      rowsOut: result.goldRows,
      quarantined: 0,
      duplicates: 0,
      upToDate: !result.built,
      ...(expectations === undefined ? {} : { expectations }),
      tables: { [GOLD_TABLES.features]: result.goldVersion },
      notes,
    };
  } finally {
    silver.close();
    sessionsTable?.close();
    gold.close();
  }
}

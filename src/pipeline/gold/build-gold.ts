// Builds the gold feature table from silver: the generated SQL runs in DuckDB over the
// active silver files, DuckDB writes the Parquet into the gold table folder, and one Delta
// commit replaces the previous gold files and records the silver versions consumed.
//
// Every run that sees new silver recomputes all sessions (a full recompute): a session's
// windows change when late rows arrive, and replacing only its rows needs gold files grouped
// by session, which is the next step once recompute time matters (docs/pipeline.md, "Gold",
// "Incremental runs").
import path from 'node:path';
import {
  activeFilePaths,
  commitStaged,
  copyQueryToTable,
  DeltaTable,
  scanSql,
  type DuckDbEngine,
  type Snapshot,
} from '../../lake/index.js';
import { PipelineError, TableNotFoundError } from '../../errors.js';
import { SILVER_TABLES } from '../silver/schema.js';
import { quoteLiteral } from '../../lake/schema.js';
import type { LayerResult, PipelineContext, PipelineLayer } from '../layer.js';
import { FEATURES, type FeatureSpec } from './feature-spec.js';
import { GOLD_APP_IDS, GOLD_TABLES, goldSchema } from './schema.js';
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
}

export interface BuildGoldResult {
  /** False when gold already held these silver versions and nothing was written. */
  readonly built: boolean;
  readonly silverRows: number;
  readonly goldRows: number;
  readonly goldVersion: number;
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
  const sql = goldFeaturesSql({ features: options.features ?? FEATURES });
  const staged = await engine.withConnection(async (connection) => {
    await connection.run(
      `CREATE OR REPLACE TEMP VIEW silver_telemetry AS ${telemetryViewSql(telemetry)}`,
    );
    await connection.run(
      `CREATE OR REPLACE TEMP VIEW silver_sessions AS ${sessions === undefined ? NO_SESSIONS : scanSql(sessions)}`,
    );
    try {
      return await copyQueryToTable(connection, base, sql);
    } finally {
      await connection.run(
        'DROP VIEW IF EXISTS silver_telemetry; DROP VIEW IF EXISTS silver_sessions',
      );
    }
  });
  const txns: { appId: string; version: number }[] = [
    { appId: GOLD_APP_IDS.telemetry, version: telemetry.version },
  ];
  if (sessions !== undefined)
    txns.push({ appId: GOLD_APP_IDS.sessions, version: sessions.version });
  const commit = await commitStaged(gold, base, staged, { txns, replace: true });
  return {
    built: true,
    silverRows: telemetry.numRecords ?? 0,
    goldRows: staged.numRecords,
    goldVersion: commit.version,
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

/** The gold layer of `pitwall pipeline run`. */
export const goldLayer: PipelineLayer = {
  name: 'gold',
  async run(context: PipelineContext): Promise<LayerResult> {
    const { engine, lakeRoot } = context;
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
      const result = await buildGold({
        engine,
        telemetry,
        sessions,
        gold,
        force: context.fullRefresh,
      });
      return {
        rowsIn: result.silverRows,
        rowsOut: result.goldRows,
        quarantined: 0,
        duplicates: 0,
        upToDate: !result.built,
        tables: { [GOLD_TABLES.features]: result.goldVersion },
        notes: result.built
          ? [`gold: full recompute of silver telemetry v${telemetry.version}`]
          : [],
      };
    } finally {
      silver.close();
      sessionsTable?.close();
      gold.close();
    }
  },
};

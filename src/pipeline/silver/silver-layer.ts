// The silver layer: new bronze rows → parsed, validated, deduplicated silver tables, all in
// DuckDB. One run consumes the bronze versions after the one recorded in the silver tables'
// `pitwall-silver` txn and commits each table with that txn, so output and progress land
// together. See docs/pipeline.md for the contract and the policies.
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { PipelineError, TableNotFoundError } from '../../errors.js';
import {
  DeltaTable,
  commitStaged,
  copyQueryToTable,
  filesAddedSince,
  scanSql,
  snapshotWithFiles,
  type Snapshot,
  type StagedParquet,
} from '../../lake/index.js';
import { BRONZE_TABLE_PATH } from '../bronze/schema.js';
import type { LayerResult, PipelineContext, PipelineLayer } from '../layer.js';
import { SILVER_APP_ID, SILVER_TABLE_SPECS, type SilverTable } from './schema.js';
import { modelSql, parseSql } from './sql.js';

type Tables = Record<SilverTable, DeltaTable>;
type Snapshots = Record<SilverTable, Snapshot>;

const TABLE_KEYS = Object.keys(SILVER_TABLE_SPECS) as SilverTable[];

/** Row counts of one increment; `rowsIn` must equal the sum of the other four. */
export interface SilverCounts {
  readonly rowsIn: number;
  readonly telemetry: number;
  readonly sessionEvents: number;
  readonly quarantined: number;
  readonly duplicates: number;
}

async function openTables(ctx: PipelineContext): Promise<Tables> {
  const opened: Partial<Tables> = {};
  try {
    for (const key of TABLE_KEYS) {
      const spec = SILVER_TABLE_SPECS[key];
      opened[key] = await DeltaTable.openOrCreate(path.join(ctx.lakeRoot, spec.path), spec.schema, {
        engine: ctx.engine,
        partitionColumns: spec.partitionColumns,
        name: spec.path.replace('/', '_'),
        description: spec.description,
      });
    }
    return opened as Tables;
  } catch (error) {
    for (const table of Object.values(opened)) table.close();
    throw error;
  }
}

async function openBronze(ctx: PipelineContext): Promise<DeltaTable> {
  const location = path.join(ctx.lakeRoot, BRONZE_TABLE_PATH);
  try {
    return await DeltaTable.open(location, { engine: ctx.engine });
  } catch (error) {
    if (error instanceof TableNotFoundError) {
      throw new PipelineError(`no bronze table at ${location} (fill it with: pitwall ingest)`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function snapshots(tables: Tables): Promise<Snapshots> {
  const out: Partial<Snapshots> = {};
  for (const key of TABLE_KEYS) out[key] = await tables[key].snapshot();
  return out as Snapshots;
}

/** `CREATE OR REPLACE TEMP VIEW name AS sql`. */
async function view(connection: DuckDBConnection, name: string, sql: string): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP VIEW ${name} AS ${sql}`);
}

async function countOf(connection: DuckDBConnection, sql: string): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*) FROM (${sql})`);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/** Throws PipelineError unless every bronze row of `range` is in exactly one place. */
export function reconcile(counts: SilverCounts, range: string): void {
  const out = counts.telemetry + counts.sessionEvents + counts.quarantined + counts.duplicates;
  if (out !== counts.rowsIn) {
    throw new PipelineError(
      `silver reconciliation failed for bronze ${range}: ${counts.rowsIn} rows in, but ` +
        `${counts.telemetry} telemetry + ${counts.sessionEvents} session events + ` +
        `${counts.quarantined} quarantined + ${counts.duplicates} duplicates = ${out}; nothing was committed`,
    );
  }
}

interface Increment {
  /** Bronze version already consumed (undefined: none, or a full refresh). */
  readonly from: number | undefined;
  readonly to: number;
  readonly fullRefresh: boolean;
}

/** Processes bronze (from, to] and commits the silver tables that are not at `to` yet. */
async function runIncrement(
  ctx: PipelineContext,
  bronze: DeltaTable,
  tables: Tables,
  increment: Increment,
): Promise<SilverCounts> {
  const { from, to, fullRefresh } = increment;
  const range = `v${from ?? -1}..v${to}`;
  const base = await snapshots(tables);
  const target = await bronze.snapshot(to);
  const older = from === undefined ? undefined : await bronze.snapshot(from);
  const newFiles = filesAddedSince(older, target);
  const bronzeNew = snapshotWithFiles(target, newFiles);
  // A table already at `to` committed this range before an interruption: leave it.
  const pending = (key: SilverTable): boolean =>
    fullRefresh || (base[key].txnVersion(SILVER_APP_ID) ?? -1) < to;
  const txns = [{ appId: SILVER_APP_ID, version: to }];

  return ctx.engine.withConnection(async (connection) => {
    const started = performance.now();
    await view(connection, 'bronze_new', scanSql(bronzeNew));
    // Keys silver holds from earlier runs (none when rebuilding).
    const keysOf = (snapshot: Snapshot): string =>
      `SELECT session_id, seq, bronze_topic, bronze_partition, bronze_offset FROM (${scanSql(snapshot)})`;
    await view(
      connection,
      'silver_keys_existing',
      fullRefresh
        ? `${keysOf(base.telemetry)} WHERE false`
        : `${keysOf(base.telemetry)} UNION ALL ${keysOf(base.sessionEvents)}`,
    );
    await view(
      connection,
      'sessions_existing',
      `SELECT * FROM (${scanSql(base.sessions)})${fullRefresh ? ' WHERE false' : ''}`,
    );
    try {
      await connection.run(parseSql());
      await connection.run(modelSql('duplicates'));
      const rowsIn = await countOf(connection, 'SELECT 1 FROM bronze_new');
      const reader = await connection.runAndReadAll(modelSql('reconcile'));
      const [parsed, quarantined, duplicates, telemetry, sessionEvents] = (
        reader.getRows()[0] ?? []
      ).map(Number);
      const counts: SilverCounts = {
        rowsIn,
        telemetry: telemetry ?? 0,
        sessionEvents: sessionEvents ?? 0,
        quarantined: quarantined ?? 0,
        duplicates: duplicates ?? 0,
      };
      if (parsed !== rowsIn) {
        throw new PipelineError(
          `silver reconciliation failed for bronze ${range}: ${rowsIn} rows in, ${String(parsed)} parsed; nothing was committed`,
        );
      }
      reconcile(counts, range);
      ctx.progress(
        `bronze ${range}: ${rowsIn} rows parsed and checked in ${((performance.now() - started) / 1000).toFixed(2)}s`,
      );
      ctx.signal.throwIfAborted();

      const write = async (
        key: SilverTable,
        sql: string,
        expected: number | undefined,
      ): Promise<void> => {
        if (!pending(key)) return;
        const staged: StagedParquet = await copyQueryToTable(connection, base[key], sql);
        if (expected !== undefined && staged.numRecords !== expected) {
          throw new PipelineError(
            `silver reconciliation failed for ${SILVER_TABLE_SPECS[key].path}: wrote ${staged.numRecords} rows, expected ${expected}`,
          );
        }
        await commitStaged(tables[key], base[key], staged, {
          txns,
          replace: fullRefresh || key === 'sessions',
        });
      };
      // Telemetry commits last: its txn is the progress marker other readers look at.
      await write('quarantine', modelSql('quarantine'), counts.quarantined);
      await write('duplicates', modelSql('duplicate_rows'), counts.duplicates);
      await write('sessionEvents', modelSql('session_events'), counts.sessionEvents);
      await view(connection, 'silver_new_telemetry', modelSql('telemetry'));
      await view(
        connection,
        'session_events_all',
        `SELECT * FROM (${scanSql(await tables.sessionEvents.snapshot())})`,
      );
      await write('sessions', modelSql('sessions'), undefined);
      await write('telemetry', modelSql('telemetry'), counts.telemetry);
      ctx.progress(
        `bronze ${range}: ${counts.telemetry} telemetry, ${counts.sessionEvents} session events, ` +
          `${counts.quarantined} quarantined, ${counts.duplicates} duplicates`,
      );
      return counts;
    } finally {
      for (const name of ['silver_parsed', 'silver_dups']) {
        await connection.run(`DROP TABLE IF EXISTS ${name}`);
      }
    }
  });
}

/** Runs silver on `ctx` (see PipelineLayer). */
export async function runSilver(ctx: PipelineContext): Promise<LayerResult> {
  const bronze = await openBronze(ctx);
  let tables: Tables | undefined;
  try {
    tables = await openTables(ctx);
    const totals = { rowsIn: 0, telemetry: 0, sessionEvents: 0, quarantined: 0, duplicates: 0 };
    const notes: string[] = [];
    let fullRefresh = ctx.fullRefresh;
    let upToDate = true;
    // At most two rounds: finishing an interrupted range, then the new bronze versions.
    for (let round = 0; round < 2; round++) {
      const done = TABLE_KEYS.map((key) => (tables as Tables)[key]).map(
        async (table) => (await table.snapshot()).txnVersion(SILVER_APP_ID) ?? -1,
      );
      const versions = await Promise.all(done);
      const low = Math.min(...versions);
      const high = Math.max(...versions);
      const latest = await bronze.latestVersion();
      let increment: Increment;
      if (fullRefresh) {
        increment = { from: undefined, to: latest, fullRefresh: true };
      } else if (low < high) {
        notes.push(`finished interrupted bronze range v${low}..v${high}`);
        increment = { from: low < 0 ? undefined : low, to: high, fullRefresh: false };
      } else if (low < latest) {
        increment = { from: low < 0 ? undefined : low, to: latest, fullRefresh: false };
      } else {
        break;
      }
      ctx.signal.throwIfAborted();
      const counts = await runIncrement(ctx, bronze, tables, increment);
      upToDate = false;
      notes.push(`bronze v${increment.from ?? -1}..v${increment.to}`);
      totals.rowsIn += counts.rowsIn;
      totals.telemetry += counts.telemetry;
      totals.sessionEvents += counts.sessionEvents;
      totals.quarantined += counts.quarantined;
      totals.duplicates += counts.duplicates;
      if (fullRefresh) break;
      fullRefresh = false;
    }
    if (totals.sessionEvents > 0) notes.push(`${totals.sessionEvents} session events`);
    const versions: Record<string, number> = {};
    for (const key of TABLE_KEYS) {
      versions[SILVER_TABLE_SPECS[key].path] = await tables[key].latestVersion();
    }
    return {
      rowsIn: totals.rowsIn,
      rowsOut: totals.telemetry,
      quarantined: totals.quarantined,
      duplicates: totals.duplicates,
      upToDate,
      tables: versions,
      notes,
    };
  } finally {
    if (tables !== undefined) for (const table of Object.values(tables)) table.close();
    bronze.close();
  }
}

export const silverLayer: PipelineLayer = { name: 'silver', run: runSilver };

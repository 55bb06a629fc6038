// The silver layer: new bronze rows → parsed, validated, deduplicated silver tables, all in
// DuckDB. One run consumes the bronze versions after the one recorded in the silver tables'
// `pitwall-silver` txn and commits each table with that txn, so output and progress land
// together. The data-quality gate runs on each increment before anything is committed: rows
// failing quarantine expectations go to quarantine, a failed critical expectation stops the
// run. See docs/pipeline.md and docs/data-quality.md for the contract and the policies.
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
import { DqGate, type DqOptions } from '../dq/gate.js';
import { failingRowsSql, type DqBatch } from '../dq/evaluate.js';
import type { ExpectationOutcome } from '../dq/model.js';
import { snapshotColumnsSql } from '../dq/scan.js';
import { quoteIdentifier } from '../../lake/schema.js';
import type { LayerResult, PipelineContext, PipelineLayer } from '../layer.js';
import {
  SILVER_APP_ID,
  SILVER_TABLE_SPECS,
  SILVER_TABLES,
  TELEMETRY_SCHEMA,
  SESSIONS_SCHEMA,
  type ReasonCode,
  type SilverTable,
} from './schema.js';
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

/** The quarantine reason of rows a quarantine expectation refused (docs/data-quality.md). */
const EXPECTATION_FAILED: ReasonCode = 'expectation_failed';
const COORDINATES = ['bronze_topic', 'bronze_partition', 'bronze_offset'] as const;
const SAME_ROW = COORDINATES.map((c) => `silver_parsed.${c} = r.${c}`).join(' AND ');

/**
 * The data-quality row gate, on the new telemetry rows: every row-level expectation of the
 * telemetry suites in one pass. Rows failing an expectation marked `quarantine` become
 * quarantine rows (reason `expectation_failed`, `fields` = the failed expectations as
 * `suite/id`) and are not judged by the other expectations. This runs before the counts
 * and the writes, so reconciliation sees every row where it ends. Redoing a range whose
 * quarantine is already committed takes the routing from that table instead (the suites
 * may have changed since).
 */
async function rowGate(
  connection: DuckDBConnection,
  gate: DqGate,
  quarantine: Snapshot,
  quarantinePending: boolean,
  tableVersion: number,
): Promise<ExpectationOutcome[]> {
  const set = `reasons = '${EXPECTATION_FAILED}', reason = '${EXPECTATION_FAILED}', fields = r.expectation_ids`;
  if (!quarantinePending) {
    const routed = `SELECT ${COORDINATES.join(', ')}, fields AS expectation_ids FROM (${scanSql(quarantine)}) WHERE reason = '${EXPECTATION_FAILED}'`;
    await connection.run(
      `UPDATE silver_parsed SET ${set} FROM (${routed}) AS r WHERE ${SAME_ROW} AND silver_parsed.reasons = ''`,
    );
  }
  const batch: DqBatch = {
    table: SILVER_TABLES.telemetry,
    tableVersion,
    schema: TELEMETRY_SCHEMA,
    tableSql: 'SELECT * FROM silver_new_telemetry',
  };
  const entries = gate
    .quarantineExpectations(SILVER_TABLES.telemetry)
    .flatMap(({ suite, expectations }) =>
      expectations.map((expectation) => ({
        label: `${suite.name}/${expectation.id}`,
        expectation,
      })),
    );
  const labels = new Set(entries.map((entry) => entry.label));
  const outcomes = (
    await gate.evaluate(connection, batch, {
      only: (e) => e.scope === 'row' && (quarantinePending || !e.quarantine),
      routeQuarantine: true,
    })
  ).map((o) => (labels.has(`${o.suite}/${o.id}`) ? { ...o, quarantined: o.unexpectedCount } : o));
  if (!quarantinePending || outcomes.every((o) => o.quarantined === 0)) return outcomes;
  const failing = failingRowsSql(
    entries,
    TELEMETRY_SCHEMA,
    'SELECT * FROM silver_new_telemetry',
    COORDINATES,
  );
  try {
    await connection.run(`CREATE OR REPLACE TEMP TABLE dq_routed AS ${failing}`);
    await connection.run(`UPDATE silver_parsed SET ${set} FROM dq_routed AS r WHERE ${SAME_ROW}`);
    // Valid rows kept no raw value; quarantine rows carry it.
    await connection.run(
      `UPDATE silver_parsed SET value = b.value FROM bronze_new AS b, dq_routed AS r ` +
        `WHERE ${SAME_ROW} AND b.topic = r.bronze_topic AND b."partition" = r.bronze_partition AND b."offset" = r.bronze_offset`,
    );
  } finally {
    await connection.run('DROP TABLE IF EXISTS dq_routed');
  }
  return outcomes;
}

/** Outcomes evaluated before a commit, given the table version that commit made. */
function atVersion(
  outcomes: readonly ExpectationOutcome[],
  versions: Readonly<Record<string, number | undefined>>,
): ExpectationOutcome[] {
  return outcomes.map((o) => ({ ...o, tableVersion: versions[o.table] ?? o.tableVersion }));
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
  gate: DqGate,
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
      await view(connection, 'silver_new_telemetry', modelSql('telemetry'));
      const rowOutcomes = await rowGate(
        connection,
        gate,
        base.quarantine,
        pending('quarantine'),
        base.telemetry.version,
      );
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

      // Every session event silver will hold: the committed ones and, unless this range is
      // already committed, the new ones. The sessions table is rebuilt from them.
      const eventParts: string[] = [];
      if (!fullRefresh) eventParts.push(`SELECT * FROM (${scanSql(base.sessionEvents)})`);
      if (pending('sessionEvents'))
        eventParts.push(`SELECT * FROM (${modelSql('session_events')})`);
      await view(connection, 'session_events_all', eventParts.join(' UNION ALL BY NAME '));
      if (pending('sessions')) {
        await connection.run(
          `CREATE OR REPLACE TEMP TABLE silver_sessions_next AS ${modelSql('sessions')}`,
        );
      }

      // The table gate: what each table will hold after this increment, before any commit.
      const tableOutcomes: ExpectationOutcome[] = [];
      if (pending('telemetry')) {
        const existing =
          fullRefresh || base.telemetry.files.length === 0 ? undefined : base.telemetry;
        const fresh = (columns: readonly string[]): string =>
          `SELECT ${columns.length === 0 ? '1 AS __dq_one' : columns.map(quoteIdentifier).join(', ')} FROM silver_new_telemetry`;
        const telemetry: DqBatch = {
          table: SILVER_TABLES.telemetry,
          tableVersion: base.telemetry.version,
          schema: TELEMETRY_SCHEMA,
          tableSql: (columns) =>
            existing === undefined
              ? fresh(columns)
              : `${snapshotColumnsSql(existing, columns)} UNION ALL ${fresh(columns)}`,
          rowsSql: fresh,
          ...(existing === undefined
            ? {}
            : {
                existingSql: (columns: readonly string[]) => snapshotColumnsSql(existing, columns),
              }),
        };
        tableOutcomes.push(
          ...(await gate.evaluate(connection, telemetry, { only: (e) => e.scope === 'table' })),
        );
      }
      if (pending('sessions')) {
        const sessions: DqBatch = {
          table: SILVER_TABLES.sessions,
          tableVersion: base.sessions.version,
          schema: SESSIONS_SCHEMA,
          tableSql: 'SELECT * FROM silver_sessions_next',
        };
        tableOutcomes.push(...(await gate.evaluate(connection, sessions)));
      }
      const outcomes = [...rowOutcomes, ...tableOutcomes];
      // A stopped increment commits nothing, so it quarantined nothing either.
      await gate.stopIfCritical(
        outcomes.map((o) => ({ ...o, quarantined: 0 })),
        'silver',
        `this run committed nothing of bronze ${range} to the silver tables`,
      );
      ctx.signal.throwIfAborted();

      const committed: Record<string, number | undefined> = {};
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
        const commit = await commitStaged(tables[key], base[key], staged, {
          txns,
          replace: fullRefresh || key === 'sessions',
        });
        committed[SILVER_TABLE_SPECS[key].path] = commit.version;
      };
      // Telemetry commits last: its txn is the progress marker other readers look at.
      await write('quarantine', modelSql('quarantine'), counts.quarantined);
      await write('duplicates', modelSql('duplicate_rows'), counts.duplicates);
      await write('sessionEvents', modelSql('session_events'), counts.sessionEvents);
      await write('sessions', 'SELECT * FROM silver_sessions_next', undefined);
      await write('telemetry', modelSql('telemetry'), counts.telemetry);
      await gate.record(atVersion(outcomes, committed));
      ctx.progress(
        `bronze ${range}: ${counts.telemetry} telemetry, ${counts.sessionEvents} session events, ` +
          `${counts.quarantined} quarantined, ${counts.duplicates} duplicates`,
      );
      return counts;
    } finally {
      for (const name of ['silver_parsed', 'silver_dups', 'silver_sessions_next']) {
        await connection.run(`DROP TABLE IF EXISTS ${name}`);
      }
    }
  });
}

export interface SilverLayerOptions {
  /** The data-quality gate's suites (default: the shipped `expectations/`). */
  readonly dq?: DqOptions;
}

/** Runs silver on `ctx` (see PipelineLayer). */
export async function runSilver(
  ctx: PipelineContext,
  options: SilverLayerOptions = {},
): Promise<LayerResult> {
  // Suites load first: a bad suite file stops the run before any work.
  const gate = DqGate.open(ctx, options.dq);
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
      const counts = await runIncrement(ctx, bronze, tables, increment, gate);
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
    const docsProblem = await gate.writeDocs();
    if (docsProblem !== undefined) {
      notes.push(docsProblem);
      ctx.progress(docsProblem);
    }
    const expectations = gate.summary();
    const versions: Record<string, number> = {};
    for (const key of TABLE_KEYS) {
      versions[SILVER_TABLE_SPECS[key].path] = await tables[key].latestVersion();
    }
    return {
      rowsIn: totals.rowsIn,
      rowsOut: totals.telemetry,
      quarantined: totals.quarantined,
      duplicates: totals.duplicates,
      ...(expectations === undefined ? {} : { expectations }),
      upToDate,
      tables: versions,
      notes,
    };
  } finally {
    if (tables !== undefined) for (const table of Object.values(tables)) table.close();
    bronze.close();
  }
}

/** The silver layer with its own data-quality settings (e.g. another suites folder). */
export function createSilverLayer(options: SilverLayerOptions = {}): PipelineLayer {
  return { name: 'silver', run: (ctx) => runSilver(ctx, options) };
}

export const silverLayer: PipelineLayer = createSilverLayer();

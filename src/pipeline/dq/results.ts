// The data-quality results table `<lake>/dq/results`: one row per expectation outcome, the
// history that `pitwall dq results` prints and the data docs chart. Appends are idempotent:
// outcomes of a (run, suite, table, table version) already present are not written again.
import path from 'node:path';
import { PipelineError, TableNotFoundError } from '../../errors.js';
import {
  DeltaTable,
  readTable,
  scanSql,
  type DuckDbEngine,
  type LakeRow,
  type ReadRow,
  type TableSchema,
} from '../../lake/index.js';
import { quoteLiteral } from '../../lake/schema.js';
import type { DqRun, ExpectationOutcome, ExpectationScope, Severity } from './model.js';

/** Where the results table and the data docs live under the lake root. */
export const DQ_RESULTS_TABLE = 'dq/results';
export const DQ_DOCS_DIR = 'dq/docs';

export const DQ_RESULTS_SCHEMA: TableSchema = {
  fields: [
    { name: 'run_id', type: 'string', nullable: false },
    { name: 'run_started_at', type: 'timestamp', nullable: false },
    { name: 'recorded_at', type: 'timestamp', nullable: false },
    /** Position of the outcome in its run (suite order, then expectation order). */
    { name: 'ordinal', type: 'integer', nullable: false },
    { name: 'suite', type: 'string', nullable: false },
    { name: 'table_name', type: 'string', nullable: false },
    { name: 'table_version', type: 'long', nullable: false },
    { name: 'expectation_id', type: 'string', nullable: false },
    { name: 'expectation_type', type: 'string', nullable: false },
    { name: 'kwargs', type: 'string', nullable: false },
    { name: 'severity', type: 'string', nullable: false },
    { name: 'scope', type: 'string', nullable: false },
    { name: 'success', type: 'boolean', nullable: false },
    { name: 'observed', type: 'string', nullable: false },
    { name: 'expected', type: 'string', nullable: false },
    { name: 'element_count', type: 'long', nullable: false },
    { name: 'unexpected_count', type: 'long', nullable: false },
    { name: 'unexpected_percent', type: 'double', nullable: false },
    { name: 'quarantined', type: 'long', nullable: false },
    { name: 'sample', type: 'string', nullable: false },
    { name: 'description', type: 'string' },
    { name: 'millis', type: 'double', nullable: false },
  ],
};

export function resultsLocation(lakeRoot: string): string {
  return path.join(lakeRoot, DQ_RESULTS_TABLE);
}

async function openResults(
  lakeRoot: string,
  engine: DuckDbEngine,
  create: boolean,
): Promise<DeltaTable | undefined> {
  const location = resultsLocation(lakeRoot);
  if (create) {
    return DeltaTable.openOrCreate(location, DQ_RESULTS_SCHEMA, {
      engine,
      name: 'dq_results',
      description: 'Data-quality expectation outcomes, one row per expectation per run',
    });
  }
  try {
    return await DeltaTable.open(location, { engine });
  } catch (error) {
    if (error instanceof TableNotFoundError) return undefined;
    throw error;
  }
}

export interface RecordOptions {
  readonly lakeRoot: string;
  readonly engine: DuckDbEngine;
  readonly runId: string;
  /** Start of the run; default: the start already recorded for the run id, else now. */
  readonly startedAt?: Date;
}

export interface RecordResult {
  /** Rows appended (0 when every batch was already recorded). */
  readonly appended: number;
  readonly version: number;
  readonly startedAt: Date;
}

const batchKey = (suite: string, table: string, version: number | bigint): string =>
  `${suite}\u0000${table}\u0000${String(version)}`;

/**
 * Appends outcomes to `<lake>/dq/results` (created on first use). Outcomes of a (run,
 * suite, table, version) batch the table already holds are skipped, so recording the
 * same run twice changes nothing.
 */
export async function recordOutcomes(
  options: RecordOptions,
  outcomes: readonly ExpectationOutcome[],
): Promise<RecordResult> {
  const { lakeRoot, engine, runId } = options;
  const table = (await openResults(lakeRoot, engine, true))!;
  try {
    const snapshot = await table.snapshot();
    const existing = await engine.withConnection(async (connection) => {
      const reader = await connection.runAndReadAll(
        `SELECT suite, table_name, table_version, epoch_us(run_started_at) AS started, ordinal FROM (${scanSql(snapshot)}) WHERE run_id = ${quoteLiteral(runId)}`,
      );
      return reader.getRowObjects();
    });
    const done = new Set(
      existing.map((r) =>
        batchKey(String(r['suite']), String(r['table_name']), r['table_version'] as bigint),
      ),
    );
    const startedUs = existing.map((r) => r['started'] as bigint).sort()[0];
    const startedAt =
      options.startedAt ??
      (startedUs === undefined ? new Date() : new Date(Number(startedUs / 1000n)));
    let ordinal = existing.reduce((max, r) => Math.max(max, Number(r['ordinal']) + 1), 0);
    const recordedAt = new Date();
    const rows: LakeRow[] = [];
    for (const o of outcomes) {
      if (done.has(batchKey(o.suite, o.table, o.tableVersion))) continue;
      rows.push({
        run_id: runId,
        run_started_at: startedAt,
        recorded_at: recordedAt,
        ordinal: ordinal++,
        suite: o.suite,
        table_name: o.table,
        table_version: o.tableVersion,
        expectation_id: o.id,
        expectation_type: o.type,
        kwargs: JSON.stringify(o.kwargs),
        severity: o.severity,
        scope: o.scope,
        success: o.success,
        observed: JSON.stringify(o.observed ?? null),
        expected: o.expected,
        element_count: o.elementCount,
        unexpected_count: o.unexpectedCount,
        unexpected_percent: o.unexpectedPercent,
        quarantined: o.quarantined,
        sample: JSON.stringify(o.sample),
        description: o.description ?? null,
        millis: o.millis,
      });
    }
    if (rows.length === 0) return { appended: 0, version: snapshot.version, startedAt };
    const result = await table.appendRows(rows, { operation: 'DQ RESULTS' });
    return { appended: rows.length, version: result.version, startedAt };
  } finally {
    table.close();
  }
}

function parseJson(text: unknown): unknown {
  try {
    return JSON.parse(String(text)) as unknown;
  } catch {
    return String(text);
  }
}

function outcomeOf(row: ReadRow): ExpectationOutcome {
  const description = row['description'];
  return {
    id: String(row['expectation_id']),
    suite: String(row['suite']),
    table: String(row['table_name']),
    tableVersion: Number(row['table_version']),
    type: String(row['expectation_type']),
    kwargs: parseJson(row['kwargs']) as Record<string, unknown>,
    severity: String(row['severity']) as Severity,
    scope: String(row['scope']) as ExpectationScope,
    success: row['success'] === true,
    observed: parseJson(row['observed']),
    expected: String(row['expected']),
    elementCount: Number(row['element_count']),
    unexpectedCount: Number(row['unexpected_count']),
    unexpectedPercent: Number(row['unexpected_percent']),
    quarantined: Number(row['quarantined']),
    sample: parseJson(row['sample']) as Record<string, unknown>[],
    millis: Number(row['millis']),
    ...(description === null || description === undefined
      ? {}
      : { description: String(description) }),
  };
}

/** True when a critical expectation failed: the pipeline stopped, `dq run` exits 1. */
export function runStopped(outcomes: readonly ExpectationOutcome[]): boolean {
  return outcomes.some((o) => !o.success && o.severity === 'critical');
}

export interface ReadRunsOptions {
  /** Only this run. */
  readonly runId?: string;
  /** The newest `limit` runs (default 51: a run and the 50 before it). */
  readonly limit?: number;
}

/**
 * Runs recorded in `<lake>/dq/results`, newest first (by start time); [] when there is no
 * results table yet.
 */
export async function readRuns(
  lakeRoot: string,
  engine: DuckDbEngine,
  options: ReadRunsOptions = {},
): Promise<DqRun[]> {
  const table = await openResults(lakeRoot, engine, false);
  if (table === undefined) return [];
  try {
    const snapshot = await table.snapshot();
    const limit = options.limit ?? 51;
    const runs =
      options.runId === undefined
        ? `SELECT run_id FROM (${scanSql(snapshot)}) GROUP BY run_id ORDER BY max(run_started_at) DESC, run_id LIMIT ${limit}`
        : `SELECT ${quoteLiteral(options.runId)}`;
    const rows = await readTable(snapshot, {
      engine,
      where: `run_id IN (${runs})`,
      orderBy: 'run_started_at DESC, run_id, ordinal',
    });
    const out: { runId: string; startedAt: string; outcomes: ExpectationOutcome[] }[] = [];
    let current: (typeof out)[number] | undefined;
    for (const row of rows) {
      const runId = String(row['run_id']);
      if (current?.runId !== runId) {
        current = {
          runId,
          startedAt: new Date(Number((row['run_started_at'] as bigint) / 1000n)).toISOString(),
          outcomes: [],
        };
        out.push(current);
      }
      current.outcomes.push(outcomeOf(row));
    }
    return out.map((run) => ({ ...run, stopped: runStopped(run.outcomes) }));
  } finally {
    table.close();
  }
}

/** The recorded run `runId`; PipelineError when it is not in the results table. */
export async function readRun(
  lakeRoot: string,
  engine: DuckDbEngine,
  runId: string,
): Promise<DqRun> {
  const [run] = await readRuns(lakeRoot, engine, { runId });
  if (run === undefined) {
    throw new PipelineError(`no data-quality run ${runId} in ${resultsLocation(lakeRoot)}`);
  }
  return run;
}

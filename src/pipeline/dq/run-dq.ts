// `pitwall dq run` as a function: every suite evaluated on the current version of its table
// (the whole table, nothing routed or committed), the outcomes recorded as one run in
// `<lake>/dq/results`, and the data docs written.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { TableNotFoundError } from '../../errors.js';
import { DeltaTable, DuckDbEngine } from '../../lake/index.js';
import { writeRunDocs, type DocsPaths } from './data-docs.js';
import { evaluateSuite } from './evaluate.js';
import type { DqRun, ExpectationOutcome } from './model.js';
import { recordOutcomes, runStopped } from './results.js';
import { snapshotColumnsSql } from './scan.js';
import { DQ_TABLES, type ExpectationSuite } from './suite.js';

export interface RunDqOptions {
  readonly lakeRoot: string;
  readonly suites: readonly ExpectationSuite[];
  /** A DuckDB engine to use; by default one is started and closed. */
  readonly engine?: DuckDbEngine;
  /** "Now" for freshness expectations. */
  readonly now?: Date;
  /** One line per suite evaluated or skipped. */
  readonly onProgress?: (message: string) => void;
}

export interface RunDqResult {
  readonly run: DqRun;
  /** Suites whose table does not exist (yet). */
  readonly skipped: readonly ExpectationSuite[];
  /** The data docs written, or undefined when nothing was evaluated. */
  readonly docs?: DocsPaths;
}

/**
 * Evaluates `suites` on the current tables of the lake and records the run.
 *
 * @example
 * const { run } = await runDq({ lakeRoot: '.pitwall/lake', suites: loadSuites() });
 * if (run.stopped) process.exitCode = 1;
 */
export async function runDq(options: RunDqOptions): Promise<RunDqResult> {
  const engine = options.engine ?? new DuckDbEngine();
  const runId = randomUUID();
  const startedAt = new Date();
  const now = options.now ?? startedAt;
  const outcomes: ExpectationOutcome[] = [];
  const skipped: ExpectationSuite[] = [];
  try {
    for (const suite of options.suites) {
      let table: DeltaTable;
      try {
        table = await DeltaTable.open(path.join(options.lakeRoot, suite.table), { engine });
      } catch (error) {
        if (!(error instanceof TableNotFoundError)) throw error;
        skipped.push(suite);
        options.onProgress?.(`${suite.name}: skipped, no table ${suite.table}`);
        continue;
      }
      try {
        const snapshot = await table.snapshot();
        const started = performance.now();
        const found = await engine.withConnection((connection) =>
          evaluateSuite(
            connection,
            suite,
            {
              table: suite.table,
              tableVersion: snapshot.version,
              schema: DQ_TABLES[suite.table]!.schema,
              tableSql: (columns) => snapshotColumnsSql(snapshot, columns),
            },
            { now },
          ),
        );
        outcomes.push(...found);
        const failed = found.filter((o) => !o.success).length;
        options.onProgress?.(
          `${suite.name}: ${suite.table} v${snapshot.version}, ${found.length - failed} passed, ${failed} failed in ${((performance.now() - started) / 1000).toFixed(2)}s`,
        );
      } finally {
        table.close();
      }
    }
    const run: DqRun = {
      runId,
      startedAt: startedAt.toISOString(),
      outcomes,
      stopped: runStopped(outcomes),
    };
    if (outcomes.length === 0) return { run, skipped };
    await recordOutcomes({ lakeRoot: options.lakeRoot, engine, runId, startedAt }, outcomes);
    const docs = await writeRunDocs(options.lakeRoot, engine, runId);
    return { run, skipped, ...(docs === undefined ? {} : { docs }) };
  } finally {
    if (options.engine === undefined) engine.close();
  }
}

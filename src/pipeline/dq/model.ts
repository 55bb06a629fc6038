// What one data-quality run produced, as plain data: the evaluator (evaluate.ts) fills it,
// the results table stores it (one row per outcome), and the data docs (docs/) render it.
// Kept free of DuckDB and Delta so every side can use it alone.

/** `critical` failures stop the pipeline run (exit 1); `warning` failures are reported. */
export type Severity = 'critical' | 'warning';

/**
 * `row`: the expectation judges each row; failing rows can be routed to quarantine.
 * `table`: the expectation judges the table as a whole (row count, freshness, uniqueness).
 */
export type ExpectationScope = 'row' | 'table';

/** One expectation's result in one run. */
export interface ExpectationOutcome {
  /** Stable id within the suite (from the suite file, else `<type>:<column(s)>`). */
  readonly id: string;
  readonly suite: string;
  /** Table the suite ran on, relative to the lake root (e.g. `silver/telemetry`). */
  readonly table: string;
  /** Delta version of that table the expectation saw. */
  readonly tableVersion: number;
  /** Great Expectations' expectation type name, e.g. `expect_column_values_to_be_between`. */
  readonly type: string;
  /** The arguments as written in the suite (`column`, `min_value`, `mostly`, …). */
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly severity: Severity;
  readonly scope: ExpectationScope;
  readonly success: boolean;
  /** What was measured (a count, a min/max, a lag in seconds, …); JSON-serialisable. */
  readonly observed: unknown;
  /** Human text of what was expected, e.g. `0 <= engine_rpm <= 9000 (mostly 1.0)`. */
  readonly expected: string;
  /** Rows the expectation looked at (0 for table-level expectations with no row notion). */
  readonly elementCount: number;
  /** Rows that failed (row-level), or 0. */
  readonly unexpectedCount: number;
  /** 100 × unexpected / element, or 0 when there were no elements. */
  readonly unexpectedPercent: number;
  /** Rows this expectation moved to quarantine in this run. */
  readonly quarantined: number;
  /** A few failing rows (key columns and the columns at fault), JSON-serialisable. */
  readonly sample: readonly Readonly<Record<string, unknown>>[];
  /** Optional free text from the suite file. */
  readonly description?: string;
  /** Evaluation time in milliseconds. */
  readonly millis: number;
}

/** One data-quality run: every suite evaluated by one `pipeline run` or `dq run`. */
export interface DqRun {
  /** The pipeline run id (UUID). */
  readonly runId: string;
  /** ISO 8601 UTC start time of the run. */
  readonly startedAt: string;
  readonly outcomes: readonly ExpectationOutcome[];
  /** True when a critical expectation failed and the run was stopped. */
  readonly stopped: boolean;
}

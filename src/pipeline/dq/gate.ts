// The data-quality gate as the pipeline layers use it: the suites for a table, evaluation
// on a batch, recording to `<lake>/dq/results`, stopping on critical failures and writing
// the data docs. One gate per layer run.
import { PipelineError } from '../../errors.js';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DuckDbEngine } from '../../lake/index.js';
import { writeRunDocs } from './data-docs.js';
import { evaluateSuites, type DqBatch, type EvaluateOptions } from './evaluate.js';
import type { ExpectationOutcome } from './model.js';
import { recordOutcomes } from './results.js';
import { loadSuites, type Expectation, type ExpectationSuite } from './suite.js';

/** Data-quality settings of a pipeline layer. */
export interface DqOptions {
  /** Folder of suite files (default: the shipped `expectations/`). */
  readonly suitesDir?: string;
  /** Suites to use instead of reading a folder. */
  readonly suites?: readonly ExpectationSuite[];
  /** "Now" for freshness expectations (default: the clock). */
  readonly now?: () => Date;
}

export interface GateContext {
  readonly lakeRoot: string;
  readonly engine: DuckDbEngine;
  readonly runId: string;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** One line naming the critical failures among `outcomes` (undefined when there are none). */
export function criticalFailures(outcomes: readonly ExpectationOutcome[]): string | undefined {
  const failed = outcomes.filter((o) => !o.success && o.severity === 'critical');
  const first = failed[0];
  if (first === undefined) return undefined;
  const more =
    failed.length > 1
      ? ` and ${failed.length - 1} more (${failed
          .slice(1)
          .map((o) => `${o.suite}/${o.id}`)
          .join(', ')})`
      : '';
  return `critical expectation ${first.suite}/${first.id} failed on ${first.table}: expected ${first.expected}, observed ${shortJson(first.observed)}${more}`;
}

export class DqGate {
  private readonly outcomes: ExpectationOutcome[] = [];

  private constructor(
    private readonly context: GateContext,
    readonly suites: readonly ExpectationSuite[],
    private readonly now: () => Date,
  ) {}

  /** Loads the suites once (bad suite files fail here, before any work). */
  static open(context: GateContext, options: DqOptions = {}): DqGate {
    const suites = options.suites ?? loadSuites(options.suitesDir);
    return new DqGate(context, suites, options.now ?? (() => new Date()));
  }

  /** The suites that check `table`. */
  suitesFor(table: string): ExpectationSuite[] {
    return this.suites.filter((suite) => suite.table === table);
  }

  /** Row-level expectations of `table`'s suites that route failing rows to quarantine. */
  quarantineExpectations(
    table: string,
  ): { suite: ExpectationSuite; expectations: Expectation[] }[] {
    return this.suitesFor(table)
      .map((suite) => ({ suite, expectations: suite.expectations.filter((e) => e.quarantine) }))
      .filter((entry) => entry.expectations.length > 0);
  }

  /** Evaluates every suite of `batch.table` (or the expectations `only` picks), together. */
  evaluate(
    connection: DuckDBConnection,
    batch: DqBatch,
    options: Omit<EvaluateOptions, 'now'> = {},
  ): Promise<ExpectationOutcome[]> {
    return evaluateSuites(connection, this.suitesFor(batch.table), batch, {
      ...options,
      now: this.now(),
    });
  }

  /** Records outcomes in the results table and counts them for the layer's summary. */
  async record(outcomes: readonly ExpectationOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await recordOutcomes(this.context, outcomes);
    this.outcomes.push(...outcomes);
  }

  /**
   * When a critical expectation among `outcomes` failed: records them, writes the data docs
   * and throws PipelineError with `what` (what was not committed) in its message. Otherwise
   * does nothing: the caller records the outcomes once its commit gave the table version.
   */
  async stopIfCritical(
    outcomes: readonly ExpectationOutcome[],
    layer: string,
    what: string,
  ): Promise<void> {
    const failure = criticalFailures(outcomes);
    if (failure === undefined) return;
    await this.record(outcomes);
    let docs = '';
    try {
      const written = await writeRunDocs(
        this.context.lakeRoot,
        this.context.engine,
        this.context.runId,
      );
      if (written !== undefined) docs = `; data docs: ${written.indexPage}`;
    } catch {
      // The stop is what matters; a docs failure must not hide it.
    }
    throw new PipelineError(
      `${layer}: ${failure}; ${what}; results: pitwall dq results --run ${this.context.runId}${docs}`,
    );
  }

  /** Passed and failed counts of what this gate recorded, or undefined when nothing ran. */
  summary(): { passed: number; failed: number } | undefined {
    if (this.outcomes.length === 0) return undefined;
    const passed = this.outcomes.filter((o) => o.success).length;
    return { passed, failed: this.outcomes.length - passed };
  }

  /**
   * Writes the data docs of this run when the gate recorded anything; returns a note for
   * the layer's summary when they could not be written (the data is committed by then).
   */
  async writeDocs(): Promise<string | undefined> {
    if (this.outcomes.length === 0) return undefined;
    try {
      await writeRunDocs(this.context.lakeRoot, this.context.engine, this.context.runId);
      return undefined;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return `data docs not written: ${reason}`;
    }
  }
}

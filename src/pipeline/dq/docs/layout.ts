// What the pages show, computed from runs before any HTML: per-run totals, the grouping of a
// run's outcomes by suite and table (with stable anchors both pages link to), and the series
// of each expectation across runs. Pure functions of their input, so pages are deterministic.
import type { DqRun, ExpectationOutcome } from '../model.js';
import { percentText, timeText } from './escape.js';
import type { SeriesPoint } from './svg.js';

/** How many earlier runs the docs take into account (the index lists these plus the current). */
export const MAX_HISTORY = 50;

// A run id names a file: only the canonical 8-4-4-4-12 hexadecimal UUID form is accepted, so
// no id can carry a path separator, a dot-dot or markup into a file name or a link.
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `runId` is a UUID in canonical text form (and so safe as a file name). */
export function isSafeRunId(runId: unknown): runId is string {
  return typeof runId === 'string' && RUN_ID.test(runId);
}

/** The run page's path relative to the docs folder, or undefined for an unsafe run id. */
export function runPagePath(runId: string): string | undefined {
  return isSafeRunId(runId) ? `runs/${runId}.html` : undefined;
}

export interface RunSummary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly criticalFailed: number;
  readonly warningFailed: number;
  readonly quarantined: number;
  /** Sum of the expectations' evaluation times. */
  readonly millis: number;
  /** 100 × passed / total, undefined for a run with no expectations. */
  readonly passRate: number | undefined;
}

function finiteOr0(n: number): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

export function summarizeRun(run: DqRun): RunSummary {
  let passed = 0;
  let criticalFailed = 0;
  let warningFailed = 0;
  let quarantined = 0;
  let millis = 0;
  for (const o of run.outcomes) {
    if (o.success) passed += 1;
    else if (o.severity === 'critical') criticalFailed += 1;
    else warningFailed += 1;
    quarantined += finiteOr0(o.quarantined);
    millis += finiteOr0(o.millis);
  }
  const total = run.outcomes.length;
  return {
    total,
    passed,
    failed: total - passed,
    criticalFailed,
    warningFailed,
    quarantined,
    millis,
    passRate: total === 0 ? undefined : (100 * passed) / total,
  };
}

/** One outcome placed on the run page, with its anchor id. */
export interface PlacedOutcome {
  readonly outcome: ExpectationOutcome;
  readonly anchor: string;
}

/** The expectations of one suite on one table, in evaluation order. */
export interface SuiteGroup {
  readonly suite: string;
  readonly table: string;
  /** Distinct table versions the expectations saw, ascending (normally one). */
  readonly versions: readonly number[];
  readonly anchor: string;
  readonly outcomes: readonly PlacedOutcome[];
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Groups a run's outcomes by suite and table, sorted by suite then table (so pages of
 * different runs read alike), outcomes in evaluation order. Anchors are `s<i>` for groups and
 * `e<j>` for outcomes, numbered in page order: derived only from the run, so the index can
 * link into a run page.
 */
export function layoutRun(run: DqRun): SuiteGroup[] {
  const groups = new Map<string, { suite: string; table: string; items: ExpectationOutcome[] }>();
  for (const o of run.outcomes) {
    const key = `${o.suite}\u0000${o.table}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { suite: String(o.suite), table: String(o.table), items: [] };
      groups.set(key, group);
    }
    group.items.push(o);
  }
  const sorted = [...groups.values()].sort(
    (a, b) => compareText(a.suite, b.suite) || compareText(a.table, b.table),
  );
  let next = 0;
  return sorted.map((g, i) => ({
    suite: g.suite,
    table: g.table,
    versions: [...new Set(g.items.map((o) => o.tableVersion))].sort((a, b) => a - b),
    anchor: `s${i}`,
    outcomes: g.items.map((outcome) => ({ outcome, anchor: `e${next++}` })),
  }));
}

/** Identity of an expectation across runs: its suite and its id within the suite. */
export function expectationKey(o: Pick<ExpectationOutcome, 'suite' | 'id'>): string {
  return `${o.suite}\u0000${o.id}`;
}

/** Each run's outcomes by expectation key (the first one when a key repeats in a run). */
export function indexOutcomes(run: DqRun): Map<string, ExpectationOutcome> {
  const byKey = new Map<string, ExpectationOutcome>();
  for (const o of run.outcomes) {
    const key = expectationKey(o);
    if (!byKey.has(key)) byKey.set(key, o);
  }
  return byKey;
}

// A run's start time as text, once per run (trends label thousands of points).
const startTexts = new WeakMap<DqRun, string>();

function startText(run: DqRun): string {
  let text = startTexts.get(run);
  if (text === undefined) {
    text = timeText(run.startedAt);
    startTexts.set(run, text);
  }
  return text;
}

function pointLabel(run: DqRun, o: ExpectationOutcome): string {
  const status = o.success ? 'pass' : 'FAIL';
  return `${startText(run)}: ${status}, ${percentText(o.unexpectedPercent)} unexpected`;
}

/**
 * The series of one expectation over `runsOldestFirst`: one point per run, with the
 * unexpected percent as value and undefined where the run did not evaluate it.
 */
export function expectationSeries(
  key: string,
  runsOldestFirst: readonly DqRun[],
  indexes: ReadonlyMap<DqRun, ReadonlyMap<string, ExpectationOutcome>>,
): SeriesPoint[] {
  return runsOldestFirst.map((run) => {
    const o = (indexes.get(run) ?? indexOutcomes(run)).get(key);
    if (o === undefined)
      return {
        label: `${startText(run)}: not evaluated`,
        value: undefined,
        success: true,
      };
    const value = typeof o.unexpectedPercent === 'number' ? o.unexpectedPercent : NaN;
    return { label: pointLabel(run, o), value, success: o.success === true };
  });
}

/** Runs in which a series was evaluated, and in which it failed. */
export function seriesCounts(points: readonly SeriesPoint[]): { present: number; failed: number } {
  let present = 0;
  let failed = 0;
  for (const p of points) {
    if (p.value === undefined) continue;
    present += 1;
    if (!p.success) failed += 1;
  }
  return { present, failed };
}

/** The overall pass rate per run, oldest first; a stopped run's point is drawn as a failure. */
export function passRateSeries(runsOldestFirst: readonly DqRun[]): SeriesPoint[] {
  return runsOldestFirst.map((run) => {
    const s = summarizeRun(run);
    const stopped = run.stopped ? ', stopped' : '';
    return {
      label: `${timeText(run.startedAt)}: ${percentText(s.passRate ?? NaN)} passed (${s.passed} of ${s.total})${stopped}`,
      value: s.passRate ?? 0,
      success: !run.stopped && s.failed === 0,
    };
  });
}

/** An expectation as seen across runs, for the index's trend table. */
export interface ExpectationTrend {
  readonly key: string;
  readonly suite: string;
  readonly id: string;
  /** The newest run that evaluated it, and the outcome there. */
  readonly latestRun: DqRun;
  readonly latest: ExpectationOutcome;
  readonly points: readonly SeriesPoint[];
}

/**
 * Every expectation seen in `runsNewestFirst`, sorted by suite then id, with its series
 * oldest first (one point per run, gaps where it was not evaluated).
 */
export function expectationTrends(runsNewestFirst: readonly DqRun[]): ExpectationTrend[] {
  const indexes = new Map(runsNewestFirst.map((run) => [run, indexOutcomes(run)] as const));
  const latest = new Map<string, { run: DqRun; outcome: ExpectationOutcome }>();
  for (const run of runsNewestFirst) {
    for (const [key, outcome] of indexes.get(run) ?? []) {
      if (!latest.has(key)) latest.set(key, { run, outcome });
    }
  }
  const oldestFirst = [...runsNewestFirst].reverse();
  return [...latest.entries()]
    .map(([key, { run, outcome }]) => ({
      key,
      suite: String(outcome.suite),
      id: String(outcome.id),
      latestRun: run,
      latest: outcome,
      points: expectationSeries(key, oldestFirst, indexes),
    }))
    .sort((a, b) => compareText(a.suite, b.suite) || compareText(a.id, b.id));
}

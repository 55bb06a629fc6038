// The evaluator: compiles a suite's expectations to DuckDB SQL and runs them. Every
// row-level count and every table aggregate of a batch comes from one aggregate query (a
// second one when the rows judged one by one are not the whole table, as in the pipeline);
// uniqueness needs a GROUP BY of its own, and failing-row samples are fetched only for
// expectations that failed. See docs/data-quality.md.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { LakeType, TableSchema } from '../../lake/index.js';
import { quoteIdentifier, quoteLiteral } from '../../lake/schema.js';
import { FRESHNESS_TYPE, INCREASING_TYPE } from './expectation-types.js';
import type { ExpectationOutcome } from './model.js';
import type { Expectation, ExpectationSuite } from './suite.js';

/**
 * SQL over a relation's rows: a query (its columns are projected), or a function that
 * returns a query with at least the columns asked for (so scans read only those).
 */
export type RelationSql = string | ((columns: readonly string[]) => string);

/** What a suite is evaluated on. */
export interface DqBatch {
  /** The table, relative to the lake root (`silver/telemetry`). */
  readonly table: string;
  /** The Delta version recorded with the outcomes. */
  readonly tableVersion: number;
  readonly schema: TableSchema;
  /** SQL over every row of the table as judged (in the pipeline: as it will be after the commit). */
  readonly tableSql: RelationSql;
  /**
   * SQL over the rows row-level expectations judge; by default the whole table. In the
   * pipeline: the new rows only (the others were judged when they arrived).
   */
  readonly rowsSql?: RelationSql;
  /**
   * With `rowsSql`: the rows the table held before them (`tableSql` = these and `rowsSql`).
   * Uniqueness then looks only at the keys of the new rows, in the new rows and in these.
   */
  readonly existingSql?: RelationSql;
}

export interface EvaluateOptions {
  /** "Now" for freshness; default the current time. */
  readonly now?: Date;
  /** Only the expectations this picks (default: all). */
  readonly only?: (expectation: Expectation, suite: ExpectationSuite) => boolean;
  /**
   * Rows failing an expectation marked `quarantine` leave the batch: the other row-level
   * expectations do not judge them (the silver gate routes them to quarantine).
   */
  readonly routeQuarantine?: boolean;
  /** Failing rows kept per expectation (default 20). */
  readonly sampleSize?: number;
}

export const DEFAULT_SAMPLE_SIZE = 20;

type Values = ReadonlyMap<string, DuckDBValue>;

/** A row-level expectation: a condition per row, counted in the shared aggregate query. */
interface RowPlan {
  readonly kind: 'row';
  readonly expectation: Expectation;
  /** Rows the expectation looks at (nulls are skipped except by not_null). */
  readonly counted: string;
  /** A looked-at row that fails; never NULL. */
  readonly unexpected: string;
  /** Extra aggregates for the observed value, by alias. */
  readonly aggregates: readonly (readonly [string, string])[];
  /** A window column the conditions use (`lag(...) OVER (...) AS alias`). */
  readonly window?: string;
  /** Columns shown in failing-row samples besides the suite's key columns. */
  readonly sampleColumns: readonly string[];
}

/** A table-level aggregate (row count, mean, min, max, freshness). */
interface AggregatePlan {
  readonly kind: 'aggregate';
  readonly expectation: Expectation;
  readonly aggregates: readonly (readonly [string, string])[];
}

/** Uniqueness of one column or a combination (a GROUP BY of its own). */
interface UniquePlan {
  readonly kind: 'unique';
  readonly expectation: Expectation;
  readonly columns: readonly string[];
  /** Alias of the element count in the table aggregate query. */
  readonly countAlias: string;
}

type Plan = RowPlan | AggregatePlan | UniquePlan;

const q = quoteIdentifier;

/** A numeric SQL literal that DuckDB reads exactly. */
function numberLiteral(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : `CAST('${String(value)}' AS DOUBLE)`;
}

function valueLiteral(value: unknown, type: LakeType): string {
  if (typeof value === 'number') return numberLiteral(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = quoteLiteral(String(value));
  if (type === 'timestamp') return `CAST(${text} AS TIMESTAMPTZ)`;
  if (type === 'date') return `CAST(${text} AS DATE)`;
  return text;
}

interface Bounds {
  readonly min: number | null;
  readonly max: number | null;
  readonly strictMin: boolean;
  readonly strictMax: boolean;
}

function boundsOf(kwargs: Readonly<Record<string, unknown>>): Bounds {
  const bound = (key: string): number | null => {
    const value = kwargs[key];
    return typeof value === 'number' ? value : null;
  };
  return {
    min: bound('min_value'),
    max: bound('max_value'),
    strictMin: kwargs['strict_min'] === true,
    strictMax: kwargs['strict_max'] === true,
  };
}

/** SQL: `x` within the bounds. */
function withinSql(x: string, b: Bounds): string {
  const parts: string[] = [];
  if (b.min !== null) parts.push(`${x} ${b.strictMin ? '>' : '>='} ${numberLiteral(b.min)}`);
  if (b.max !== null) parts.push(`${x} ${b.strictMax ? '<' : '<='} ${numberLiteral(b.max)}`);
  return parts.join(' AND ');
}

/** JS: `x` within the bounds (NaN never is). */
function within(x: number, b: Bounds): boolean {
  if (Number.isNaN(x)) return false;
  if (b.min !== null && (b.strictMin ? !(x > b.min) : !(x >= b.min))) return false;
  if (b.max !== null && (b.strictMax ? !(x < b.max) : !(x <= b.max))) return false;
  return true;
}

/** `0 <= x <= 9000`, `x > 0`, … */
function boundsText(x: string, b: Bounds): string {
  const lo = b.min === null ? '' : `${b.min} ${b.strictMin ? '<' : '<='} `;
  const hi = b.max === null ? '' : ` ${b.strictMax ? '<' : '<='} ${b.max}`;
  if (b.min !== null && b.max !== null) return `${lo}${x}${hi}`;
  if (b.min !== null) return `${x} ${b.strictMin ? '>' : '>='} ${b.min}`;
  return `${x}${hi}`;
}

function mostlyOf(expectation: Expectation): number {
  const mostly = expectation.kwargs['mostly'];
  return typeof mostly === 'number' ? mostly : 1;
}

function mostlyText(expectation: Expectation): string {
  const mostly = mostlyOf(expectation);
  return mostly < 1 ? ` (mostly ${mostly})` : '';
}

function setText(values: readonly unknown[]): string {
  const shown = values.slice(0, 12).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return `{${shown.join(', ')}${values.length > 12 ? `, … ${values.length} values` : ''}}`;
}

/** Human text of what an expectation expects. */
export function expectedText(expectation: Expectation): string {
  const k = expectation.kwargs;
  const column = typeof k['column'] === 'string' ? k['column'] : '';
  const mostly = mostlyText(expectation);
  switch (expectation.type) {
    case 'expect_column_values_to_not_be_null':
      return `${column} is not null${mostly}`;
    case 'expect_column_values_to_be_between':
      return `${boundsText(column, boundsOf(k))}${mostly}`;
    case 'expect_column_values_to_be_in_set':
      return `${column} in ${setText(k['value_set'] as unknown[])}${mostly}`;
    case INCREASING_TYPE: {
      const groups = (k['group_by'] as string[] | undefined) ?? [];
      const within = groups.length > 0 ? ` within ${groups.join(', ')}` : '';
      return `${column} ${k['strictly'] === true ? 'strictly increasing' : 'non-decreasing'} by ${String(k['order_by'])}${within}${mostly}`;
    }
    case 'expect_column_values_to_be_unique':
      return `${column} values unique${mostly}`;
    case 'expect_compound_columns_to_be_unique':
      return `(${(k['column_list'] as string[]).join(', ')}) unique${mostly}`;
    case 'expect_table_row_count_to_be_between':
      return boundsText('row count', boundsOf(k));
    case 'expect_column_mean_to_be_between':
      return boundsText(`mean(${column})`, boundsOf(k));
    case 'expect_column_min_to_be_between':
      return boundsText(`min(${column})`, boundsOf(k));
    case 'expect_column_max_to_be_between':
      return boundsText(`max(${column})`, boundsOf(k));
    case FRESHNESS_TYPE:
      return `max(${column}) at most ${String(k['max_lag_seconds'])} s before now`;
  }
}

function columnType(schema: TableSchema, column: string): LakeType {
  const field = schema.fields.find((f) => f.name === column);
  if (field === undefined) throw new Error(`no column ${column}`);
  return field.type;
}

/** The SQL plan of one expectation; `k` makes its aliases unique. */
function planOf(expectation: Expectation, k: number, schema: TableSchema): Plan {
  const kw = expectation.kwargs;
  const name = typeof kw['column'] === 'string' ? kw['column'] : '';
  const c = q(name);
  switch (expectation.type) {
    case 'expect_column_values_to_not_be_null':
      return {
        kind: 'row',
        expectation,
        counted: 'true',
        unexpected: `${c} IS NULL`,
        aggregates: [],
        sampleColumns: [name],
      };
    case 'expect_column_values_to_be_between': {
      const nan = columnType(schema, name) === 'double' ? ` OR isnan(${c})` : '';
      return {
        kind: 'row',
        expectation,
        counted: `${c} IS NOT NULL`,
        unexpected: `${c} IS NOT NULL AND (NOT (${withinSql(c, boundsOf(kw))})${nan})`,
        aggregates: [
          [`r${k}_min`, `min(${c})`],
          [`r${k}_max`, `max(${c})`],
        ],
        sampleColumns: [name],
      };
    }
    case 'expect_column_values_to_be_in_set': {
      const type = columnType(schema, name);
      const set = (kw['value_set'] as unknown[]).map((v) => valueLiteral(v, type)).join(', ');
      return {
        kind: 'row',
        expectation,
        counted: `${c} IS NOT NULL`,
        unexpected: `${c} IS NOT NULL AND ${c} NOT IN (${set})`,
        aggregates: [],
        sampleColumns: [name],
      };
    }
    case INCREASING_TYPE: {
      const groups = ((kw['group_by'] as string[] | undefined) ?? []).map(q);
      const order = q(String(kw['order_by']));
      const previous = `__dq_prev_${k}`;
      const partition = groups.length > 0 ? `PARTITION BY ${groups.join(', ')} ` : '';
      const compare = kw['strictly'] === true ? '<=' : '<';
      return {
        kind: 'row',
        expectation,
        counted: `${c} IS NOT NULL`,
        unexpected: `${c} IS NOT NULL AND ${previous} IS NOT NULL AND ${c} ${compare} ${previous}`,
        aggregates: [],
        window: `lag(${c} IGNORE NULLS) OVER (${partition}ORDER BY ${order}) AS ${previous}`,
        sampleColumns: [
          ...((kw['group_by'] as string[] | undefined) ?? []),
          String(kw['order_by']),
          name,
        ],
      };
    }
    case 'expect_column_values_to_be_unique':
    case 'expect_compound_columns_to_be_unique': {
      const columns =
        expectation.type === 'expect_column_values_to_be_unique'
          ? [name]
          : (kw['column_list'] as string[]);
      return { kind: 'unique', expectation, columns, countAlias: `u${k}_n` };
    }
    case 'expect_table_row_count_to_be_between':
      return { kind: 'aggregate', expectation, aggregates: [[`a${k}`, 'count(*)']] };
    case 'expect_column_mean_to_be_between':
    case 'expect_column_min_to_be_between':
    case 'expect_column_max_to_be_between': {
      const fn = expectation.type.slice('expect_column_'.length).split('_')[0]!;
      const sql = fn === 'mean' ? `avg(${c})` : `CAST(${fn}(${c}) AS DOUBLE)`;
      return {
        kind: 'aggregate',
        expectation,
        aggregates: [
          [`a${k}`, sql],
          [`a${k}_n`, `count(${c})`],
        ],
      };
    }
    case FRESHNESS_TYPE:
      return {
        kind: 'aggregate',
        expectation,
        aggregates: [
          [`a${k}`, `epoch_ms(CAST(max(${c}) AS TIMESTAMPTZ))`],
          [`a${k}_n`, `count(${c})`],
        ],
      };
  }
}

function toNumber(value: DuckDBValue | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  return Number(String(value));
}

/** A number as JSON can hold it: NaN and infinities as strings. */
function jsonNumber(value: number | null): number | string | null {
  if (value === null) return null;
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

/** A value from DuckDB's JSON rendering, made plain JSON by column type. */
function sampleValue(value: unknown, type: LakeType | 'count'): unknown {
  if (value === null || value === undefined) return null;
  if ((type === 'long' || type === 'count') && typeof value === 'string') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if ((type === 'double' || type === 'integer') && typeof value === 'string') {
    // DECIMAL values come as text; NaN and infinities stay text (JSON has no such numbers).
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  if (type === 'timestamp' && typeof value === 'string') {
    // DuckDB's `2026-01-01 08:00:00.123456+00` as ISO 8601.
    return value.replace(' ', 'T').replace(/\+00(:00)?$/, 'Z');
  }
  return value;
}

/** The relation's rows with at least `columns`. */
function relation(source: RelationSql, columns: readonly string[]): string {
  if (typeof source !== 'string') return source(columns);
  const list = columns.length === 0 ? ['1 AS __dq_one'] : columns.map(q);
  return `SELECT ${list.join(', ')} FROM (${source}) AS __dq_in`;
}

/** Rows the expectation reads, as a projection over `source` (plus window columns). */
function projection(
  source: RelationSql,
  columns: Iterable<string>,
  windows: readonly string[],
): string {
  const names = [...new Set(columns)];
  const list = names.length === 0 ? ['1 AS __dq_one'] : names.map(q);
  return `SELECT ${[...list, ...windows].join(', ')} FROM (${relation(source, names)}) AS __dq_src`;
}

function columnsOf(plan: Plan): string[] {
  const kw = plan.expectation.kwargs;
  const out: string[] = [];
  if (typeof kw['column'] === 'string') out.push(kw['column']);
  for (const key of ['column_list', 'group_by']) {
    const value = kw[key];
    if (Array.isArray(value)) out.push(...value.map(String));
  }
  if (typeof kw['order_by'] === 'string') out.push(kw['order_by']);
  return out;
}

async function readOne(connection: DuckDBConnection, sql: string): Promise<Values> {
  const reader = await connection.runAndReadAll(sql);
  const names = reader.columnNames();
  const row = reader.getRows()[0] ?? [];
  return new Map(names.map((name, i) => [name, row[i] ?? null]));
}

interface Judged {
  readonly success: boolean;
  readonly observed: unknown;
  readonly elementCount: number;
  readonly unexpectedCount: number;
  readonly sample: readonly Record<string, unknown>[];
  readonly millis: number;
}

/** One expectation to evaluate: its plan, its suite and the number that makes its aliases unique. */
interface Entry<P extends Plan = Plan> {
  readonly k: number;
  readonly suite: ExpectationSuite;
  readonly plan: P;
}

function mapSuccess(expectation: Expectation, elements: number, unexpected: number): boolean {
  if (elements === 0) return true;
  return (elements - unexpected) / elements >= mostlyOf(expectation);
}

/** A value as JSON keeps it, by the lake type of the column it came from. */
function sampleRows(
  rows: readonly Record<string, unknown>[],
  typeOf: (column: string) => LakeType | 'count',
): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) out[key] = sampleValue(value, typeOf(key));
    return out;
  });
}

/** True when one of `columns` is declared non-nullable: no row has them all null. */
function keyAlwaysPresent(schema: TableSchema, columns: readonly string[]): boolean {
  return columns.some((c) => schema.fields.find((f) => f.name === c)?.nullable === false);
}

/** A row-level plan with the number that names its flag columns. */
interface FlaggedPlan {
  readonly k: number;
  readonly plan: RowPlan;
}

/**
 * The rows of `source` with, per row-level plan, its verdicts computed once as columns:
 * `__dq_c<k>` (looked at) and `__dq_u<k>` (failed), plus `__dq_leaves` (failed one of the
 * `routed` plans, whose rows leave the batch; false when there are none).
 */
function flaggedRows(
  source: RelationSql,
  columns: readonly string[],
  plans: readonly FlaggedPlan[],
  routed: readonly FlaggedPlan[],
): string {
  const windows = plans.flatMap((x) => (x.plan.window === undefined ? [] : [x.plan.window]));
  const base = projection(source, columns, windows);
  const flags = plans.flatMap(({ k, plan }) => [
    `coalesce(${plan.counted}, false) AS __dq_c${k}`,
    `coalesce(${plan.unexpected}, false) AS __dq_u${k}`,
  ]);
  const leaves = routed.length === 0 ? 'false' : routed.map(({ k }) => `__dq_u${k}`).join(' OR ');
  const flagged = `SELECT *, ${[...flags, '1 AS __dq_flagged'].join(', ')} FROM (${base}) AS __dq_base`;
  return `SELECT *, ${leaves} AS __dq_leaves FROM (${flagged}) AS __dq_flags`;
}

/**
 * Evaluates suites on one batch and returns one outcome per expectation, in suite and
 * expectation order. Row-level counts and table aggregates of all suites share one
 * aggregate query per relation; uniqueness runs a GROUP BY each; samples are fetched only
 * for expectations with failing rows.
 *
 * @example
 * const outcomes = await evaluateSuites(connection, [suite], {
 *   table: 'silver/telemetry', tableVersion: 7, schema, tableSql: scanSql(snapshot),
 * });
 */
export async function evaluateSuites(
  connection: DuckDBConnection,
  suites: readonly ExpectationSuite[],
  batch: DqBatch,
  options: EvaluateOptions = {},
): Promise<ExpectationOutcome[]> {
  const entries: Entry[] = [];
  for (const suite of suites) {
    for (const e of suite.expectations) {
      if (options.only !== undefined && !options.only(e, suite)) continue;
      const k = entries.length;
      entries.push({ k, suite, plan: planOf(e, k, batch.schema) });
    }
  }
  if (entries.length === 0) return [];
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  const now = options.now ?? new Date();
  const typeOf = (column: string): LakeType => columnType(batch.schema, column);

  // Rows failing a quarantine expectation leave the batch for the other row expectations.
  const rowEntries = entries.filter((x): x is Entry<RowPlan> => x.plan.kind === 'row');
  const routed = options.routeQuarantine
    ? rowEntries.filter((x) => x.plan.expectation.quarantine)
    : [];
  const judgedBy = (x: Entry<RowPlan>): boolean =>
    routed.length > 0 && !x.plan.expectation.quarantine;
  const tableEntries = entries.filter((x) => x.plan.kind !== 'row');
  const keyColumns = [...new Set(suites.flatMap((suite) => suite.keyColumns))];
  const rowColumns = [...keyColumns, ...rowEntries.flatMap((x) => columnsOf(x.plan))];
  const tableColumns = tableEntries.flatMap((x) =>
    x.plan.kind === 'unique' && keyAlwaysPresent(batch.schema, x.plan.columns)
      ? []
      : columnsOf(x.plan),
  );

  const rowAggregates = rowEntries.flatMap((x) => {
    const { k, plan } = x;
    const stays = judgedBy(x) ? ' AND NOT __dq_leaves' : '';
    return [
      `count(*) FILTER (WHERE __dq_c${k}${stays}) AS r${k}_e`,
      `count(*) FILTER (WHERE __dq_u${k}${stays}) AS r${k}_u`,
      ...plan.aggregates.map(
        ([alias, sql]) =>
          `${sql}${stays === '' ? '' : ' FILTER (WHERE NOT __dq_leaves)'} AS ${alias}`,
      ),
    ];
  });
  const tableAggregates = ['count(*) AS __dq_rows'];
  for (const { plan } of tableEntries) {
    if (plan.kind === 'aggregate') {
      tableAggregates.push(...plan.aggregates.map(([alias, sql]) => `${sql} AS ${alias}`));
    } else if (plan.kind === 'unique') {
      // A key with a non-nullable column is never all null: count(*) needs no column read.
      const required = keyAlwaysPresent(batch.schema, plan.columns);
      const notAllNull = plan.columns.map((c) => `${q(c)} IS NOT NULL`).join(' OR ');
      tableAggregates.push(
        required
          ? `count(*) AS ${plan.countAlias}`
          : `count(*) FILTER (WHERE ${notAllNull}) AS ${plan.countAlias}`,
      );
    }
  }

  const values = new Map<string, DuckDBValue>();
  const aggregate = async (relationSql: string, list: readonly string[]): Promise<number> => {
    const started = performance.now();
    const sql = `SELECT ${list.join(', ')} FROM (${relationSql}) AS __dq_rows`;
    for (const [key, value] of await readOne(connection, sql)) values.set(key, value);
    return performance.now() - started;
  };
  // The time of a shared pass is split evenly among the expectations that used it.
  let rowShare = 0;
  let tableShare = 0;
  if (batch.rowsSql === undefined) {
    const rows = flaggedRows(batch.tableSql, [...rowColumns, ...tableColumns], rowEntries, routed);
    const millis = await aggregate(rows, [...rowAggregates, ...tableAggregates]);
    rowShare = tableShare = millis / entries.length;
  } else {
    if (rowEntries.length > 0) {
      const rows = flaggedRows(batch.rowsSql, rowColumns, rowEntries, routed);
      rowShare = (await aggregate(rows, rowAggregates)) / rowEntries.length;
    }
    if (tableEntries.length > 0) {
      const rows = projection(batch.tableSql, tableColumns, []);
      tableShare = (await aggregate(rows, tableAggregates)) / tableEntries.length;
    }
  }

  const judged = new Map<number, Judged>();
  for (const x of rowEntries) {
    const { k, suite, plan } = x;
    const e = plan.expectation;
    const elements = toNumber(values.get(`r${k}_e`)) ?? 0;
    const unexpected = toNumber(values.get(`r${k}_u`)) ?? 0;
    let sample: Record<string, unknown>[] = [];
    let sampleMillis = 0;
    if (unexpected > 0) {
      const started = performance.now();
      const shown = [...new Set([...suite.keyColumns, ...plan.sampleColumns])];
      const column = String(e.kwargs['column']);
      const previous =
        plan.window === undefined ? [] : [`__dq_prev_${k} AS ${q(`previous_${column}`)}`];
      // Only this expectation's flags (and the routing ones it depends on) are computed.
      const involved = judgedBy(x) ? [x, ...routed] : [x];
      const source = flaggedRows(
        batch.rowsSql ?? batch.tableSql,
        [...shown, ...involved.flatMap((y) => columnsOf(y.plan))],
        involved,
        judgedBy(x) ? routed : [],
      );
      const order =
        suite.keyColumns.length > 0 ? ` ORDER BY ${suite.keyColumns.map(q).join(', ')}` : '';
      const reader = await connection.runAndReadAll(
        `SELECT ${[...shown.map(q), ...previous].join(', ')} FROM (${source}) AS __dq_rows ` +
          `WHERE __dq_u${k}${judgedBy(x) ? ' AND NOT __dq_leaves' : ''}${order} LIMIT ${sampleSize}`,
      );
      sample = sampleRows(reader.getRowObjectsJson(), (key) =>
        key === `previous_${column}` && !shown.includes(key) ? typeOf(column) : typeOf(key),
      );
      sampleMillis = performance.now() - started;
    }
    let observed: unknown;
    switch (e.type) {
      case 'expect_column_values_to_not_be_null':
        observed = { null_count: unexpected };
        break;
      case 'expect_column_values_to_be_between':
        observed = {
          min: jsonNumber(toNumber(values.get(`r${k}_min`))),
          max: jsonNumber(toNumber(values.get(`r${k}_max`))),
          unexpected_count: unexpected,
        };
        break;
      case 'expect_column_values_to_be_in_set': {
        const column = String(e.kwargs['column']);
        const seen = [...new Set(sample.map((row) => JSON.stringify(row[column])))];
        observed = {
          unexpected_count: unexpected,
          partial_unexpected_list: seen.map((text) => JSON.parse(text) as unknown),
        };
        break;
      }
      default:
        observed = { unexpected_count: unexpected };
    }
    judged.set(k, {
      success: mapSuccess(e, elements, unexpected),
      observed,
      elementCount: elements,
      unexpectedCount: unexpected,
      sample,
      millis: rowShare + sampleMillis,
    });
  }

  for (const { k, plan } of tableEntries) {
    const e = plan.expectation;
    if (plan.kind === 'unique') {
      const started = performance.now();
      const keys = plan.columns.map(q);
      const notAllNull = keys.map((c) => `${c} IS NOT NULL`).join(' OR ');
      const keysOf = (source: RelationSql): string =>
        `SELECT ${keys.join(', ')} FROM (${relation(source, plan.columns)}) AS __dq_src WHERE ${notAllNull}`;
      let candidates: string;
      if (batch.rowsSql !== undefined && batch.existingSql !== undefined) {
        // Only keys of the new rows can have gained a duplicate: the new rows' keys and
        // the existing rows that have one of them.
        const fresh = keysOf(batch.rowsSql);
        const match = keys.map((c) => `e.${c} IS NOT DISTINCT FROM n.${c}`).join(' AND ');
        candidates =
          `${fresh} UNION ALL SELECT e.* FROM (${keysOf(batch.existingSql)}) AS e ` +
          `SEMI JOIN (SELECT DISTINCT * FROM (${fresh})) AS n ON ${match}`;
      } else {
        candidates = keysOf(batch.tableSql);
      }
      const reader = await connection.runAndReadAll(
        `SELECT ${keys.join(', ')}, n AS occurrences, count(*) OVER () AS __dq_groups, sum(n) OVER () AS __dq_unexpected ` +
          `FROM (SELECT ${keys.join(', ')}, count(*) AS n FROM (${candidates}) AS __dq_keys GROUP BY ALL HAVING count(*) > 1) AS __dq_dups ` +
          `ORDER BY n DESC, ${keys.join(', ')} LIMIT ${sampleSize}`,
      );
      const rows = reader.getRowObjectsJson();
      const groups = rows[0] === undefined ? 0 : Number(rows[0]['__dq_groups']);
      const unexpected = rows[0] === undefined ? 0 : Number(rows[0]['__dq_unexpected']);
      const elements = toNumber(values.get(plan.countAlias)) ?? 0;
      const sample = sampleRows(
        rows.map((row) => {
          const out: Record<string, unknown> = {};
          for (const column of plan.columns) out[column] = row[column];
          out['occurrences'] = row['occurrences'];
          return out;
        }),
        (key) => (key === 'occurrences' ? 'count' : typeOf(key)),
      );
      judged.set(k, {
        success: mapSuccess(e, elements, unexpected),
        observed: { duplicated_values: groups, unexpected_count: unexpected },
        elementCount: elements,
        unexpectedCount: unexpected,
        sample,
        millis: tableShare + performance.now() - started,
      });
      continue;
    }
    const measured = toNumber(values.get(`a${k}`));
    let success: boolean;
    let observed: unknown;
    let elements: number;
    if (e.type === FRESHNESS_TYPE) {
      elements = toNumber(values.get(`a${k}_n`)) ?? 0;
      if (measured === null) {
        success = false;
        observed = { max: null, lag_seconds: null };
      } else {
        const lag = (now.getTime() - measured) / 1000;
        success = lag <= Number(e.kwargs['max_lag_seconds']);
        observed = { max: new Date(measured).toISOString(), lag_seconds: lag };
      }
    } else if (e.type === 'expect_table_row_count_to_be_between') {
      elements = toNumber(values.get('__dq_rows')) ?? 0;
      observed = measured;
      success = measured !== null && within(measured, boundsOf(e.kwargs));
    } else {
      elements = toNumber(values.get(`a${k}_n`)) ?? 0;
      observed = jsonNumber(measured);
      // No value to judge (an empty table, all nulls) fails, as in Great Expectations.
      success = measured !== null && within(measured, boundsOf(e.kwargs));
    }
    judged.set(k, {
      success,
      observed,
      elementCount: elements,
      unexpectedCount: 0,
      sample: [],
      millis: tableShare,
    });
  }

  return entries.map(({ k, suite, plan }): ExpectationOutcome => {
    const e = plan.expectation;
    const r = judged.get(k)!;
    return {
      id: e.id,
      suite: suite.name,
      table: batch.table,
      tableVersion: batch.tableVersion,
      type: e.type,
      kwargs: e.kwargs,
      severity: e.severity,
      scope: e.scope,
      success: r.success,
      observed: r.observed,
      expected: expectedText(e),
      elementCount: r.elementCount,
      unexpectedCount: r.unexpectedCount,
      unexpectedPercent: r.elementCount === 0 ? 0 : (100 * r.unexpectedCount) / r.elementCount,
      quarantined: 0,
      sample: r.sample,
      millis: Math.round(r.millis * 1000) / 1000,
      ...(e.description === undefined ? {} : { description: e.description }),
    };
  });
}

/** {@link evaluateSuites} for one suite. */
export function evaluateSuite(
  connection: DuckDBConnection,
  suite: ExpectationSuite,
  batch: DqBatch,
  options: EvaluateOptions = {},
): Promise<ExpectationOutcome[]> {
  return evaluateSuites(connection, [suite], batch, options);
}

/**
 * SQL selecting, from `rowsSql`, the rows that fail any of the row-level expectations given:
 * the `keep` columns and `expectation_ids` (the labels of the failed ones, comma-separated,
 * in the order given).
 */
export function failingRowsSql(
  entries: readonly { readonly label: string; readonly expectation: Expectation }[],
  schema: TableSchema,
  rowsSql: RelationSql,
  keep: readonly string[],
): string {
  const plans = entries.map((entry, k) => {
    const plan = planOf(entry.expectation, k, schema);
    if (plan.kind !== 'row') throw new Error('only row-level expectations select failing rows');
    return { k, plan, label: entry.label };
  });
  const source = flaggedRows(
    rowsSql,
    [...keep, ...plans.flatMap((p) => columnsOf(p.plan))],
    plans,
    plans,
  );
  const ids = plans.map((p) => `CASE WHEN __dq_u${p.k} THEN ${quoteLiteral(p.label)} END`);
  return `SELECT ${keep.map(q).join(', ')}, concat_ws(',', ${ids.join(', ')}) AS expectation_ids FROM (${source}) AS __dq_rows WHERE __dq_leaves`;
}

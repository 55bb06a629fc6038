// The expectation types Pitwall evaluates: Great Expectations' names and argument names,
// plus two telemetry types (per-session monotonic values, freshness). Each entry says its
// scope, its kwargs as a JSON Schema (the suite loader validates against it) and which
// column types it accepts. The SQL for each lives in evaluate.ts. See docs/data-quality.md.
import type { LakeType } from '../../lake/index.js';
import type { ExpectationScope } from './model.js';

/** Column types an expectation accepts for its `column`. */
export type ColumnKind = 'any' | 'numeric' | 'orderable' | 'time' | 'scalar';

export interface ExpectationTypeSpec {
  readonly scope: ExpectationScope;
  /** JSON Schema (2020-12) of the kwargs; unknown keys are refused. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** What `kwargs.column` may be; undefined when the type has no `column`. */
  readonly column?: ColumnKind;
  /** One line for `pitwall dq list` and the docs. */
  readonly summary: string;
}

const COLUMN = { type: 'string', minLength: 1 } as const;
const MOSTLY = { type: 'number', minimum: 0, maximum: 1 } as const;
const BOUND = { type: ['number', 'null'] } as const;
const COLUMN_LIST = {
  type: 'array',
  items: COLUMN,
  minItems: 1,
  uniqueItems: true,
} as const;

function object(
  properties: Readonly<Record<string, unknown>>,
  required: readonly string[],
): Readonly<Record<string, unknown>> {
  return { type: 'object', properties, required, additionalProperties: false };
}

/** min_value / max_value / strict_min / strict_max, as GE's *_to_be_between types take them. */
const BETWEEN_KWARGS = {
  min_value: BOUND,
  max_value: BOUND,
  strict_min: { type: 'boolean' },
  strict_max: { type: 'boolean' },
} as const;

/** Type name of the per-session monotonic check (GE's name, Pitwall's group_by/order_by). */
export const INCREASING_TYPE = 'expect_column_values_to_be_increasing';
/** Pitwall's freshness type: the newest value of a time column is at most N seconds old. */
export const FRESHNESS_TYPE = 'expect_column_max_to_be_recent';

export const EXPECTATION_TYPES = {
  expect_column_values_to_not_be_null: {
    scope: 'row',
    column: 'any',
    kwargs: object({ column: COLUMN, mostly: MOSTLY }, ['column']),
    summary: 'each value is not null',
  },
  expect_column_values_to_be_between: {
    scope: 'row',
    column: 'numeric',
    kwargs: object({ column: COLUMN, ...BETWEEN_KWARGS, mostly: MOSTLY }, ['column']),
    summary: 'each non-null value is within [min_value, max_value] (NaN never is)',
  },
  expect_column_values_to_be_in_set: {
    scope: 'row',
    column: 'scalar',
    kwargs: object(
      {
        column: COLUMN,
        value_set: {
          type: 'array',
          minItems: 1,
          items: { type: ['string', 'number', 'boolean'] },
        },
        mostly: MOSTLY,
      },
      ['column', 'value_set'],
    ),
    summary: 'each non-null value is one of value_set',
  },
  [INCREASING_TYPE]: {
    scope: 'row',
    column: 'orderable',
    kwargs: object(
      {
        column: COLUMN,
        strictly: { type: 'boolean' },
        group_by: COLUMN_LIST,
        order_by: COLUMN,
        mostly: MOSTLY,
      },
      ['column', 'order_by'],
    ),
    summary:
      'ordered by order_by within each group_by group, each value is greater than (or, not strictly, equal to) the one before',
  },
  expect_column_values_to_be_unique: {
    scope: 'table',
    column: 'scalar',
    kwargs: object({ column: COLUMN, mostly: MOSTLY }, ['column']),
    summary: 'no non-null value occurs twice',
  },
  expect_compound_columns_to_be_unique: {
    scope: 'table',
    kwargs: object({ column_list: COLUMN_LIST, mostly: MOSTLY }, ['column_list']),
    summary: 'no combination of the columns occurs twice (rows where all are null are skipped)',
  },
  expect_table_row_count_to_be_between: {
    scope: 'table',
    kwargs: object(
      {
        min_value: { type: ['integer', 'null'], minimum: 0 },
        max_value: { type: ['integer', 'null'], minimum: 0 },
        strict_min: { type: 'boolean' },
        strict_max: { type: 'boolean' },
      },
      [],
    ),
    summary: 'the number of rows is within [min_value, max_value]',
  },
  expect_column_mean_to_be_between: {
    scope: 'table',
    column: 'numeric',
    kwargs: object({ column: COLUMN, ...BETWEEN_KWARGS }, ['column']),
    summary: 'the mean of the non-null values is within [min_value, max_value]',
  },
  expect_column_min_to_be_between: {
    scope: 'table',
    column: 'numeric',
    kwargs: object({ column: COLUMN, ...BETWEEN_KWARGS }, ['column']),
    summary: 'the smallest non-null value is within [min_value, max_value]',
  },
  expect_column_max_to_be_between: {
    scope: 'table',
    column: 'numeric',
    kwargs: object({ column: COLUMN, ...BETWEEN_KWARGS }, ['column']),
    summary: 'the largest non-null value is within [min_value, max_value]',
  },
  [FRESHNESS_TYPE]: {
    scope: 'table',
    column: 'time',
    kwargs: object({ column: COLUMN, max_lag_seconds: { type: 'number', exclusiveMinimum: 0 } }, [
      'column',
      'max_lag_seconds',
    ]),
    summary: 'the newest value is at most max_lag_seconds before now (freshness)',
  },
} as const satisfies Readonly<Record<string, ExpectationTypeSpec>>;

export type ExpectationType = keyof typeof EXPECTATION_TYPES;

export const EXPECTATION_TYPE_NAMES = Object.keys(EXPECTATION_TYPES) as ExpectationType[];

export function isExpectationType(name: string): name is ExpectationType {
  return Object.hasOwn(EXPECTATION_TYPES, name);
}

const NUMERIC: ReadonlySet<LakeType> = new Set(['integer', 'long', 'double']);

/** Whether a column of lake type `type` suits an expectation needing `kind`. */
export function columnFits(kind: ColumnKind, type: LakeType): boolean {
  switch (kind) {
    case 'any':
      return true;
    case 'numeric':
      return NUMERIC.has(type);
    case 'time':
      return type === 'timestamp' || type === 'date';
    case 'orderable':
      return NUMERIC.has(type) || type === 'timestamp' || type === 'date' || type === 'string';
    case 'scalar':
      return type !== 'binary';
  }
}

export const COLUMN_KIND_TEXT: Readonly<Record<ColumnKind, string>> = {
  any: 'a column',
  numeric: 'a numeric (integer, long, double) column',
  orderable: 'a numeric, string, date or timestamp column',
  time: 'a timestamp or date column',
  scalar: 'a column that is not binary',
};

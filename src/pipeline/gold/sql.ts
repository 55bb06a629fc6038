// Generates the gold SQL from the feature spec. The computation is designed for speed:
//
//   samples  silver rows → the measures, and the one-second bucket of each row
//   buckets  GROUP BY (session, vehicle, second): mergeable partials per measure —
//            count, Σ(x−c), Σ(x−c)², min, max — 10–50× fewer rows than silver
//   trends   per-second means and the slopes' x (seconds since the session's first bucket)
//   rates    |mean(s) − mean(s − 1)|, joining each second to the one before
//   windows  each bucket joined to the 10 windows it belongs to (last second = its second
//            + 0 … 9) and merged by one GROUP BY: sums of sums, min of mins, max of maxes,
//            regr_slope over the per-second means; kept where the last second has data
//   features the statistics from the merged partials, and the label from sessions
//
// Measured (docs/pipeline.md, "Gold"): DuckDB window frames over ~60 partial columns cost
// 4–7× the bucket aggregation; this 10-fold GROUP BY about 2.5–4×, as did a doubling plan
// of self-joins (1 → 2 → 4 → 8 seconds). Input relations are `silver_telemetry` and
// `silver_sessions` (views the caller defines).
import { exprSql, sqlNumber } from './expr.js';
import {
  FEATURES,
  WINDOW_SECONDS,
  checkFeatureSpec,
  measurePlans,
  type FeatureSpec,
  type MeasurePlan,
} from './feature-spec.js';

/** SQL dialects the generator writes; they differ only in the epoch conversions. */
export const GOLD_SQL_DIALECTS = ['duckdb', 'spark'] as const;
export type GoldSqlDialect = (typeof GOLD_SQL_DIALECTS)[number];

const DIALECT = {
  duckdb: {
    epochSecond: (ts: string) => `epoch_us(${ts}) // 1000000`,
    timestampOfSecond: (s: string) => `to_timestamp(${s})`,
  },
  spark: {
    epochSecond: (ts: string) => `unix_micros(${ts}) div 1000000`,
    timestampOfSecond: (s: string) => `timestamp_seconds(${s})`,
  },
} as const satisfies Record<
  GoldSqlDialect,
  { epochSecond: (ts: string) => string; timestampOfSecond: (s: string) => string }
>;

export interface GoldSqlOptions {
  readonly dialect?: GoldSqlDialect;
  readonly features?: readonly FeatureSpec[];
}

const col = (plan: MeasurePlan, part: string): string => `${plan.measure.name}__${part}`;

function featureSql(feature: FeatureSpec, plan: MeasurePlan): string {
  const n = plan.count;
  const s1 = col(plan, 's1');
  const s2 = col(plan, 's2');
  const min = col(plan, 'min');
  const max = col(plan, 'max');
  const c = sqlNumber(plan.measure.center);
  // Each formula is mirrored operation for operation in online.ts (windowFeatures).
  switch (feature.stat) {
    case 'mean':
      return `CASE WHEN ${n} > 0 THEN ${c} + ${s1} / ${n} END`;
    case 'std':
      return (
        `CASE WHEN ${n} > 1 THEN CASE WHEN ${max} = ${min} THEN 0.0 ` +
        `ELSE sqrt(greatest((${s2} - ${s1} * ${s1} / ${n}) / (${n} - 1.0), 0.0)) END END`
      );
    case 'min':
      return min;
    case 'max':
      return max;
    case 'range':
      return `${max} - ${min}`;
    case 'slope':
      return col(plan, 'slope');
    case 'rate_abs_mean':
      return col(plan, 'rate_abs_mean');
    case 'rate_abs_max':
      return col(plan, 'rate_abs_max');
  }
}

/** Output columns of the gold query besides the features, in order. */
export const GOLD_KEY_COLUMNS = [
  'session_id',
  'vehicle_id',
  'window_end',
  'window_seconds',
  'sample_count',
] as const;
export const GOLD_LABEL_COLUMN = 'label';

/**
 * The gold feature query: one row per session and emitted second (see feature-spec.ts for
 * the window semantics), ordered by session and window end.
 */
export function goldFeaturesSql(options: GoldSqlOptions = {}): string {
  const features = options.features ?? FEATURES;
  checkFeatureSpec(features);
  const dialect = DIALECT[options.dialect ?? 'duckdb'];
  const plans = measurePlans(features);
  const planOf = new Map(plans.map((p) => [p.measure.name, p]));
  const indent = (lines: readonly string[], spaces = 4): string =>
    lines.map((l) => `${' '.repeat(spaces)}${l}`).join(',\n');

  const sampleCols = plans.map((p) => `${exprSql(p.measure.expr)} AS m_${p.measure.name}`);

  // One count per null mask, taken of the first measure with that mask.
  const counts = new Map<string, MeasurePlan>();
  for (const p of plans) if (p.sum && !counts.has(p.count)) counts.set(p.count, p);
  const bucketCols: string[] = ['CAST(count(*) AS DOUBLE) AS rows_n'];
  for (const [name, p] of counts) {
    bucketCols.push(`CAST(count(m_${p.measure.name}) AS DOUBLE) AS ${name}`);
  }
  for (const p of plans) {
    const m = `m_${p.measure.name}`;
    const shifted = `(${m} - ${sqlNumber(p.measure.center)})`;
    if (p.sum) bucketCols.push(`sum(${shifted}) AS ${col(p, 's1')}`);
    if (p.sumSquares) bucketCols.push(`sum(${shifted} * ${shifted}) AS ${col(p, 's2')}`);
    if (p.min) bucketCols.push(`min(${m}) AS ${col(p, 'min')}`);
    if (p.max) bucketCols.push(`max(${m}) AS ${col(p, 'max')}`);
  }

  // Per-second means (for slopes and rates) and the seconds since the session's first bucket
  // (the slopes' x: small exact values, so regr_slope loses nothing to large offsets).
  // Joins, not window functions: a window operator would sort every partial column.
  const means = plans
    .filter((p) => p.bucketMean)
    .map(
      (p) =>
        `CASE WHEN b.${p.count} > 0 THEN ${sqlNumber(p.measure.center)} + b.${col(p, 's1')} / b.${p.count} END AS ${col(p, 'y')}`,
    );
  const trendCols: string[] = ['b.*', ...means];
  const trendJoins: string[] = [];
  if (plans.some((p) => p.slope)) {
    trendCols.push('CAST(b.second - f.first_second AS DOUBLE) AS slope_x');
    trendJoins.push(
      'JOIN (SELECT session_id, min(second) AS first_second FROM buckets GROUP BY session_id) AS f ON f.session_id = b.session_id',
    );
  }

  // Rates: |mean(s) − mean(s − 1)|, joining each bucket to the one a second earlier.
  const rated = plans.filter((p) => p.rate);
  const rateCols: string[] = ['t.*'];
  const rateJoins: string[] = [];
  if (rated.length > 0) {
    for (const p of rated) {
      rateCols.push(`abs(t.${col(p, 'y')} - prev.${col(p, 'y')}) AS ${col(p, 'rate')}`);
    }
    rateJoins.push(
      `LEFT JOIN (SELECT session_id, second + 1 AS second, ${rated.map((p) => col(p, 'y')).join(', ')} FROM trends) AS prev ` +
        'ON prev.session_id = t.session_id AND prev.second = t.second',
    );
  }

  // Each bucket joins the windows it belongs to (window last second = its second + 0…9) and
  // one hash aggregation merges them: cheaper than window frames over 60 partial columns.
  const lag = 'o.k';
  const windowCols: string[] = [
    'r.session_id',
    'r.vehicle_id',
    `r.second + ${lag} AS second`,
    'count(*) AS window_seconds',
    'sum(r.rows_n) AS sample_count',
  ];
  for (const name of counts.keys()) windowCols.push(`sum(r.${name}) AS ${name}`);
  for (const p of plans) {
    if (p.sum) windowCols.push(`sum(r.${col(p, 's1')}) AS ${col(p, 's1')}`);
    if (p.sumSquares) windowCols.push(`sum(r.${col(p, 's2')}) AS ${col(p, 's2')}`);
    if (p.min) windowCols.push(`min(r.${col(p, 'min')}) AS ${col(p, 'min')}`);
    if (p.max) windowCols.push(`max(r.${col(p, 'max')}) AS ${col(p, 'max')}`);
    if (p.slope) windowCols.push(`regr_slope(r.${col(p, 'y')}, r.slope_x) AS ${col(p, 'slope')}`);
    if (p.rate) {
      // A pair (s − 1, s) lies inside the window when s is not its first second.
      const rate = `CASE WHEN ${lag} < ${WINDOW_SECONDS - 1} THEN r.${col(p, 'rate')} END`;
      windowCols.push(`avg(${rate}) AS ${col(p, 'rate_abs_mean')}`);
      windowCols.push(`max(${rate}) AS ${col(p, 'rate_abs_max')}`);
    }
  }
  const offsets = Array.from({ length: WINDOW_SECONDS }, (_, k) => `(${k})`).join(', ');

  const outCols: string[] = [
    'w.session_id',
    'w.vehicle_id',
    `${dialect.timestampOfSecond('w.second + 1')} AS window_end`,
    'CAST(w.window_seconds AS INT) AS window_seconds',
    'CAST(w.sample_count AS BIGINT) AS sample_count',
    ...features.map((feature) => {
      const plan = planOf.get(feature.measure)!;
      return `${featureSql(feature, plan)} AS ${feature.name}`;
    }),
    `s.driver_profile AS ${GOLD_LABEL_COLUMN}`,
  ];

  return `-- Gold features: ${WINDOW_SECONDS}-second windows per session, emitted once per second.
-- GENERATED from src/pipeline/gold/feature-spec.ts by scripts/generate-gold-sql.ts; do not edit.
-- Inputs: silver_telemetry, silver_sessions. Window semantics: docs/pipeline.md, "Gold".
WITH samples AS (
  SELECT
    session_id,
    vehicle_id,
    ${dialect.epochSecond('event_time')} AS second,
${indent(sampleCols)}
  FROM silver_telemetry
),
buckets AS (
  SELECT
    session_id,
    vehicle_id,
    second,
${indent(bucketCols)}
  FROM samples
  GROUP BY session_id, vehicle_id, second
),
trends AS (
  SELECT
${indent(trendCols)}
  FROM buckets AS b${trendJoins.map((j) => `\n  ${j}`).join('')}
),
rates AS (
  SELECT
${indent(rateCols)}
  FROM trends AS t${rateJoins.map((j) => `\n  ${j}`).join('')}
),
windows AS (
  SELECT
${indent(windowCols)}
  FROM rates AS r
  CROSS JOIN (VALUES ${offsets}) AS o(k)
  GROUP BY r.session_id, r.vehicle_id, r.second + ${lag}
  -- Emit only at seconds with data: the window's last second must hold a bucket.
  HAVING min(${lag}) = 0
)
SELECT
${indent(outCols, 2)}
FROM windows AS w
LEFT JOIN (
  -- One label per session even if the sessions table repeated one.
  SELECT session_id, max(driver_profile) AS driver_profile FROM silver_sessions GROUP BY session_id
) AS s ON s.session_id = w.session_id
ORDER BY w.session_id, w.second
`;
}

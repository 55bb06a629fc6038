// The one definition of Pitwall's gold features: per-sample measures, the window, and the
// statistics over it. `sql.ts` generates the gold SQL from it and `online.ts` computes the
// same features event by event for live inference; a test holds the two to 1e-9.
//
// Window semantics (docs/pipeline.md, "Gold"):
// - A sample belongs to the one-second bucket s = floor(event_time in epoch seconds).
// - The window emitted at whole second t covers buckets t-10 … t-1, that is event times in
//   [t - 10 s, t). One row is emitted per session for every t whose bucket t-1 holds at
//   least one silver row of the session: once per second while data flows, never over a gap.
// - Buckets without data inside a window (dropouts, gaps) simply contribute nothing; the row
//   says how many of its ten seconds held data (`window_seconds`).
// - Moment statistics (mean, std, share) weigh samples; trend statistics (slope, rate) work
//   on per-second bucket means, so 10 Hz and 50 Hz sessions give comparable values.
import {
  band,
  signalsOf,
  constant,
  div,
  mul,
  signal,
  sub,
  where,
  type BandNode,
  type Expr,
} from './expr.js';

/** Window length in one-second buckets. */
export const WINDOW_SECONDS = 10;

/** Statistics a feature can take of its measure over the window. */
export const FEATURE_STATS = [
  /** Mean of the non-null samples. */
  'mean',
  /** Sample standard deviation (n − 1) of the non-null samples; null below 2 samples. */
  'std',
  'min',
  'max',
  /** max − min. */
  'range',
  /**
   * Least-squares slope, per second, of the per-second means against the bucket second,
   * over the window's buckets that have a mean; null below 2 such buckets.
   */
  'slope',
  /**
   * Mean of |m(s) − m(s − 1)| over adjacent buckets s − 1, s both inside the window and both
   * with a mean, m being the per-second mean: the measure's rate of change per second.
   */
  'rate_abs_mean',
  /** Max of the same |m(s) − m(s − 1)|. */
  'rate_abs_max',
] as const;

export type FeatureStat = (typeof FEATURE_STATS)[number];

/** A per-sample quantity the window statistics are taken of. */
export interface MeasureSpec {
  /** SQL-safe name: lower case letters, digits and `_`. */
  readonly name: string;
  readonly expr: Expr;
  /**
   * A typical value subtracted before sums of squares are taken: shifts the data towards 0
   * so that variance from Σ(x−c) and Σ(x−c)² loses no precision to cancellation.
   */
  readonly center: number;
  readonly description: string;
}

export interface FeatureSpec {
  /** Column name in the gold table. */
  readonly name: string;
  readonly measure: string;
  readonly stat: FeatureStat;
}

const speed = signal('speed_kmh');
const limit = signal('speed_limit_kmh');
const rpm = signal('engine_rpm');
const throttle = signal('throttle');
const brake = signal('brake');
const accel = signal('accel_mps2');
const overLimit = sub(speed, limit);
/** Speed-over-limit measures only where a limit is posted (0 means none known). */
const limitKnown: BandNode = band(limit, 1, undefined);

function bandMeasures(
  prefix: string,
  of: Expr,
  edges: readonly number[],
  unit: string,
): MeasureSpec[] {
  const out: MeasureSpec[] = [];
  for (let k = 0; k <= edges.length; k++) {
    const lo = k === 0 ? undefined : edges[k - 1];
    const hi = k === edges.length ? undefined : edges[k];
    const name =
      lo === undefined ? `lt${hi}` : hi === undefined ? `ge${lo}` : `${String(lo)}_${String(hi)}`;
    out.push({
      name: `${prefix}_${name}`,
      expr: band(of, lo, hi),
      center: 0,
      description: `1 when ${lo ?? '−∞'} ≤ ${unit} < ${hi ?? '∞'}`,
    });
  }
  return out;
}

/** Engine speed bands, rpm: eco drivers short-shift, aggressive ones rev out. */
export const RPM_BAND_EDGES = [1500, 2500, 3500, 4500] as const;
/** Road speed bands, km/h. */
export const SPEED_BAND_EDGES = [30, 60, 90, 120] as const;

export const MEASURES = [
  { name: 'rpm', expr: rpm, center: 2000, description: 'engine_rpm' },
  { name: 'throttle', expr: throttle, center: 0.3, description: 'throttle' },
  { name: 'brake', expr: brake, center: 0, description: 'brake' },
  { name: 'load', expr: signal('engine_load_pct'), center: 40, description: 'engine_load_pct' },
  { name: 'speed', expr: speed, center: 60, description: 'speed_kmh' },
  { name: 'gear', expr: signal('gear'), center: 3, description: 'gear' },
  { name: 'accel', expr: accel, center: 0, description: 'accel_mps2' },
  { name: 'fuel_rate', expr: signal('fuel_rate_lph'), center: 5, description: 'fuel_rate_lph' },
  { name: 'coolant', expr: signal('coolant_temp_c'), center: 90, description: 'coolant_temp_c' },
  { name: 'brake_temp', expr: signal('brake_temp_c'), center: 100, description: 'brake_temp_c' },
  {
    name: 'power_factor',
    expr: mul(rpm, div(signal('engine_load_pct'), constant(100))),
    center: 1000,
    description: 'engine_rpm × engine_load_pct / 100: how hard the engine is worked',
  },
  {
    name: 'over_limit',
    expr: where(overLimit, limitKnown),
    center: 0,
    description: 'speed_kmh − speed_limit_kmh, where a limit is posted',
  },
  {
    name: 'limit_ratio',
    expr: where(div(speed, limit), limitKnown),
    center: 0.8,
    description: 'speed_kmh / speed_limit_kmh, where a limit is posted',
  },
  {
    name: 'rpm_per_kmh',
    expr: where(div(rpm, speed), band(speed, 10, undefined)),
    center: 40,
    description: 'engine_rpm / speed_kmh at 10 km/h and above: gear choice, normalised for speed',
  },
  {
    name: 'speeding',
    expr: where(band(overLimit, 10, undefined), limitKnown),
    center: 0,
    description: '1 when more than 10 km/h over a posted limit',
  },
  {
    name: 'harsh_accel',
    expr: band(accel, 2, undefined),
    center: 0,
    description: '1 when accel_mps2 ≥ 2',
  },
  {
    name: 'harsh_brake',
    expr: band(accel, undefined, -3),
    center: 0,
    description: '1 when accel_mps2 < −3',
  },
  {
    name: 'braking',
    expr: band(brake, 0.05, undefined),
    center: 0,
    description: '1 when brake ≥ 0.05',
  },
  {
    name: 'full_throttle',
    expr: band(throttle, 0.9, undefined),
    center: 0,
    description: '1 when throttle ≥ 0.9',
  },
  ...bandMeasures('rpm_band', rpm, RPM_BAND_EDGES, 'engine_rpm'),
  ...bandMeasures('speed_band', speed, SPEED_BAND_EDGES, 'speed_kmh'),
] as const satisfies readonly MeasureSpec[];

export type MeasureName = (typeof MEASURES)[number]['name'];

function f(measure: MeasureName, stat: FeatureStat, name = `${measure}_${stat}`): FeatureSpec {
  return { name, measure, stat };
}

/** Share of samples in a band: the mean of its indicator. */
function share(measure: MeasureName): FeatureSpec {
  return f(measure, 'mean', `${measure}_share`);
}

export const FEATURES: readonly FeatureSpec[] = [
  f('rpm', 'mean'),
  f('rpm', 'std'),
  f('rpm', 'min'),
  f('rpm', 'max'),
  f('rpm', 'range'),
  f('throttle', 'mean'),
  f('throttle', 'std'),
  f('throttle', 'max'),
  f('throttle', 'rate_abs_mean'),
  f('load', 'mean'),
  f('load', 'max'),
  f('speed', 'mean'),
  f('speed', 'std'),
  f('speed', 'max'),
  f('gear', 'mean'),
  f('gear', 'min'),
  f('gear', 'max'),
  f('brake', 'mean'),
  f('brake', 'max'),
  f('accel', 'mean'),
  f('accel', 'std'),
  f('accel', 'min'),
  f('accel', 'max'),
  // The rate of the per-second mean acceleration is the jerk, in m/s³.
  f('accel', 'rate_abs_mean', 'jerk_abs_mean'),
  f('accel', 'rate_abs_max', 'jerk_abs_max'),
  f('fuel_rate', 'mean'),
  f('power_factor', 'mean'),
  f('power_factor', 'max'),
  f('over_limit', 'mean'),
  f('over_limit', 'max'),
  f('limit_ratio', 'mean'),
  f('rpm_per_kmh', 'mean'),
  f('coolant', 'slope'),
  f('brake_temp', 'mean'),
  f('brake_temp', 'slope'),
  share('speeding'),
  share('harsh_accel'),
  share('harsh_brake'),
  share('braking'),
  share('full_throttle'),
  ...MEASURES.filter((m) => m.name.startsWith('rpm_band_') || m.name.startsWith('speed_band_')).map(
    (m) => share(m.name),
  ),
];

/** The measure spec by name. */
export function measureSpec(name: string): MeasureSpec {
  const found = (MEASURES as readonly MeasureSpec[]).find((m) => m.name === name);
  if (found === undefined) throw new RangeError(`unknown gold measure '${name}'`);
  return found;
}

/**
 * Measures that are null exactly when the same signals are null share one count column:
 * without a `where`, an expression is null iff one of its signals is.
 */
export function countKey(measure: MeasureSpec): string {
  const hasWhere = (e: Expr): boolean =>
    e.kind === 'where' ||
    (e.kind === 'arithmetic' && (hasWhere(e.left) || hasWhere(e.right))) ||
    (e.kind === 'band' && hasWhere(e.of));
  if (hasWhere(measure.expr)) return measure.name;
  return signalsOf(measure.expr).sort().join('__');
}

/** Per-bucket partial aggregates a measure needs, derived from the stats taken of it. */
export interface MeasurePlan {
  readonly measure: MeasureSpec;
  /** Name of the count column (shared between measures with the same null mask). */
  readonly count: string;
  /** Count, Σ(x−c): mean, std, and the bucket mean for slope and rate. */
  readonly sum: boolean;
  /** Σ(x−c)²: std. */
  readonly sumSquares: boolean;
  readonly min: boolean;
  readonly max: boolean;
  /** Per-bucket mean, for slope and rate. */
  readonly bucketMean: boolean;
  readonly slope: boolean;
  readonly rate: boolean;
}

/** What to aggregate per bucket for each measure the features use, in measure order. */
export function measurePlans(features: readonly FeatureSpec[] = FEATURES): MeasurePlan[] {
  const plans: MeasurePlan[] = [];
  for (const measure of MEASURES as readonly MeasureSpec[]) {
    const stats = new Set(features.filter((x) => x.measure === measure.name).map((x) => x.stat));
    if (stats.size === 0) continue;
    const slope = stats.has('slope');
    const rate = stats.has('rate_abs_mean') || stats.has('rate_abs_max');
    plans.push({
      measure,
      count: `n_${countKey(measure)}`,
      sum: stats.has('mean') || stats.has('std') || slope || rate,
      sumSquares: stats.has('std'),
      // std is exactly 0 when min = max: no rounding residue on a constant window.
      min: stats.has('min') || stats.has('range') || stats.has('std'),
      max: stats.has('max') || stats.has('range') || stats.has('std'),
      bucketMean: slope || rate,
      slope,
      rate,
    });
  }
  return plans;
}

/** Checks the spec: unique SQL-safe names, known measures. Throws on the first problem. */
export function checkFeatureSpec(features: readonly FeatureSpec[] = FEATURES): void {
  const names = new Set<string>();
  const safe = /^[a-z][a-z0-9_]*$/;
  for (const m of MEASURES as readonly MeasureSpec[]) {
    if (!safe.test(m.name)) throw new RangeError(`measure name '${m.name}' is not SQL-safe`);
  }
  for (const feature of features) {
    if (!safe.test(feature.name)) throw new RangeError(`feature '${feature.name}' is not SQL-safe`);
    if (names.has(feature.name)) throw new RangeError(`feature '${feature.name}' repeats`);
    names.add(feature.name);
    measureSpec(feature.measure);
  }
}

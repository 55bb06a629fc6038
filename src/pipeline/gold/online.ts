// The online feature computer: the gold features of one session, computed event by event
// for live inference. Same spec, same per-second partials and the same formulas as the gold
// SQL (sql.ts), so the two agree to floating-point noise (test/pipeline/gold-online.test.ts).
import { SIGNAL_COUNT, SIGNAL_INDEX, SIGNALS } from '../../telemetry/signals.js';
import type { Signals } from '../../telemetry/events.js';
import { compileExpr, type CompiledExpr } from './expr.js';
import {
  FEATURES,
  WINDOW_SECONDS,
  checkFeatureSpec,
  measurePlans,
  type FeatureSpec,
  type MeasurePlan,
} from './feature-spec.js';

/** One emitted window: the gold row without session ids and label. */
export interface OnlineFeatureRow {
  /** End of the window (exclusive), epoch seconds; the window is [end − 10 s, end). */
  readonly windowEnd: number;
  /** How many of the window's ten seconds held at least one event (1–10). */
  readonly windowSeconds: number;
  readonly sampleCount: number;
  /** Feature values in `featureNames` order; NaN where gold has null. */
  readonly values: Float64Array;
}

const STAT_MEAN = 0;
const STAT_STD = 1;
const STAT_MIN = 2;
const STAT_MAX = 3;
const STAT_RANGE = 4;
const STAT_SLOPE = 5;
const STAT_RATE_MEAN = 6;
const STAT_RATE_MAX = 7;
const STAT_CODE = {
  mean: STAT_MEAN,
  std: STAT_STD,
  min: STAT_MIN,
  max: STAT_MAX,
  range: STAT_RANGE,
  slope: STAT_SLOPE,
  rate_abs_mean: STAT_RATE_MEAN,
  rate_abs_max: STAT_RATE_MAX,
} as const;

/**
 * Feeds one session's events in event-time order; every time an event opens a new second,
 * the window ending at the start of that second is emitted (as gold emits it). `flush()`
 * emits the last open second at the end of a session. Events older than the open second
 * arrive too late for their window and are counted in `lateEvents`, not used.
 *
 * @example
 * const features = new OnlineFeatureComputer();
 * for (const event of events) {
 *   const row = features.pushSignals(Date.parse(event.event_time), event.signals);
 *   if (row) predict(row.values);
 * }
 */
export class OnlineFeatureComputer {
  readonly featureNames: readonly string[];
  /** Events dropped because their second had already been emitted. */
  lateEvents = 0;

  private readonly plans: readonly MeasurePlan[];
  private readonly exprs: readonly CompiledExpr[];
  /** Count column index of each plan (plans with one null mask share a count). */
  private readonly countOf: Int32Array;
  private readonly countColumns: number;
  private readonly featurePlan: Int32Array;
  private readonly featureStat: Int32Array;
  private readonly measureValues: Float64Array;
  private readonly scratch = new Float64Array(SIGNAL_COUNT);
  /** Per event: which shared count columns were already incremented. */
  private readonly counted: Uint8Array;

  // Ring of per-second partials, slot = second mod WINDOW_SECONDS.
  private readonly slotSecond = new Float64Array(WINDOW_SECONDS).fill(Number.NaN);
  private readonly slotRows = new Float64Array(WINDOW_SECONDS);
  private readonly slotCount: Float64Array;
  private readonly slotS1: Float64Array;
  private readonly slotS2: Float64Array;
  private readonly slotMin: Float64Array;
  private readonly slotMax: Float64Array;
  private openSecond = Number.NaN;

  constructor(features: readonly FeatureSpec[] = FEATURES) {
    checkFeatureSpec(features);
    this.featureNames = features.map((f) => f.name);
    this.plans = measurePlans(features);
    this.exprs = this.plans.map((p) => compileExpr(p.measure.expr, (name) => SIGNAL_INDEX[name]));
    const countNames: string[] = [];
    this.countOf = Int32Array.from(this.plans, (p) => {
      let k = countNames.indexOf(p.count);
      if (k < 0) k = countNames.push(p.count) - 1;
      return k;
    });
    this.countColumns = countNames.length;
    this.counted = new Uint8Array(this.countColumns);
    const planIndex = new Map(this.plans.map((p, k) => [p.measure.name, k]));
    this.featurePlan = Int32Array.from(features, (f) => planIndex.get(f.measure)!);
    this.featureStat = Int32Array.from(features, (f) => STAT_CODE[f.stat]);
    const m = this.plans.length;
    this.measureValues = new Float64Array(m);
    this.slotCount = new Float64Array(WINDOW_SECONDS * this.countColumns);
    this.slotS1 = new Float64Array(WINDOW_SECONDS * m);
    this.slotS2 = new Float64Array(WINDOW_SECONDS * m);
    this.slotMin = new Float64Array(WINDOW_SECONDS * m);
    this.slotMax = new Float64Array(WINDOW_SECONDS * m);
  }

  /**
   * Adds one event: `timeUs` is its event time in epoch microseconds, `signals` its values
   * in `SIGNALS` order with NaN for null. Returns the window this event's second closed, if any.
   */
  push(timeUs: number, signals: ArrayLike<number>): OnlineFeatureRow | undefined {
    const second = Math.floor(timeUs / 1_000_000);
    let emitted: OnlineFeatureRow | undefined;
    if (!(second === this.openSecond)) {
      if (second < this.openSecond) {
        this.lateEvents++;
        return undefined;
      }
      emitted = this.flush();
      this.open(second);
    }
    this.accumulate(second, signals);
    return emitted;
  }

  /** `push` for an event's `signals` object (null for a missing value), time in epoch ms. */
  pushSignals(timeMs: number, signals: Signals): OnlineFeatureRow | undefined {
    const values = this.scratch;
    for (let k = 0; k < SIGNAL_COUNT; k++) values[k] = signals[SIGNALS[k]!.name] ?? Number.NaN;
    return this.push(timeMs * 1000, values);
  }

  /** Emits the window of the open second (the session ended or went quiet); idempotent. */
  flush(): OnlineFeatureRow | undefined {
    if (Number.isNaN(this.openSecond)) return undefined;
    const row = this.window(this.openSecond);
    this.openSecond = Number.NaN;
    return row;
  }

  private open(second: number): void {
    const slot = ((second % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS;
    this.slotSecond[slot] = second;
    this.slotRows[slot] = 0;
    this.slotCount.fill(0, slot * this.countColumns, (slot + 1) * this.countColumns);
    const m = this.plans.length;
    this.slotS1.fill(0, slot * m, (slot + 1) * m);
    this.slotS2.fill(0, slot * m, (slot + 1) * m);
    this.slotMin.fill(Number.NaN, slot * m, (slot + 1) * m);
    this.slotMax.fill(Number.NaN, slot * m, (slot + 1) * m);
    this.openSecond = second;
  }

  private accumulate(second: number, signals: ArrayLike<number>): void {
    const slot = ((second % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS;
    let values: Float64Array;
    if (signals instanceof Float64Array) values = signals;
    else {
      values = this.scratch;
      for (let k = 0; k < SIGNAL_COUNT; k++) values[k] = signals[k] ?? Number.NaN;
    }
    this.slotRows[slot]!++;
    const m = this.plans.length;
    const counted = this.counted;
    counted.fill(0);
    for (let p = 0; p < m; p++) {
      const x = this.exprs[p]!(values);
      this.measureValues[p] = x;
      if (x !== x) continue;
      const c = this.countOf[p]!;
      if (counted[c] === 0) {
        counted[c] = 1;
        this.slotCount[slot * this.countColumns + c]!++;
      }
      const d = x - this.plans[p]!.measure.center;
      const at = slot * m + p;
      this.slotS1[at]! += d;
      this.slotS2[at]! += d * d;
      const min = this.slotMin[at]!;
      if (!(x >= min)) this.slotMin[at] = x;
      const max = this.slotMax[at]!;
      if (!(x <= max)) this.slotMax[at] = x;
    }
  }

  /** Slots of the window whose last second is `last`, oldest first. */
  private windowSlots(last: number): number[] {
    const slots: number[] = [];
    for (let s = last - WINDOW_SECONDS + 1; s <= last; s++) {
      const slot = ((s % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS;
      if (this.slotSecond[slot] === s) slots.push(slot);
    }
    return slots;
  }

  /** The per-second mean of plan `p` in `slot`, as the SQL computes it; NaN without data. */
  private bucketMean(slot: number, p: number): number {
    const n = this.slotCount[slot * this.countColumns + this.countOf[p]!]!;
    return n > 0
      ? this.plans[p]!.measure.center + this.slotS1[slot * this.plans.length + p]! / n
      : Number.NaN;
  }

  private window(last: number): OnlineFeatureRow {
    const slots = this.windowSlots(last);
    const m = this.plans.length;
    let rows = 0;
    for (const slot of slots) rows += this.slotRows[slot]!;
    const values = new Float64Array(this.featureNames.length);
    for (let f = 0; f < values.length; f++) {
      const p = this.featurePlan[f]!;
      const plan = this.plans[p]!;
      const c = plan.measure.center;
      let n = 0;
      let s1 = 0;
      let s2 = 0;
      let min = Number.NaN;
      let max = Number.NaN;
      for (const slot of slots) {
        n += this.slotCount[slot * this.countColumns + this.countOf[p]!]!;
        const at = slot * m + p;
        s1 += this.slotS1[at]!;
        s2 += this.slotS2[at]!;
        const lo = this.slotMin[at]!;
        const hi = this.slotMax[at]!;
        if (lo === lo && !(lo >= min)) min = lo;
        if (hi === hi && !(hi <= max)) max = hi;
      }
      let value = Number.NaN;
      switch (this.featureStat[f]) {
        case STAT_MEAN:
          if (n > 0) value = c + s1 / n;
          break;
        case STAT_STD:
          if (n > 1)
            value = max === min ? 0 : Math.sqrt(Math.max((s2 - (s1 * s1) / n) / (n - 1), 0));
          break;
        case STAT_MIN:
          value = min;
          break;
        case STAT_MAX:
          value = max;
          break;
        case STAT_RANGE:
          value = max - min;
          break;
        case STAT_SLOPE:
          value = this.slope(slots, p);
          break;
        case STAT_RATE_MEAN:
        case STAT_RATE_MAX:
          value = this.rate(last, p, this.featureStat[f] === STAT_RATE_MAX);
          break;
      }
      values[f] = value;
    }
    return { windowEnd: last + 1, windowSeconds: slots.length, sampleCount: rows, values };
  }

  /** Least-squares slope of the bucket means against the second (regr_slope in SQL). */
  private slope(slots: readonly number[], p: number): number {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const slot of slots) {
      const y = this.bucketMean(slot, p);
      if (y !== y) continue;
      xs.push(this.slotSecond[slot]! - this.slotSecond[slots[0]!]!);
      ys.push(y);
    }
    if (xs.length < 2) return Number.NaN;
    let mx = 0;
    let my = 0;
    for (let k = 0; k < xs.length; k++) {
      mx += xs[k]!;
      my += ys[k]!;
    }
    mx /= xs.length;
    my /= ys.length;
    let sxy = 0;
    let sxx = 0;
    for (let k = 0; k < xs.length; k++) {
      sxy += (xs[k]! - mx) * (ys[k]! - my);
      sxx += (xs[k]! - mx) * (xs[k]! - mx);
    }
    return sxy / sxx;
  }

  /** Mean (or max) of |m(s) − m(s − 1)| over adjacent seconds inside the window. */
  private rate(last: number, p: number, wantMax: boolean): number {
    let sum = 0;
    let count = 0;
    let max = Number.NaN;
    for (let s = last - WINDOW_SECONDS + 2; s <= last; s++) {
      const slot = ((s % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS;
      const before = (((slot - 1) % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS;
      if (this.slotSecond[slot] !== s || this.slotSecond[before] !== s - 1) continue;
      const r = Math.abs(this.bucketMean(slot, p) - this.bucketMean(before, p));
      if (r !== r) continue;
      sum += r;
      count++;
      if (!(r <= max)) max = r;
    }
    if (count === 0) return Number.NaN;
    return wantMax ? max : sum / count;
  }
}

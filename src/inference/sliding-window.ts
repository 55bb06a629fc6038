// The sliding 10-second event-time window of one session: gold's features (the same spec,
// the same per-second partials and formulas as the gold SQL) computed sample by sample,
// with late and out-of-order samples, duplicates and gaps, and no allocation per sample or
// per window.
//
// Cost model. Each sample is folded into the partials of its one-second bucket by a kernel
// generated from the spec (window-kernel.ts): per measure one expression and the partials
// its statistics read (count, Σ(x−c), Σ(x−c)², min, max) — constant work. A window
// is emitted once per second of event time by merging its ≤ 10 bucket partials, also
// constant work (10 × the partial columns), i.e. less than one addition per partial per
// sample at 10 Hz. Merging is preferred to running sums with subtraction (add the entering
// bucket, subtract the leaving one): subtraction leaves rounding residue that grows with
// the session and breaks the 1e-9 parity with gold over long drives, and min/max would then
// need monotonic deques. Over ten partials a plain merge is cheaper than either.
//
// Lateness. Samples are accepted out of order as long as their second is still open: the
// window ending at t (buckets t−10 … t−1) is emitted only once a sample of second
// ≥ t + allowedLatenessS has been seen (or at `flush`). Samples of an emitted second are
// late: counted, not used. With lateness 0 this is gold-online's behaviour; the default 1 s
// absorbs the reordering of a retrying transport at no more than one second of delay.
import { SIGNAL_COUNT } from '../telemetry/signals.js';
import {
  compileAccumulator,
  partialLayout,
  type Accumulator,
  type PartialLayout,
} from './window-kernel.js';
import {
  FEATURES,
  WINDOW_SECONDS,
  checkFeatureSpec,
  measurePlans,
  type FeatureSpec,
} from '../pipeline/gold/feature-spec.js';

/** What `add` did with a sample. */
export const SAMPLE_OUTCOMES = ['accepted', 'late', 'duplicate', 'invalid_time'] as const;
export type SampleOutcome = (typeof SAMPLE_OUTCOMES)[number];

/** Numeric outcome codes of `add` (index into SAMPLE_OUTCOMES), for allocation-free hot loops. */
export const ACCEPTED = 0;
export const LATE = 1;
export const DUPLICATE = 2;
export const INVALID_TIME = 3;

/** One emitted window; `values` is the window's own buffer, overwritten by the next window. */
export interface WindowFeatures {
  /** Exclusive end of the window, epoch seconds: the window is [end − 10 s, end). */
  readonly windowEnd: number;
  /** Seconds of the window that held at least one sample (1–10). */
  readonly windowSeconds: number;
  readonly sampleCount: number;
  /** Feature values in `featureNames` order; NaN where gold has null. */
  readonly values: Float64Array;
}

export interface SlidingWindowOptions {
  /** Feature spec; gold's by default. */
  readonly features?: readonly FeatureSpec[];
  /** Whole seconds a sample may arrive after its second's successors, 0–60. Default 1. */
  readonly allowedLatenessS?: number;
  /** Called for every window, in event-time order. */
  readonly onWindow?: (window: WindowFeatures) => void;
}

export const SLIDING_WINDOW_DEFAULTS = { allowedLatenessS: 1 } as const;
export const MAX_ALLOWED_LATENESS_S = 60;

/**
 * `seq` values remembered for duplicate detection, per second of lateness allowed: a
 * duplicate arrives while its second is open, i.e. within lateness + 2 seconds, at up to
 * 50 Hz (twice that for headroom).
 */
const SEQ_MEMORY_PER_SECOND = 100;

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

/** What every window over one feature spec shares: the partial layout, kernel, formulas. */
interface CompiledSpec {
  readonly layout: PartialLayout;
  readonly accumulate: Accumulator;
  readonly centers: Float64Array;
  readonly featurePlan: Int32Array;
  readonly featureStat: Int32Array;
}

const compiledSpecs = new WeakMap<readonly FeatureSpec[], CompiledSpec>();

/** Compiles a spec once, however many vehicle windows use it. */
function compiledSpec(features: readonly FeatureSpec[]): CompiledSpec {
  let compiled = compiledSpecs.get(features);
  if (compiled !== undefined) return compiled;
  checkFeatureSpec(features);
  const plans = measurePlans(features);
  const layout = partialLayout(plans);
  const planIndex = new Map(plans.map((p, k) => [p.measure.name, k]));
  compiled = {
    layout,
    accumulate: compileAccumulator(layout),
    centers: Float64Array.from(plans, (p) => p.measure.center),
    featurePlan: Int32Array.from(features, (f) => planIndex.get(f.measure)!),
    featureStat: Int32Array.from(features, (f) => STAT_CODE[f.stat]),
  };
  compiledSpecs.set(features, compiled);
  return compiled;
}

/** A window's mutable state, handed to `onWindow` as a read-only view. */
class WindowView implements WindowFeatures {
  windowEnd = 0;
  windowSeconds = 0;
  sampleCount = 0;
  constructor(readonly values: Float64Array) {}
}

/**
 * One session's sliding window.
 *
 * @example
 * const window = new SlidingFeatureWindow({ onWindow: (w) => score(w.values) });
 * window.add(Date.parse(event.event_time) * 1000, values, 0, event.seq);
 * window.flush(); // the session ended: emit the last open seconds
 */
export class SlidingFeatureWindow {
  readonly featureNames: readonly string[];
  readonly allowedLatenessS: number;
  /** Samples used, dropped as late, dropped as duplicates, dropped for a bad time. */
  readonly counts = { accepted: 0, late: 0, duplicate: 0, invalidTime: 0, windows: 0 };
  onWindow: ((window: WindowFeatures) => void) | undefined;

  readonly #layout: PartialLayout;
  readonly #kernel: Accumulator;
  readonly #centers: Float64Array;
  readonly #featurePlan: Int32Array;
  readonly #featureStat: Int32Array;
  readonly #scratch = new Float64Array(SIGNAL_COUNT);
  readonly #view: WindowView;

  /** Ring of per-second partials: slot = second mod #ring; column groups per PartialLayout. */
  readonly #ring: number;
  readonly #slotSecond: Float64Array;
  readonly #slotRows: Float64Array;
  readonly #slotCounts: Float64Array;
  readonly #slotSums: Float64Array;
  readonly #slotMins: Float64Array;
  readonly #slotMaxs: Float64Array;
  /** The window's slots, oldest first, while one is merged. */
  readonly #windowSlots = new Int32Array(WINDOW_SECONDS);
  readonly #slopeX = new Float64Array(WINDOW_SECONDS);
  readonly #slopeY = new Float64Array(WINDOW_SECONDS);
  // One window's partials, merged.
  readonly #counts: Float64Array;
  readonly #sums: Float64Array;
  readonly #mins: Float64Array;
  readonly #maxs: Float64Array;

  /** Latest second seen (−∞ before the first sample). */
  #maxSecond = -Infinity;
  /** Every window whose last bucket is ≤ this second has been emitted (or had no data). */
  #closedThrough = -Infinity;
  readonly #seqSeen: Float64Array;

  constructor(options: SlidingWindowOptions = {}) {
    const features = options.features ?? FEATURES;
    const lateness = options.allowedLatenessS ?? SLIDING_WINDOW_DEFAULTS.allowedLatenessS;
    if (!Number.isInteger(lateness) || lateness < 0 || lateness > MAX_ALLOWED_LATENESS_S) {
      throw new RangeError(
        `allowedLatenessS must be a whole number of seconds 0-${MAX_ALLOWED_LATENESS_S}, got ${lateness}`,
      );
    }
    this.allowedLatenessS = lateness;
    this.onWindow = options.onWindow;
    this.featureNames = features.map((f) => f.name);
    const compiled = compiledSpec(features);
    const L = compiled.layout;
    this.#layout = L;
    this.#kernel = compiled.accumulate;
    this.#centers = compiled.centers;
    this.#featurePlan = compiled.featurePlan;
    this.#featureStat = compiled.featureStat;
    this.#counts = new Float64Array(L.countColumns);
    this.#sums = new Float64Array(L.sumColumns);
    this.#mins = new Float64Array(L.minColumns);
    this.#maxs = new Float64Array(L.maxColumns);
    this.#seqSeen = new Float64Array(SEQ_MEMORY_PER_SECOND * (lateness + 2)).fill(-1);
    this.#view = new WindowView(new Float64Array(features.length));

    // Seconds alive at once: the 10 of the next window plus `lateness` open ones after it
    // plus the newest (see #advance for why no live slot is ever overwritten).
    const ring = WINDOW_SECONDS + lateness + 1;
    this.#ring = ring;
    this.#slotSecond = new Float64Array(ring).fill(Number.NaN);
    this.#slotRows = new Float64Array(ring);
    this.#slotCounts = new Float64Array(ring * L.countColumns);
    this.#slotSums = new Float64Array(ring * L.sumColumns);
    this.#slotMins = new Float64Array(ring * L.minColumns);
    this.#slotMaxs = new Float64Array(ring * L.maxColumns);
  }

  /**
   * Adds one sample: event time in epoch microseconds, signal values in `SIGNALS` order
   * from `offset` (NaN for null), and its `seq` when known (duplicates of a recent `seq`
   * are dropped, as silver keeps the first arrival). Emits every window the sample closes
   * through `onWindow`. Returns ACCEPTED, LATE, DUPLICATE or INVALID_TIME.
   */
  add(timeUs: number, values: ArrayLike<number>, offset = 0, seq = -1): number {
    if (!Number.isFinite(timeUs)) {
      this.counts.invalidTime++;
      return INVALID_TIME;
    }
    const second = Math.floor(timeUs / 1_000_000);
    if (second <= this.#closedThrough) {
      this.counts.late++;
      return LATE;
    }
    if (seq >= 0) {
      const at = seq % this.#seqSeen.length;
      if (this.#seqSeen[at] === seq) {
        this.counts.duplicate++;
        return DUPLICATE;
      }
      this.#seqSeen[at] = seq;
    }
    if (second > this.#maxSecond) this.#advance(second);
    this.#accumulate(second, values, offset);
    this.counts.accepted++;
    return ACCEPTED;
  }

  /**
   * Emits the windows of every second still open (the session ended or went quiet).
   * Later samples are accepted only for seconds after the latest one seen.
   */
  flush(): void {
    if (this.#maxSecond === -Infinity) return;
    this.#emitThrough(this.#maxSecond);
  }

  /** Latest event second seen, epoch seconds; −∞ before the first sample. */
  get latestSecond(): number {
    return this.#maxSecond;
  }

  /**
   * Seconds holding data among the ten up to and including the latest second: how full the
   * window being gathered is (warm-up progress).
   */
  secondsWithData(): number {
    if (this.#maxSecond === -Infinity) return 0;
    let n = 0;
    for (let s = this.#maxSecond - WINDOW_SECONDS + 1; s <= this.#maxSecond; s++) {
      if (this.#slotSecond[this.#slotOf(s)] === s) n++;
    }
    return n;
  }

  #slotOf(second: number): number {
    const r = this.#ring;
    return ((second % r) + r) % r;
  }

  /**
   * A sample of a new latest second: first emit the windows it closes. Afterwards every
   * window ending at or before `second − lateness` is out, so the slot `second` takes held
   * a second ≤ second − ring = second − 11 − lateness, which no pending window reads.
   */
  #advance(second: number): void {
    this.#emitThrough(second - 1 - this.allowedLatenessS);
    this.#maxSecond = second;
  }

  /** Emits, in order, the windows whose last bucket is in (closedThrough, last] and holds data. */
  #emitThrough(last: number): void {
    if (last <= this.#closedThrough) return;
    if (this.#maxSecond === -Infinity) {
      // No data yet: nothing to emit.
      this.#closedThrough = last;
      return;
    }
    // Only seconds still in the ring can hold data.
    const from = Math.max(this.#closedThrough + 1, this.#maxSecond - this.#ring + 1);
    const to = Math.min(last, this.#maxSecond);
    this.#closedThrough = last;
    for (let s = from; s <= to; s++) {
      if (this.#slotSecond[this.#slotOf(s)] === s) this.#emit(s);
    }
  }

  #accumulate(second: number, signals: ArrayLike<number>, offset: number): void {
    const slot = this.#slotOf(second);
    const L = this.#layout;
    if (this.#slotSecond[slot] !== second) {
      this.#slotSecond[slot] = second;
      this.#slotRows[slot] = 0;
      this.#slotCounts.fill(0, slot * L.countColumns, (slot + 1) * L.countColumns);
      this.#slotSums.fill(0, slot * L.sumColumns, (slot + 1) * L.sumColumns);
      this.#slotMins.fill(Number.NaN, slot * L.minColumns, (slot + 1) * L.minColumns);
      this.#slotMaxs.fill(Number.NaN, slot * L.maxColumns, (slot + 1) * L.maxColumns);
    }
    this.#slotRows[slot]!++;
    if (signals instanceof Float64Array && offset >= 0 && offset + SIGNAL_COUNT <= signals.length) {
      this.#kernel(
        signals,
        offset,
        slot,
        this.#slotCounts,
        this.#slotSums,
        this.#slotMins,
        this.#slotMaxs,
      );
      return;
    }
    // Anything else is copied first: missing entries become NaN (null).
    const values = this.#scratch;
    for (let k = 0; k < SIGNAL_COUNT; k++) {
      const v = signals[offset + k];
      values[k] = typeof v === 'number' ? v : Number.NaN;
    }
    this.#kernel(values, 0, slot, this.#slotCounts, this.#slotSums, this.#slotMins, this.#slotMaxs);
  }

  /** The per-second mean of plan `p` in `slot`, as the SQL computes it; NaN without data. */
  #bucketMean(slot: number, p: number): number {
    const L = this.#layout;
    const n = this.#slotCounts[slot * L.countColumns + L.countOf[p]!]!;
    return n > 0
      ? this.#centers[p]! + this.#slotSums[slot * L.sumColumns + L.s1Of[p]!]! / n
      : Number.NaN;
  }

  /** Merges the buckets of the window whose last second is `last` and hands it out. */
  #emit(last: number): void {
    const slots = this.#windowSlots;
    let nSlots = 0;
    let rows = 0;
    for (let s = last - WINDOW_SECONDS + 1; s <= last; s++) {
      const slot = this.#slotOf(s);
      if (this.#slotSecond[slot] === s) {
        slots[nSlots++] = slot;
        rows += this.#slotRows[slot]!;
      }
    }
    // Merge the window's seconds, one dense column group at a time, oldest second first.
    const L = this.#layout;
    const counts = mergeSums(this.#counts, this.#slotCounts, slots, nSlots);
    const sums = mergeSums(this.#sums, this.#slotSums, slots, nSlots);
    const mins = this.#mins.fill(Number.NaN);
    const maxs = this.#maxs.fill(Number.NaN);
    for (let k = 0; k < nSlots; k++) {
      const nb = slots[k]! * L.minColumns;
      for (let j = 0; j < mins.length; j++) {
        const lo = this.#slotMins[nb + j]!;
        if (lo === lo && !(lo >= mins[j]!)) mins[j] = lo;
      }
      const xb = slots[k]! * L.maxColumns;
      for (let j = 0; j < maxs.length; j++) {
        const hi = this.#slotMaxs[xb + j]!;
        if (hi === hi && !(hi <= maxs[j]!)) maxs[j] = hi;
      }
    }
    const out = this.#view.values;
    for (let f = 0; f < out.length; f++) {
      const p = this.#featurePlan[f]!;
      const c = this.#centers[p]!;
      const n = counts[L.countOf[p]!]!;
      const s1Column = L.s1Of[p]!;
      const s2Column = L.s2Of[p]!;
      const minColumn = L.minOf[p]!;
      const maxColumn = L.maxOf[p]!;
      const s1 = s1Column < 0 ? 0 : sums[s1Column]!;
      const s2 = s2Column < 0 ? 0 : sums[s2Column]!;
      const min = minColumn < 0 ? Number.NaN : mins[minColumn]!;
      const max = maxColumn < 0 ? Number.NaN : maxs[maxColumn]!;
      let value = Number.NaN;
      // Each formula mirrors the gold SQL's (sql.ts, featureSql) operation for operation.
      switch (this.#featureStat[f]) {
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
          value = this.#slope(nSlots, p);
          break;
        case STAT_RATE_MEAN:
          value = this.#rate(last, p, false);
          break;
        case STAT_RATE_MAX:
          value = this.#rate(last, p, true);
          break;
      }
      out[f] = value;
    }
    const view = this.#view;
    view.windowEnd = last + 1;
    view.windowSeconds = nSlots;
    view.sampleCount = rows;
    this.counts.windows++;
    this.onWindow?.(view);
  }

  /** Least-squares slope of the bucket means against the second (regr_slope in SQL). */
  #slope(nSlots: number, p: number): number {
    const slots = this.#windowSlots;
    const xs = this.#slopeX;
    const ys = this.#slopeY;
    const first = this.#slotSecond[slots[0]!]!;
    let n = 0;
    for (let k = 0; k < nSlots; k++) {
      const slot = slots[k]!;
      const y = this.#bucketMean(slot, p);
      if (y !== y) continue;
      xs[n] = this.#slotSecond[slot]! - first;
      ys[n] = y;
      n++;
    }
    if (n < 2) return Number.NaN;
    let mx = 0;
    let my = 0;
    for (let k = 0; k < n; k++) {
      mx += xs[k]!;
      my += ys[k]!;
    }
    mx /= n;
    my /= n;
    let sxy = 0;
    let sxx = 0;
    for (let k = 0; k < n; k++) {
      sxy += (xs[k]! - mx) * (ys[k]! - my);
      sxx += (xs[k]! - mx) * (xs[k]! - mx);
    }
    return sxy / sxx;
  }

  /** Mean (or max) of |m(s) − m(s − 1)| over adjacent seconds both inside the window. */
  #rate(last: number, p: number, wantMax: boolean): number {
    let sum = 0;
    let count = 0;
    let max = Number.NaN;
    for (let s = last - WINDOW_SECONDS + 2; s <= last; s++) {
      const slot = this.#slotOf(s);
      const before = this.#slotOf(s - 1);
      if (this.#slotSecond[slot] !== s || this.#slotSecond[before] !== s - 1) continue;
      const r = Math.abs(this.#bucketMean(slot, p) - this.#bucketMean(before, p));
      if (r !== r) continue;
      sum += r;
      count++;
      if (!(r <= max)) max = r;
    }
    if (count === 0) return Number.NaN;
    return wantMax ? max : sum / count;
  }
}

/** `into[j]` = Σ over the window's slots of `from[slot × columns + j]`, oldest slot first. */
function mergeSums(
  into: Float64Array,
  from: Float64Array,
  slots: Int32Array,
  nSlots: number,
): Float64Array {
  const columns = into.length;
  into.fill(0);
  for (let k = 0; k < nSlots; k++) {
    const base = slots[k]! * columns;
    for (let j = 0; j < columns; j++) into[j]! += from[base + j]!;
  }
  return into;
}

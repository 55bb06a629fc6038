// Deterministic random numbers for the simulator.
//
// Every vehicle owns independent streams (driver, sensors, faults) whose state is one
// 32-bit word in its state record, so a vehicle's behaviour depends only on the run
// seed and its own index — never on fleet size, iteration order or `Math.random`.
// The generator is mulberry32 (period 2^32, passes gjrand/PractRand small tests), which
// is cheap enough to call inline in the physics loop.

/** Advances a mulberry32 state stored in `state[i]` (an int32 held in a double) and returns a float in [0, 1). */
export function nextUniform(state: Float64Array, i: number): number {
  const s = ((state[i]! | 0) + 0x6d2b79f5) | 0;
  state[i] = s;
  let t = Math.imul(s ^ (s >>> 15), 1 | s);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * Standard-normal quantiles at 1024 evenly spaced probabilities: a table lookup with a
 * random index is a fast, deterministic normal deviate (tails truncated at ~3.2σ, which
 * is what sensor noise should look like anyway). 8 KB, so it stays in L1 cache beside
 * the vehicle being stepped.
 */
export const NORMAL_TABLE_BITS = 10;
export const NORMAL_TABLE = buildNormalTable(1 << NORMAL_TABLE_BITS);

function buildNormalTable(size: number): Float64Array {
  const table = new Float64Array(size);
  for (let k = 0; k < size; k++) table[k] = inverseNormalCdf((k + 0.5) / size);
  return table;
}

/** Acklam's rational approximation of the inverse normal CDF (relative error < 1.2e-9). */
export function inverseNormalCdf(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - pLow) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** The next raw 32-bit output (unsigned) of the stream `state[i]`. */
export function nextWord(state: Float64Array, i: number): number {
  const s = ((state[i]! | 0) + 0x6d2b79f5) | 0;
  state[i] = s;
  let t = Math.imul(s ^ (s >>> 15), 1 | s);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
}

/** A standard-normal deviate drawn from the stream `state[i]`. */
export function nextNormal(state: Float64Array, i: number): number {
  const s = ((state[i]! | 0) + 0x6d2b79f5) | 0;
  state[i] = s;
  let t = Math.imul(s ^ (s >>> 15), 1 | s);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return NORMAL_TABLE[((t ^ (t >>> 14)) >>> 0) >>> (32 - NORMAL_TABLE_BITS)]!;
}

/** Mixes a run seed with stream coordinates into a well-spread 32-bit seed (splitmix32-style). */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = (seed ^ 0x9e3779b9) | 0;
  for (const part of [...parts, parts.length]) {
    h = (h + Math.imul(part | 0, 0x85ebca6b) + 0x9e3779b9) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
    h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
    h ^= h >>> 15;
  }
  return h | 0;
}

/** A small seeded generator object for set-up code (routes, sessions); not for hot loops. */
export class Rng {
  readonly #state = new Float64Array(1);

  constructor(seed: number) {
    this.#state[0] = seed | 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return nextUniform(this.#state, 0);
  }

  /** Uniform float in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Normal deviate with the given mean and standard deviation. */
  normal(mean = 0, std = 1): number {
    return mean + std * nextNormal(this.#state, 0);
  }

  /** Picks one item, optionally by weights. */
  pick<T>(items: readonly T[], weights?: readonly number[]): T {
    if (!weights) return items[Math.floor(this.next() * items.length)]!;
    const total = weights.reduce((sum, w) => sum + w, 0);
    let r = this.next() * total;
    for (let k = 0; k < items.length; k++) {
      r -= weights[k]!;
      if (r < 0) return items[k]!;
    }
    return items[items.length - 1]!;
  }
}

/** 1.5 × 2^52: adding and subtracting it rounds any |x| < 2^51 to the nearest integer. */
const ROUNDING_MAGIC = 6755399441055744;

/**
 * Rounds to the nearest integer, ties to even. Measured several times faster than
 * `Math.round` in V8's optimised code, which matters in the per-sample quantisation loop.
 * Valid for |x| < 2^51.
 */
export function roundToEven(x: number): number {
  return x + ROUNDING_MAGIC - ROUNDING_MAGIC;
}

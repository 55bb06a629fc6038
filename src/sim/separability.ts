// How separable are the driver profiles from simple window statistics?
//
// Simulates sessions, computes 10-second window statistics (mean, std, min, max) of the
// emitted signals once per second, splits sessions into train and test, and finds for
// every single statistic the best rule with up to three thresholds (four intervals,
// each voting for one profile). A realistic simulator keeps the best such rule well
// below perfect, so that telling styles apart needs several features together.
import { SIGNAL_COUNT, SIGNAL_INDEX, type SignalName } from '../telemetry/signals.js';
import { DRIVER_PROFILE_NAMES } from './drivers.js';
import { FAULT_PRESETS, type FaultRates } from './faults.js';
import { Fleet, PHYSICS_HZ } from './fleet.js';
import { Rng } from './random.js';

export const WINDOW_SIGNALS = [
  'engine_rpm',
  'throttle',
  'speed_kmh',
  'brake',
  'engine_load_pct',
  'accel_mps2',
  'fuel_rate_lph',
  'brake_temp_c',
  'coolant_temp_c',
  'gear',
  'speed_limit_kmh',
] as const satisfies readonly SignalName[];

export const WINDOW_STATS = ['mean', 'std', 'min', 'max'] as const;

export interface WindowDataset {
  /** Feature names, `<signal>_<stat>`. */
  readonly features: readonly string[];
  /** Row-major feature values. */
  readonly x: Float64Array;
  /** Profile index per row. */
  readonly y: Int32Array;
  /** Session index per row (for splits by session). */
  readonly session: Int32Array;
  readonly rows: number;
}

export interface SeparabilityOptions {
  readonly vehicles: number;
  readonly sessionSeconds: number;
  readonly sessionsPerVehicle: number;
  readonly seed: number;
  readonly hz?: number;
  readonly faults?: FaultRates;
}

/** Simulates sessions and returns one row of window statistics per session-second. */
export function windowDataset(options: SeparabilityOptions): WindowDataset {
  const hz = options.hz ?? 10;
  const features = WINDOW_SIGNALS.flatMap((s) => WINDOW_STATS.map((stat) => `${s}_${stat}`));
  const columns = WINDOW_SIGNALS.map((s) => SIGNAL_INDEX[s]);
  const rowsX: number[] = [];
  const rowsY: number[] = [];
  const rowsSession: number[] = [];
  const fleet = new Fleet({
    vehicles: options.vehicles,
    seed: options.seed,
    hz,
    drivers: 'mix',
    faults: options.faults ?? FAULT_PRESETS.none,
  });
  const perWindow = Math.round(10 * hz);
  for (let session = 0; session < options.sessionsPerVehicle; session++) {
    for (let i = 0; i < options.vehicles; i++) fleet.startSession(i, session, 0);
    const samples: number[][] = Array.from({ length: options.vehicles }, () => []);
    for (let t = 0; t < options.sessionSeconds; t++) {
      fleet.advance(PHYSICS_HZ);
      const batch = fleet.batch;
      for (let k = 0; k < batch.count; k++) {
        const row = samples[batch.vehicle[k]!]!;
        for (const c of columns) row.push(batch.values[k * SIGNAL_COUNT + c]!);
      }
      batch.clear();
    }
    for (let i = 0; i < options.vehicles; i++) {
      const flat = samples[i]!;
      const n = flat.length / columns.length;
      const label = DRIVER_PROFILE_NAMES.indexOf(fleet.sessions[i]!.driverProfile);
      const sessionId = session * options.vehicles + i;
      // Once per second, the window of the last 10 s of samples.
      for (let end = perWindow; end <= n; end += hz) {
        for (let c = 0; c < columns.length; c++) {
          let sum = 0;
          let sumSq = 0;
          let min = Infinity;
          let max = -Infinity;
          let count = 0;
          for (let r = end - perWindow; r < end; r++) {
            const v = flat[r * columns.length + c]!;
            if (v !== v) continue;
            sum += v;
            sumSq += v * v;
            if (v < min) min = v;
            if (v > max) max = v;
            count++;
          }
          const mean = count > 0 ? sum / count : 0;
          const variance = count > 1 ? Math.max(0, (sumSq - count * mean * mean) / (count - 1)) : 0;
          rowsX.push(mean, Math.sqrt(variance), count > 0 ? min : 0, count > 0 ? max : 0);
        }
        rowsY.push(label);
        rowsSession.push(sessionId);
      }
    }
  }
  return {
    features,
    x: Float64Array.from(rowsX),
    y: Int32Array.from(rowsY),
    session: Int32Array.from(rowsSession),
    rows: rowsY.length,
  };
}

export interface ThresholdRule {
  readonly feature: string;
  /** Ascending cut points; interval k (below thresholds[k]) predicts classes[k]. */
  readonly thresholds: readonly number[];
  readonly classes: readonly number[];
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
}

/** Splits sessions into train and test, stratified by label at session level. */
export function splitSessions(
  data: WindowDataset,
  testShare: number,
  seed: number,
): { train: Uint8Array } {
  const labelOf = new Map<number, number>();
  for (let r = 0; r < data.rows; r++) labelOf.set(data.session[r]!, data.y[r]!);
  const rng = new Rng(seed);
  const testSessions = new Set<number>();
  const byLabel = new Map<number, number[]>();
  for (const [session, label] of labelOf)
    byLabel.set(label, [...(byLabel.get(label) ?? []), session]);
  for (const sessions of byLabel.values()) {
    const shuffled = sessions
      .map((s) => [rng.next(), s] as const)
      .sort((a, b) => a[0] - b[0])
      .map((p) => p[1]);
    const count = Math.max(1, Math.round(shuffled.length * testShare));
    for (const s of shuffled.slice(0, count)) testSessions.add(s);
  }
  const train = new Uint8Array(data.rows);
  for (let r = 0; r < data.rows; r++) train[r] = testSessions.has(data.session[r]!) ? 0 : 1;
  return { train };
}

/**
 * The best rule on one feature with at most `maxThresholds` cut points, found exactly
 * over `bins` quantile bins of the training values by dynamic programming.
 */
export function bestThresholdRule(
  data: WindowDataset,
  feature: number,
  train: Uint8Array,
  classes: number,
  maxThresholds = 3,
  bins = 64,
): ThresholdRule {
  const nf = data.features.length;
  const trainValues: number[] = [];
  for (let r = 0; r < data.rows; r++) if (train[r]) trainValues.push(data.x[r * nf + feature]!);
  trainValues.sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let k = 1; k < bins; k++) {
    const v = trainValues[Math.floor((k * trainValues.length) / bins)]!;
    if (cuts.length === 0 || v > cuts[cuts.length - 1]!) cuts.push(v);
  }
  const nb = cuts.length + 1;
  const binOf = (v: number): number => {
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v < cuts[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const counts = new Float64Array(nb * classes);
  let trainRows = 0;
  for (let r = 0; r < data.rows; r++) {
    if (!train[r]) continue;
    counts[binOf(data.x[r * nf + feature]!) * classes + data.y[r]!]!++;
    trainRows++;
  }
  // prefix[b][c]: rows of class c in bins < b.
  const prefix = new Float64Array((nb + 1) * classes);
  for (let b = 0; b < nb; b++)
    for (let c = 0; c < classes; c++)
      prefix[(b + 1) * classes + c] = prefix[b * classes + c]! + counts[b * classes + c]!;
  const segment = (from: number, to: number): [number, number] => {
    let best = -1;
    let bestClass = 0;
    for (let c = 0; c < classes; c++) {
      const n = prefix[to * classes + c]! - prefix[from * classes + c]!;
      if (n > best) {
        best = n;
        bestClass = c;
      }
    }
    return [best, bestClass];
  };
  const segments = maxThresholds + 1;
  // dp[k][b]: best correct count covering bins < b with k segments; choice for backtracking.
  const dp = Array.from({ length: segments + 1 }, () => new Float64Array(nb + 1).fill(-Infinity));
  const from = Array.from({ length: segments + 1 }, () => new Int32Array(nb + 1));
  dp[0]![0] = 0;
  for (let k = 1; k <= segments; k++) {
    for (let b = 1; b <= nb; b++) {
      for (let a = 0; a < b; a++) {
        if (dp[k - 1]![a] === -Infinity) continue;
        const score = dp[k - 1]![a]! + segment(a, b)[0];
        if (score > dp[k]![b]!) {
          dp[k]![b] = score;
          from[k]![b] = a;
        }
      }
    }
  }
  let bestK = 1;
  for (let k = 1; k <= segments; k++) if (dp[k]![nb]! > dp[bestK]![nb]!) bestK = k;
  const bounds: number[] = [];
  for (let k = bestK, b = nb; k > 0; b = from[k]![b]!, k--) bounds.unshift(from[k]![b]!);
  bounds.push(nb);
  const thresholds: number[] = [];
  const ruleClasses: number[] = [];
  for (let s = 0; s < bounds.length - 1; s++) {
    ruleClasses.push(segment(bounds[s]!, bounds[s + 1]!)[1]);
    if (s > 0) thresholds.push(cuts[bounds[s]! - 1]!);
  }
  const predict = (v: number): number => {
    let k = 0;
    while (k < thresholds.length && v >= thresholds[k]!) k++;
    return ruleClasses[k]!;
  };
  let testRows = 0;
  let testCorrect = 0;
  for (let r = 0; r < data.rows; r++) {
    if (train[r]) continue;
    testRows++;
    if (predict(data.x[r * nf + feature]!) === data.y[r]) testCorrect++;
  }
  return {
    feature: data.features[feature]!,
    thresholds,
    classes: ruleClasses,
    trainAccuracy: dp[bestK]![nb]! / trainRows,
    testAccuracy: testRows > 0 ? testCorrect / testRows : Number.NaN,
  };
}

/** Every feature's best rule, best test accuracy first. */
export function rankSingleFeatureRules(data: WindowDataset, train: Uint8Array): ThresholdRule[] {
  const rules: ThresholdRule[] = [];
  for (let f = 0; f < data.features.length; f++)
    rules.push(bestThresholdRule(data, f, train, DRIVER_PROFILE_NAMES.length));
  return rules.sort((a, b) => b.testAccuracy - a.testAccuracy);
}

// Shared pieces of the inference tests: simulated telemetry as the log carries it (JSON
// lines in delivery order, with duplicates and out-of-order samples), the lake's reading of
// it (silver's first-arrival dedup, then the generated gold SQL on a real DuckDB), the
// engine's reading of it, and a small hand-written model.
import assert from 'node:assert/strict';
import type { PitwallEvent, TelemetryEvent } from '../../src/telemetry/events.js';
import { SIGNAL_COUNT, SIGNALS } from '../../src/telemetry/signals.js';
import { FEATURES } from '../../src/pipeline/gold/feature-spec.js';
import { FleetRunner } from '../../src/sim/runner.js';
import { featureMatrix, RandomForestClassifier } from '../../src/ml/forest/index.js';
import type { FaultRates } from '../../src/sim/faults.js';
import { InferenceEngine, type StylePrediction } from '../../src/inference/engine.js';
import type { StyleModel } from '../../src/inference/model.js';
import { TelemetryDecoder } from '../../src/inference/telemetry-decoder.js';
import { goldFromSql, type GoldRow, type Sample } from '../pipeline/gold-support.js';
import { MemorySink } from '../support/memory-sink.js';

export const START_MS = Date.UTC(2026, 0, 5, 8, 0, 0);

/** JSON lines of a simulation, in the order the log would carry them. */
export async function simulateLines(options: {
  vehicles: number;
  hz: number;
  durationS: number;
  seed: number;
  faults: FaultRates;
  sessionDurationS?: number;
}): Promise<string[]> {
  const sink = new MemorySink();
  await new FleetRunner({
    vehicles: options.vehicles,
    hz: options.hz,
    durationS: options.durationS,
    seed: options.seed,
    drivers: 'mix',
    faults: options.faults,
    startTimeMs: START_MS,
    ...(options.sessionDurationS === undefined
      ? {}
      : { sessionDurationS: options.sessionDurationS }),
  }).run(sink);
  return sink.values;
}

/** The lines without `vehicle`'s telemetry in [fromS, toS) after the start: a long outage. */
export function withOutage(
  lines: readonly string[],
  vehicle: string,
  fromS: number,
  toS: number,
): string[] {
  return lines.filter((line) => {
    const event = JSON.parse(line) as PitwallEvent;
    if (event.event_type !== 'telemetry' || event.vehicle_id !== vehicle) return true;
    const t = Date.parse(event.event_time) - START_MS;
    return t < fromS * 1000 || t >= toS * 1000;
  });
}

/**
 * Moves `share` of the telemetry lines later by up to `maxShift` positions (their own
 * vehicle's lines keep arriving in between), deterministically.
 */
export function shuffleLate(lines: readonly string[], share: number, maxShift: number): string[] {
  const out = [...lines];
  let state = 12345;
  const random = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  for (let k = out.length - 1 - maxShift; k >= 0; k--) {
    if (random() >= share || !out[k]!.includes('"telemetry"')) continue;
    const shift = 1 + Math.floor(random() * maxShift);
    const [line] = out.splice(k, 1);
    out.splice(k + shift, 0, line!);
  }
  return out;
}

/** The lake's reading: silver keeps the first arrival of each (session, seq); gold SQL on DuckDB. */
export async function goldReference(lines: readonly string[]): Promise<GoldRow[]> {
  const seen = new Set<string>();
  const samples: Sample[] = [];
  const profiles = new Map<string, string>();
  for (const line of lines) {
    const event = JSON.parse(line) as PitwallEvent;
    const key = `${event.session_id}/${event.seq}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (event.event_type === 'session_start')
      profiles.set(event.session_id, event.session.driver_profile);
    if (event.event_type !== 'telemetry') continue;
    samples.push(toSample(event));
  }
  return goldFromSql(samples, profiles);
}

function toSample(event: TelemetryEvent): Sample {
  const values = new Float64Array(SIGNAL_COUNT);
  SIGNALS.forEach((s, k) => (values[k] = event.signals[s.name] ?? Number.NaN));
  return {
    sessionId: event.session_id,
    vehicleId: event.vehicle_id,
    timeUs: Date.parse(event.event_time) * 1000,
    values,
  };
}

export interface EngineRun {
  readonly windows: GoldRow[];
  readonly predictions: Map<string, StylePrediction>;
  readonly late: number;
  readonly duplicates: number;
}

/** The engine's reading: bytes → decoder → one engine per session, flushed at session end. */
export function engineReading(
  lines: readonly string[],
  options: { model?: StyleModel; allowedLatenessS?: number } = {},
): EngineRun {
  const decoder = new TelemetryDecoder();
  const engines = new Map<string, InferenceEngine>();
  const windows: GoldRow[] = [];
  const predictions = new Map<string, StylePrediction>();
  let late = 0;
  let duplicates = 0;
  const engineFor = (sessionId: string, vehicleId: string): InferenceEngine => {
    let engine = engines.get(sessionId);
    if (engine === undefined) {
      engine = new InferenceEngine({
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(options.allowedLatenessS === undefined
          ? {}
          : { allowedLatenessS: options.allowedLatenessS }),
        onWindow: (w) => {
          const features: Record<string, number> = {};
          FEATURES.forEach((f, k) => (features[f.name] = w.values[k]!));
          windows.push({
            sessionId,
            vehicleId,
            windowEnd: w.windowEnd,
            windowSeconds: w.windowSeconds,
            sampleCount: w.sampleCount,
            features,
            label: null,
          });
        },
        onPrediction: (p) => predictions.set(`${sessionId}/${p.windowEndMs / 1000}`, p),
      });
      engines.set(sessionId, engine);
    }
    return engine;
  };
  const finish = (engine: InferenceEngine): void => {
    engine.flush();
    const stats = engine.stats();
    late += stats.late;
    duplicates += stats.duplicate;
  };
  for (const line of lines) {
    const event = decoder.decode(Buffer.from(line));
    assert.notEqual(event.kind, 'invalid', `${event.problem} at ${event.field}: ${line}`);
    if (event.kind === 'telemetry') {
      engineFor(event.sessionId, event.vehicleId).addValues(
        event.timeUs,
        event.values,
        0,
        event.seq,
      );
    } else if (event.kind === 'session_end') {
      const engine = engines.get(event.sessionId);
      if (engine !== undefined) finish(engine);
      engines.delete(event.sessionId);
    }
  }
  for (const engine of engines.values()) finish(engine);
  windows.sort((a, b) =>
    a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : a.windowEnd - b.windowEnd,
  );
  return { windows, predictions, late, duplicates };
}

/**
 * Magnitudes below this count as this much in relative differences. Sums that cancel to
 * about 0 (a mean acceleration of 1e-17 m/s²) differ by rounding in the order samples are
 * added — the lake sums in hash order, the engine in arrival order — far below a
 * hundredth of the finest sensor resolution (1e-4), which is this floor.
 */
export const MAGNITUDE_FLOOR = 1e-6;

/**
 * Largest |a − b| / max(|a|, |b|, MAGNITUDE_FLOOR) over every feature of every row; rows
 * must match one to one.
 */
export function worstRelativeDifference(
  expected: readonly GoldRow[],
  actual: readonly GoldRow[],
): { worst: number; at: string } {
  assert.equal(actual.length, expected.length, 'window count');
  let worst = 0;
  let at = '';
  for (let r = 0; r < expected.length; r++) {
    const a = expected[r]!;
    const b = actual[r]!;
    const where = `row ${r} (${a.sessionId} @ ${a.windowEnd})`;
    assert.equal(b.sessionId, a.sessionId, `session of ${where}`);
    assert.equal(b.windowEnd, a.windowEnd, `window end of ${where}`);
    assert.equal(b.windowSeconds, a.windowSeconds, `window seconds of ${where}`);
    assert.equal(b.sampleCount, a.sampleCount, `sample count of ${where}`);
    for (const f of FEATURES) {
      const x = a.features[f.name]!;
      const y = b.features[f.name]!;
      if (Number.isNaN(x) || Number.isNaN(y)) {
        assert.ok(
          Number.isNaN(x) && Number.isNaN(y),
          `${f.name} of ${where}: gold ${x}, engine ${y}`,
        );
        continue;
      }
      if (x === y) continue;
      const rel = Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), MAGNITUDE_FLOOR);
      if (rel > worst) {
        worst = rel;
        at = `${f.name} of ${where}: gold ${x}, engine ${y}`;
      }
    }
  }
  return { worst, at };
}

/**
 * A small hand-written model: a few decision stumps on gold features, voting with weights
 * into four classes. Reads its features by name, in an order unlike the spec's.
 */
export function stumpModel(version = 'stumps-1'): StyleModel {
  const featureNames = [
    'throttle_mean',
    'rpm_max',
    'speed_std',
    'jerk_abs_mean',
    'rpm_band_ge4500_share',
  ];
  const classes = ['aggressive', 'normal', 'eco', 'cautious'];
  // [feature index, threshold, votes below, votes at or above]
  const stumps: [number, number, number[], number[]][] = [
    [0, 0.35, [0, 1, 1, 1], [2, 1, 0, 0]],
    [1, 3800, [0, 1, 2, 1], [2, 1, 0, 0]],
    [2, 8, [0, 1, 1, 2], [1, 1, 0, 0]],
    [3, 0.6, [0, 1, 1, 2], [2, 1, 0, 0]],
    [4, 0.05, [0, 1, 1, 1], [3, 0, 0, 0]],
  ];
  return {
    classes,
    featureNames,
    version,
    predictProbaRow(features, out) {
      out.fill(0);
      let total = 0;
      for (const [f, threshold, below, above] of stumps) {
        const x = features[f]!;
        // A missing value takes the "below" branch, as a tree might route NaN.
        const votes = x >= threshold ? above : below;
        for (let c = 0; c < votes.length; c++) {
          out[c]! += votes[c]!;
          total += votes[c]!;
        }
      }
      for (let c = 0; c < out.length; c++) out[c]! /= total;
    },
  };
}

/** The model's prediction for a gold row, computed directly. */
export function predictRow(model: StyleModel, row: GoldRow): Float64Array {
  const input = Float64Array.from(model.featureNames, (name) => row.features[name]!);
  const out = new Float64Array(model.classes.length);
  model.predictProbaRow(input, out);
  return out;
}

/** A model that gives `label` probability 1. */
export function constantModel(version: string, label: string): StyleModel {
  const classes = ['aggressive', 'normal', 'eco', 'cautious'];
  return {
    classes,
    featureNames: ['rpm_mean'],
    version,
    predictProbaRow(_features, out) {
      out.fill(0);
      out[classes.indexOf(label)] = 1;
    },
  };
}

/** A small random forest trained on the gold rows of `lines` (labels from their sessions). */
export async function trainSmallForest(
  lines: readonly string[],
  seed: number,
): Promise<RandomForestClassifier> {
  const rows = (await goldReference(lines)).filter((row) => row.label !== null);
  const names = FEATURES.map((f) => f.name);
  const X = featureMatrix(
    rows.map((row) => names.map((name) => row.features[name]!)),
    names,
  );
  return new RandomForestClassifier({
    nEstimators: 15,
    maxDepth: 6,
    randomState: seed,
    nJobs: 1,
    classWeight: 'balanced',
  }).fitSync(
    X,
    rows.map((row) => row.label!),
  );
}

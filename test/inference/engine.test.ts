// The inference engine on hand-made drives: window maths against statistics computed here
// from the raw samples (10, 30 and 50 Hz), gaps, out-of-order and late samples, duplicates,
// warm-up progress, one prediction per second, and model hot swap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlError } from '../../src/errors.js';
import { FEATURES } from '../../src/pipeline/gold/feature-spec.js';
import { SIGNAL_COUNT, SIGNAL_INDEX, type SignalName } from '../../src/telemetry/signals.js';
import type { TelemetryEvent } from '../../src/telemetry/events.js';
import { InferenceEngine, type StylePrediction } from '../../src/inference/engine.js';
import { ModelSlot, type StyleModel } from '../../src/inference/model.js';
import { SlidingFeatureWindow, type WindowFeatures } from '../../src/inference/sliding-window.js';
import { START_MS, constantModel, stumpModel } from './support.js';

const T0_US = START_MS * 1000;
const feature = (name: string): number => FEATURES.findIndex((f) => f.name === name);

interface Drive {
  /** Seconds since T0. */
  readonly t: number;
  readonly values: Float64Array;
}

/** A drive at `hz`: rpm ramps, coolant rises 0.25 °C/s, accel steps 0.3 m/s² per second. */
function drive(hz: number, seconds: number, skip?: (t: number) => boolean): Drive[] {
  const out: Drive[] = [];
  for (let k = 0; k < seconds * hz; k++) {
    const t = k / hz;
    if (skip?.(t)) continue;
    const values = new Float64Array(SIGNAL_COUNT).fill(Number.NaN);
    const set = (name: SignalName, v: number): void => {
      values[SIGNAL_INDEX[name]] = v;
    };
    set('engine_rpm', 1200 + 40 * t + 300 * Math.sin(t * 1.7));
    set('speed_kmh', 40 + 2 * t);
    set('speed_limit_kmh', 50);
    set('throttle', 0.2 + 0.15 * Math.sin(t));
    set('brake', t % 7 < 1 ? 0.3 : 0);
    set('gear', 2 + Math.floor(t / 8));
    set('engine_load_pct', 30 + 10 * Math.cos(t));
    set('coolant_temp_c', 70 + 0.25 * t);
    set('accel_mps2', 0.3 * Math.floor(t));
    set('fuel_rate_lph', 4 + Math.sin(t / 3));
    set('brake_temp_c', 60 + t);
    out.push({ t, values });
  }
  return out;
}

function collect(engine: InferenceEngine | SlidingFeatureWindow): WindowFeatures[] {
  const windows: WindowFeatures[] = [];
  engine.onWindow = (w: WindowFeatures) =>
    windows.push({ ...w, values: Float64Array.from(w.values) });
  return windows;
}

function windowOf(hz: number, samples: readonly Drive[]): WindowFeatures[] {
  const window = new SlidingFeatureWindow({ allowedLatenessS: 0 });
  const windows = collect(window);
  for (const s of samples) window.add(T0_US + Math.round(s.t * 1e6), s.values, 0);
  window.flush();
  assert.ok(windows.length > 0, `${hz} Hz: no windows`);
  return windows;
}

function close(actual: number, expected: number, what: string): void {
  const scale = Math.max(Math.abs(expected), 1e-6);
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * scale,
    `${what}: expected ${expected}, got ${actual}`,
  );
}

for (const hz of [10, 30, 50]) {
  test(`window maths at ${hz} Hz: moments, extremes, slopes and jerk from the raw samples`, () => {
    const samples = drive(hz, 25);
    const windows = windowOf(hz, samples);
    assert.equal(windows.length, 25, 'one window per second with data');
    for (const w of windows) {
      const end = w.windowEnd - START_MS / 1000;
      const inside = samples.filter((s) => s.t >= end - 10 && s.t < end);
      assert.equal(w.sampleCount, inside.length, `samples of the window ending at ${end}`);
      assert.equal(w.windowSeconds, Math.min(end, 10));
      const rpm = inside.map((s) => s.values[SIGNAL_INDEX.engine_rpm]!);
      const mean = rpm.reduce((a, b) => a + b, 0) / rpm.length;
      close(w.values[feature('rpm_mean')]!, mean, `rpm_mean @${end}`);
      close(w.values[feature('rpm_min')]!, Math.min(...rpm), `rpm_min @${end}`);
      close(w.values[feature('rpm_max')]!, Math.max(...rpm), `rpm_max @${end}`);
      if (rpm.length > 1) {
        const std = Math.sqrt(rpm.reduce((a, b) => a + (b - mean) ** 2, 0) / (rpm.length - 1));
        close(w.values[feature('rpm_std')]!, std, `rpm_std @${end}`);
      }
      // Per-second means of a linear ramp lie on a line of the same slope.
      if (w.windowSeconds >= 2)
        close(w.values[feature('coolant_slope')]!, 0.25, `coolant_slope @${end}`);
      else assert.ok(Number.isNaN(w.values[feature('coolant_slope')]!), 'one second has no slope');
      // Acceleration steps by 0.3 m/s² each second: jerk 0.3 m/s³ between adjacent seconds.
      if (w.windowSeconds >= 2) close(w.values[feature('jerk_abs_mean')]!, 0.3, `jerk @${end}`);
      // Over the limit (50 km/h) from t = 5 s: speed − limit where a limit is posted.
      const over = inside.map((s) => 40 + 2 * s.t - 50);
      close(w.values[feature('over_limit_max')]!, Math.max(...over), `over_limit_max @${end}`);
    }
  });
}

test('10, 30 and 50 Hz sampling of one drive give the same trends', () => {
  const last = (hz: number): WindowFeatures => windowOf(hz, drive(hz, 20)).at(-1)!;
  const [a, b, c] = [last(10), last(30), last(50)];
  for (const name of ['coolant_slope', 'brake_temp_slope', 'jerk_abs_mean', 'jerk_abs_max']) {
    close(b.values[feature(name)]!, a.values[feature(name)]!, `${name} 30 vs 10 Hz`);
    close(c.values[feature(name)]!, a.values[feature(name)]!, `${name} 50 vs 10 Hz`);
  }
  // Moments agree to sampling error.
  const rpm = (w: WindowFeatures): number => w.values[feature('rpm_mean')]!;
  assert.ok(Math.abs(rpm(c) - rpm(a)) < 20, `rpm_mean ${rpm(a)} at 10 Hz, ${rpm(c)} at 50 Hz`);
});

test('a gap: no windows while silent, the first window after it holds only new seconds', () => {
  const samples = drive(10, 40, (t) => t >= 12 && t < 27);
  const windows = windowOf(10, samples);
  const ends = windows.map((w) => w.windowEnd - START_MS / 1000);
  assert.deepEqual(ends, [...range(1, 13), ...range(28, 41)]);
  const after = windows[ends.indexOf(28)]!;
  assert.equal(after.windowSeconds, 1);
  assert.equal(after.sampleCount, 10);
  // The rate needs two adjacent seconds: none yet; the slope needs two seconds.
  assert.ok(Number.isNaN(after.values[feature('jerk_abs_mean')]!));
  const later = windows[ends.indexOf(33)]!;
  assert.equal(later.windowSeconds, 6);
  close(later.values[feature('jerk_abs_max')]!, 0.3, 'jerk after the gap');
});

test('out-of-order within the allowed lateness gives the in-order windows; later samples are dropped', () => {
  const samples = drive(20, 30);
  const inOrder = windowOf(20, samples);
  // Deliver every 7th sample up to 0.9 s late.
  const shuffled = [...samples];
  for (let k = 0; k + 18 < shuffled.length; k += 7) {
    const [s] = shuffled.splice(k, 1);
    shuffled.splice(k + 18, 0, s!);
  }
  const window = new SlidingFeatureWindow({ allowedLatenessS: 1 });
  const got = collect(window);
  for (const s of shuffled) window.add(T0_US + Math.round(s.t * 1e6), s.values);
  window.flush();
  assert.equal(window.counts.late, 0);
  assert.equal(got.length, inOrder.length);
  got.forEach((w, k) => {
    assert.equal(w.windowEnd, inOrder[k]!.windowEnd);
    assert.equal(w.sampleCount, inOrder[k]!.sampleCount);
    w.values.forEach((v, f) => {
      const x = inOrder[k]!.values[f]!;
      if (Number.isNaN(x)) assert.ok(Number.isNaN(v));
      else close(v, x, `${FEATURES[f]!.name} of window ${k}`);
    });
  });

  // With no lateness allowed, a sample of an emitted second is late: counted, not used.
  const strict = new SlidingFeatureWindow({ allowedLatenessS: 0 });
  const strictWindows = collect(strict);
  strict.add(T0_US, samples[0]!.values);
  strict.add(T0_US + 1_000_000, samples[20]!.values); // closes second 0
  assert.equal(strict.add(T0_US + 500_000, samples[10]!.values), 1 /* LATE */);
  assert.equal(strict.counts.late, 1);
  assert.equal(strictWindows.length, 1);
  assert.equal(strictWindows[0]!.sampleCount, 1);
  // With 1 s allowed, the same straggler still counts: second 0 is not emitted yet.
  const lenient = new SlidingFeatureWindow({ allowedLatenessS: 1 });
  const lenientWindows = collect(lenient);
  lenient.add(T0_US, samples[0]!.values);
  lenient.add(T0_US + 1_000_000, samples[20]!.values);
  assert.equal(lenient.add(T0_US + 500_000, samples[10]!.values), 0 /* ACCEPTED */);
  assert.equal(lenientWindows.length, 0, 'second 0 waits for second 2');
  lenient.add(T0_US + 2_000_000, samples[40]!.values);
  assert.equal(lenientWindows.length, 1);
  assert.equal(lenientWindows[0]!.sampleCount, 2);
});

test('duplicates of a recent seq are dropped, as silver keeps the first arrival', () => {
  const engine = new InferenceEngine();
  const windows = collect(engine);
  const values = drive(10, 1)[0]!.values;
  assert.equal(engine.addSample({ timeMs: START_MS, values, seq: 1 }), 'accepted');
  assert.equal(engine.addSample({ timeMs: START_MS + 100, values, seq: 2 }), 'accepted');
  assert.equal(engine.addSample({ timeMs: START_MS + 100, values, seq: 2 }), 'duplicate');
  // Without seq (a manual drive) nothing is deduplicated.
  assert.equal(engine.addSample({ timeMs: START_MS + 200, values }), 'accepted');
  assert.equal(engine.addSample({ timeMs: Number.NaN, values }), 'invalid_time');
  engine.flush();
  assert.equal(windows[0]!.sampleCount, 3);
  assert.deepEqual(engine.stats(), {
    accepted: 3,
    late: 0,
    duplicate: 1,
    invalidTime: 1,
    windows: 1,
    predictions: 0,
  });
});

test('warm-up: progress second by second, the first prediction on a full window, cold again after a gap', () => {
  const predictions: StylePrediction[] = [];
  const engine = new InferenceEngine({
    model: stumpModel(),
    allowedLatenessS: 0,
    onPrediction: (p) => predictions.push(p),
  });
  assert.deepEqual(engine.warmup(), { ready: false, seconds: 0, needed: 10 });
  const samples = drive(10, 60, (t) => t >= 30 && t < 36);
  const progress: number[] = [];
  let second = -1;
  for (const s of samples) {
    engine.addSample({ timeMs: START_MS + s.t * 1000, values: s.values });
    if (Math.floor(s.t) !== second) {
      second = Math.floor(s.t);
      const w = engine.warmup();
      progress.push(w.seconds);
      if (second <= 10)
        assert.equal(engine.getPrediction() === null, second < 10, `at ${second} s`);
    }
  }
  assert.deepEqual(progress.slice(0, 12), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10]);
  // The first prediction is the window [0, 10), announced when second 10 begins.
  assert.equal(predictions[0]!.windowEndMs, START_MS + 10_000);
  assert.equal(predictions[0]!.windowSeconds, 10);
  // Once per second: the windows ending 10 … 30; no window ends inside the outage (no data).
  const ends = predictions.map((p) => (p.windowEndMs - START_MS) / 1000);
  assert.deepEqual(ends.slice(0, 21), range(10, 31));
  // After the outage the window ending 37 holds seconds 27–29 and 36 (4 s): cold again, and
  // the engine needs a full window once more: first prediction at the window ending 46.
  assert.equal(ends[21], 46);
  assert.deepEqual(ends.slice(21), range(46, 60));
  const status = engine.warmup();
  assert.equal(status.ready, true);
  assert.equal(status.seconds, 10);
  const last = engine.getPrediction()!;
  assert.equal(last.modelVersion, 'stumps-1');
  assert.equal(last.featureNames, engine.featureNames);
  assert.equal(last.confidence, Math.max(...Object.values(last.probabilities)));
  assert.equal(last.probabilities[last.label], last.confidence);
  assert.equal(last.aggressiveProbability, last.probabilities.aggressive);
  const sum = Object.values(last.probabilities).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-12);
});

test('a short dropout keeps the engine warm', () => {
  const predictions: StylePrediction[] = [];
  const engine = new InferenceEngine({
    model: stumpModel(),
    allowedLatenessS: 0,
    onPrediction: (p) => predictions.push(p),
  });
  for (const s of drive(10, 30, (t) => t >= 15 && t < 17.5)) {
    engine.addSample({ timeMs: START_MS + s.t * 1000, values: s.values });
  }
  const ends = predictions.map((p) => (p.windowEndMs - START_MS) / 1000);
  // Seconds 15 and 16 hold nothing: no window ends at 16 or 17; the others are scored.
  assert.deepEqual(ends, [...range(10, 16), ...range(18, 30)]);
  assert.ok(predictions.every((p) => p.windowSeconds >= 8));
});

test('telemetry event objects and signal records give the same windows', () => {
  const samples = drive(10, 12);
  const a = new InferenceEngine();
  const b = new InferenceEngine();
  const wa = collect(a);
  const wb = collect(b);
  samples.forEach((s, k) => {
    const timeMs = START_MS + Math.round(s.t * 1000);
    a.addSample({ timeMs, values: s.values, seq: k + 1 });
    const signals = Object.fromEntries(
      Object.entries(SIGNAL_INDEX).map(([name, i]) => [
        name,
        Number.isNaN(s.values[i]!) ? null : s.values[i]!,
      ]),
    ) as TelemetryEvent['signals'];
    const event: TelemetryEvent = {
      schema_version: 1,
      event_type: 'telemetry',
      event_id: '00000000-0000-5000-8000-000000000000',
      vehicle_id: 'VH-0001',
      session_id: '00000000-0000-5000-8000-000000000001',
      seq: k + 1,
      event_time: new Date(timeMs).toISOString(),
      signals,
    };
    assert.equal(b.addSample(event), 'accepted');
  });
  a.flush();
  b.flush();
  assert.equal(wa.length, 12);
  assert.deepEqual(wb, wa);
});

test('hot swap: setModel rescores the latest window at once; a shared slot swaps every engine', () => {
  const slot = new ModelSlot(
    FEATURES.map((f) => f.name),
    stumpModel('v1'),
  );
  const seen: string[] = [];
  const engines = [0, 1].map(
    () => new InferenceEngine({ model: slot, onPrediction: (p) => seen.push(p.modelVersion) }),
  );
  const samples = drive(10, 14);
  for (const s of samples.slice(0, 115)) {
    for (const engine of engines)
      engine.addSample({ timeMs: START_MS + s.t * 1000, values: s.values });
  }
  assert.equal(engines[0]!.getPrediction()?.modelVersion, 'v1');
  // A model that always says eco: swapped in through one engine, seen by both.
  const eco = constantModel('v2-eco', 'eco');
  engines[0]!.setModel(eco);
  assert.equal(engines[0]!.getPrediction()?.modelVersion, 'v2-eco');
  assert.equal(engines[0]!.getPrediction()?.label, 'eco');
  for (const s of samples.slice(115)) {
    for (const engine of engines)
      engine.addSample({ timeMs: START_MS + s.t * 1000, values: s.values });
  }
  assert.equal(engines[1]!.getPrediction()?.modelVersion, 'v2-eco');
  assert.equal(engines[1]!.getPrediction()?.aggressiveProbability, 0);
  // Lateness 1 s: by t = 11.4 s only the window ending at 10 is out (one per engine).
  assert.deepEqual(seen, ['v1', 'v1', 'v2-eco', 'v2-eco', 'v2-eco', 'v2-eco']);

  // A model needing a feature the engine does not compute is refused; the old one stays.
  const bad: StyleModel = { ...eco, version: 'bad', featureNames: ['rpm_mean', 'no_such_feature'] };
  assert.throws(
    () => engines[0]!.setModel(bad),
    (e) => e instanceof MlError && /no_such_feature/.test(e.message),
  );
  assert.equal(engines[0]!.model?.version, 'v2-eco');
  assert.throws(() => new ModelSlot(['rpm_mean'], { ...eco, classes: [] }), MlError);
});

test('without a model the engine computes windows but predicts nothing', () => {
  const engine = new InferenceEngine();
  const windows = collect(engine);
  for (const s of drive(10, 15))
    engine.addSample({ timeMs: START_MS + s.t * 1000, values: s.values });
  assert.equal(engine.getPrediction(), null);
  assert.equal(engine.warmup().ready, true);
  assert.ok(windows.length >= 13);
});

test('options are checked', () => {
  assert.throws(() => new InferenceEngine({ warmupSeconds: 11 }), /warmupSeconds/);
  assert.throws(
    () => new InferenceEngine({ warmupSeconds: 5, minWindowSeconds: 6 }),
    /minWindowSeconds/,
  );
  assert.throws(() => new InferenceEngine({ allowedLatenessS: 0.5 }), /allowedLatenessS/);
  assert.throws(
    () => new InferenceEngine({ model: new ModelSlot(['rpm_mean']) }),
    /other features/,
  );
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

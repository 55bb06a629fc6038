// Gold window semantics on hand-made sessions: windows [t − 10 s, t) emitted at every second
// with data, gaps, nulls, slopes and jerk checked against values computed here from the raw
// samples; and 10 Hz vs 50 Hz sampling of one drive giving comparable features.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  goldFromSql,
  goldOnline,
  sample,
  T0_US,
  type GoldRow,
  type Sample,
} from './gold-support.js';

const S = 1_000_000;

function close(actual: number, expected: number, what: string, rel = 1e-9): void {
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${what}: expected null, got ${actual}`);
    return;
  }
  const scale = Math.max(Math.abs(expected), 1e-12);
  assert.ok(
    Math.abs(actual - expected) <= rel * scale,
    `${what}: expected ${expected}, got ${actual}`,
  );
}

/** Reference statistics from the raw samples with event time in [t − 10 s, t). */
function reference(samples: readonly Sample[], endS: number, of: (s: Sample) => number) {
  const xs = samples
    .filter((s) => s.timeUs >= (endS - 10) * S + T0_US && s.timeUs < endS * S + T0_US)
    .map(of)
    .filter((x) => !Number.isNaN(x));
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  return { n, mean, std, min: Math.min(...xs), max: Math.max(...xs) };
}

// Session A, 10 Hz: 15 s of data, a 12 s gap, 3 s more. rpm ramps, coolant rises 0.5 °C/s,
// acceleration steps 0.2 m/s² each second (jerk 0.2 m/s³), throttle missing every 4th sample.
const A: Sample[] = [];
for (let k = 0; k < 300; k++) {
  const tS = k / 10;
  if (tS >= 15 && tS < 27) continue;
  A.push(
    sample('A', T0_US + k * 100_000, {
      engine_rpm: 1000 + 10 * k,
      speed_kmh: 50,
      speed_limit_kmh: 50,
      gear: 3,
      throttle: k % 4 === 0 ? Number.NaN : (k % 10) / 10,
      engine_load_pct: 40,
      coolant_temp_c: 80 + 0.5 * tS,
      accel_mps2: 0.2 * Math.floor(tS),
      brake: 0,
    }),
  );
}
// Session B: not in the sessions table (label null); one sample only.
const B = [sample('B', T0_US + 3.5 * S, { engine_rpm: 900 })];

test('hand-computed windows, gaps, nulls, trends and labels: SQL and online agree with them', async () => {
  const samples = [...A, ...B];
  const sql = await goldFromSql(samples, new Map([['A', 'eco']]));
  const online = goldOnline(samples);
  for (const rows of [sql, online]) {
    const a = rows.filter((r) => r.sessionId === 'A');
    const t0 = T0_US / S;
    // One row per second holding data: seconds 0–14 and 27–29, windows ending one later.
    assert.deepEqual(
      a.map((r) => r.windowEnd - t0),
      [...Array.from({ length: 15 }, (_, i) => i + 1), 28, 29, 30],
    );
    const byEnd = new Map(a.map((r) => [r.windowEnd - t0, r] as const));
    const at = (end: number): GoldRow => byEnd.get(end)!;
    // First window: one second, ten samples.
    assert.equal(at(1).windowSeconds, 1);
    assert.equal(at(1).sampleCount, 10);
    // A full window.
    const full = at(12);
    assert.equal(full.windowSeconds, 10);
    assert.equal(full.sampleCount, 100);
    const rpm = reference(A, 12, (s) => s.values[0]!);
    close(full.features.rpm_mean!, rpm.mean, 'rpm_mean');
    close(full.features.rpm_std!, rpm.std, 'rpm_std');
    close(full.features.rpm_min!, rpm.min, 'rpm_min');
    close(full.features.rpm_max!, rpm.max, 'rpm_max');
    close(full.features.rpm_range!, rpm.max - rpm.min, 'rpm_range');
    const throttle = reference(A, 12, (s) => s.values[2]!);
    assert.equal(throttle.n, 75);
    close(full.features.throttle_mean!, throttle.mean, 'throttle_mean (nulls skipped)');
    close(full.features.throttle_std!, throttle.std, 'throttle_std');
    // Constant signals: exactly zero spread, full shares.
    assert.equal(full.features.speed_std, 0);
    assert.equal(full.features.speed_band_30_60_share, 1);
    assert.equal(full.features.speeding_share, 0);
    close(full.features.limit_ratio_mean!, 1, 'limit_ratio_mean');
    close(full.features.power_factor_mean!, rpm.mean * 0.4, 'power_factor_mean');
    // rpm 1020…2010 in this window: bands < 1500 and 1500–2500.
    const low = A.filter(
      (s) => s.timeUs >= T0_US + 2 * S && s.timeUs < T0_US + 12 * S && s.values[0]! < 1500,
    ).length;
    close(full.features.rpm_band_lt1500_share!, low / 100, 'rpm_band_lt1500_share');
    close(full.features.rpm_band_1500_2500_share!, 1 - low / 100, 'rpm_band_1500_2500_share');
    // Trends over per-second means.
    close(full.features.coolant_slope!, 0.5, 'coolant_slope', 1e-6);
    close(full.features.jerk_abs_mean!, 0.2, 'jerk_abs_mean', 1e-6);
    close(full.features.jerk_abs_max!, 0.2, 'jerk_abs_max', 1e-6);
    // After the 12 s gap the window holds only what came after it.
    assert.equal(at(28).windowSeconds, 1);
    assert.equal(at(28).sampleCount, 10);
    assert.ok(Number.isNaN(at(28).features.jerk_abs_mean!), 'no jerk from one second');
    assert.ok(Number.isNaN(at(28).features.coolant_slope!), 'no slope from one second');
    close(at(29).features.jerk_abs_mean!, 0.2, 'jerk after the gap', 1e-6);
    const after = reference(A, 30, (s) => s.values[0]!);
    close(at(30).features.rpm_mean!, after.mean, 'rpm_mean after the gap');
    // Session B: one sample, no std, no label.
    const b = rows.filter((r) => r.sessionId === 'B');
    assert.equal(b.length, 1);
    assert.equal(b[0]!.windowEnd - t0, 4);
    assert.equal(b[0]!.features.rpm_mean, 900);
    assert.ok(Number.isNaN(b[0]!.features.rpm_std!));
  }
  assert.equal(sql.find((r) => r.sessionId === 'A')!.label, 'eco');
  assert.equal(sql.find((r) => r.sessionId === 'B')!.label, null);
});

/** One drive sampled at `hz`: smooth signals of time plus nothing else. */
function drive(hz: number, seconds: number): Sample[] {
  const out: Sample[] = [];
  for (let k = 0; k < seconds * hz; k++) {
    const t = k / hz;
    out.push(
      sample(`D${hz}`, T0_US + Math.round((k * S) / hz), {
        engine_rpm: 2500 + 900 * Math.sin((2 * Math.PI * t) / 7),
        speed_kmh: 60 + 25 * Math.sin((2 * Math.PI * t) / 13),
        speed_limit_kmh: 70,
        gear: 3 + Math.round(Math.sin((2 * Math.PI * t) / 13)),
        throttle: 0.5 + 0.4 * Math.sin((2 * Math.PI * t) / 5),
        brake: Math.max(0, -Math.sin((2 * Math.PI * t) / 5)) * 0.3,
        engine_load_pct: 50 + 30 * Math.sin((2 * Math.PI * t) / 5),
        accel_mps2: 2.5 * Math.cos((2 * Math.PI * t) / 13),
        coolant_temp_c: 85 + 0.1 * t,
        brake_temp_c: 120 + 2 * Math.sin((2 * Math.PI * t) / 30),
        fuel_rate_lph: 6 + 3 * Math.sin((2 * Math.PI * t) / 5),
      }),
    );
  }
  return out;
}

test('10 Hz and 50 Hz sampling of one drive give comparable features', async () => {
  const rows10 = await goldFromSql(drive(10, 60));
  const rows50 = await goldFromSql(drive(50, 60));
  assert.equal(rows10.length, 60);
  assert.equal(rows50.length, 60);
  const spans: Record<string, number> = {};
  for (const name of Object.keys(rows10[0]!.features)) {
    const values = rows10.map((r) => r.features[name]!).filter((v) => !Number.isNaN(v));
    spans[name] = Math.max(...values) - Math.min(...values);
  }
  let worst = 0;
  let worstAt = '';
  for (let r = 10; r < 60; r++) {
    assert.equal(rows10[r]!.sampleCount * 5, rows50[r]!.sampleCount);
    for (const [name, a] of Object.entries(rows10[r]!.features)) {
      const b = rows50[r]!.features[name]!;
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      // Differences relative to how much the feature varies over the drive (or to 1 for flags).
      const gap = Math.abs(a - b) / Math.max(spans[name]!, Math.abs(a) * 0.1, 1e-9);
      if (gap > worst) {
        worst = gap;
        worstAt = `${name} at ${r}: 10 Hz ${a}, 50 Hz ${b}`;
      }
    }
  }
  assert.ok(worst < 0.15, `10 Hz vs 50 Hz differ by ${worst} of the feature's span at ${worstAt}`);
});

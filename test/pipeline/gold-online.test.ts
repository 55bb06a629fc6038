// Training equals serving: the online feature computer and the generated gold SQL give the
// same rows on simulator sessions (10 Hz and 50 Hz, heavy faults, a long outage) to 1e-9.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAULT_PRESETS } from '../../src/sim/index.js';
import { FEATURES } from '../../src/pipeline/gold/feature-spec.js';
import { OnlineFeatureComputer } from '../../src/pipeline/gold/online.js';
import type { Signals } from '../../src/telemetry/events.js';
import { SIGNALS } from '../../src/telemetry/signals.js';
import { goldFromSql, goldOnline, simulate, type GoldRow } from './gold-support.js';

/** Largest |a − b| / max(|a|, |b|) over all features; both null counts as equal. */
function compare(
  sql: readonly GoldRow[],
  online: readonly GoldRow[],
): { worst: number; at: string } {
  assert.equal(online.length, sql.length, 'row counts');
  let worst = 0;
  let at = '';
  for (let r = 0; r < sql.length; r++) {
    const a = sql[r]!;
    const b = online[r]!;
    assert.equal(b.sessionId, a.sessionId);
    assert.equal(b.windowEnd, a.windowEnd, `window end of row ${r}`);
    assert.equal(b.windowSeconds, a.windowSeconds, `window seconds of row ${r}`);
    assert.equal(b.sampleCount, a.sampleCount, `sample count of row ${r}`);
    for (const f of FEATURES) {
      const x = a.features[f.name]!;
      const y = b.features[f.name]!;
      if (Number.isNaN(x) || Number.isNaN(y)) {
        assert.ok(Number.isNaN(x) && Number.isNaN(y), `${f.name} row ${r}: sql ${x}, online ${y}`);
        continue;
      }
      if (x === y) continue;
      const rel = Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y));
      if (rel > worst) {
        worst = rel;
        at = `${f.name} row ${r}: sql ${x}, online ${y}`;
      }
    }
  }
  return { worst, at };
}

for (const hz of [10, 50]) {
  test(`online features equal gold SQL at ${hz} Hz with heavy faults and a 14 s outage`, async () => {
    const { samples, profiles } = simulate({
      vehicles: 4,
      hz,
      seconds: 90,
      seed: 11,
      faults: FAULT_PRESETS.heavy,
      gap: [40, 54],
    });
    const sql = await goldFromSql(samples, profiles);
    const online = goldOnline(samples);
    assert.ok(sql.length > 4 * 70, `expected a row per second, got ${sql.length}`);
    const { worst, at } = compare(sql, online);
    assert.ok(worst <= 1e-9, `worst relative difference ${worst} at ${at}`);
    console.log(
      `${hz} Hz: ${sql.length} rows, worst relative difference ${worst.toExponential(2)}`,
    );
    // Labels come from the sessions table.
    for (const row of sql) assert.equal(row.label, profiles.get(row.sessionId));
  });
}

test('online: events of an emitted second are late and ignored; flush ends a session once', () => {
  const computer = new OnlineFeatureComputer();
  const at = (ms: number): Signals => {
    const signals = Object.fromEntries(SIGNALS.map((s) => [s.name, null])) as Record<
      string,
      number | null
    >;
    signals.engine_rpm = 1000 + ms / 100;
    return signals as Signals;
  };
  const t0 = Date.UTC(2026, 0, 5, 8);
  assert.equal(computer.pushSignals(t0, at(0)), undefined);
  assert.equal(computer.pushSignals(t0 + 500, at(500)), undefined);
  const first = computer.pushSignals(t0 + 1000, at(1000));
  assert.ok(first);
  assert.equal(first.windowEnd, t0 / 1000 + 1);
  assert.equal(first.sampleCount, 2);
  assert.equal(first.values[computer.featureNames.indexOf('rpm_mean')], 1002.5);
  // A straggler for the second already emitted.
  assert.equal(computer.pushSignals(t0 + 900, at(900)), undefined);
  assert.equal(computer.lateEvents, 1);
  const last = computer.flush();
  assert.equal(last?.windowSeconds, 2);
  assert.equal(last?.sampleCount, 3);
  assert.equal(computer.flush(), undefined);
});

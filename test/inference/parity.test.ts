// Training equals serving, end to end: simulated sessions as the log carries them (JSON
// bytes with duplicates, out-of-order deliveries, a long outage) go through the live path
// (decoder → inference engine) and through the lake's reading (silver's first-arrival
// dedup → the generated gold SQL on a real DuckDB). Every gold row must come out of the
// engine with the same window and features to 1e-9, and the same model must give the same
// predictions on both.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAULT_PRESETS } from '../../src/sim/index.js';
import {
  engineReading,
  goldReference,
  predictRow,
  shuffleLate,
  simulateLines,
  stumpModel,
  withOutage,
  worstRelativeDifference,
} from './support.js';

for (const hz of [10, 50]) {
  test(`engine features and predictions equal gold at ${hz} Hz (heavy faults, reordering, 14 s outage)`, async () => {
    const simulated = await simulateLines({
      vehicles: 3,
      hz,
      durationS: 75,
      seed: 21,
      faults: FAULT_PRESETS.heavy,
    });
    // Beyond the simulator's own faults: a long outage, and 3 % of the lines delivered up
    // to 5 positions late (still inside the engine's allowed lateness).
    const lines = shuffleLate(withOutage(simulated, 'VH-0002', 30, 44), 0.03, 5);
    assert.notDeepEqual(lines, simulated);

    const gold = await goldReference(lines);
    const model = stumpModel();
    const engine = engineReading(lines, { model, allowedLatenessS: 4 });

    assert.equal(engine.late, 0, 'no sample should be later than the allowed lateness');
    assert.ok(engine.duplicates > 0, 'heavy faults deliver duplicates, which the engine drops');
    assert.ok(gold.length > 3 * 55, `a window per second and session, got ${gold.length}`);
    const { worst, at } = worstRelativeDifference(gold, engine.windows);
    assert.ok(worst <= 1e-9, `worst relative difference ${worst} at ${at}`);

    // Predictions: the engine scores every warm window; the model on gold's row agrees.
    let compared = 0;
    const labels = new Set<string>();
    for (const row of gold) {
      const prediction = engine.predictions.get(`${row.sessionId}/${row.windowEnd}`);
      if (prediction === undefined) continue;
      const expected = predictRow(model, row);
      model.classes.forEach((label, c) =>
        assert.equal(prediction.probabilities[label], expected[c], `${label} at ${row.windowEnd}`),
      );
      labels.add(prediction.label);
      compared++;
    }
    // Warm from the 10th second on, except while the outage keeps a window under 6 seconds.
    assert.ok(compared > gold.length * 0.7, `${compared} of ${gold.length} windows scored`);
    assert.ok(
      labels.size >= 2,
      `the model should tell the drivers apart: ${[...labels].join(', ')}`,
    );
    console.log(
      `${hz} Hz: ${gold.length} windows, worst relative difference ${worst.toExponential(2)}, ` +
        `${compared} predictions equal, ${engine.duplicates} duplicates dropped`,
    );
  });
}

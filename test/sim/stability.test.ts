// Long runs stay physical: every car with every driver profile for two simulated hours,
// and a hot day with a long steep climb. Checked every simulated second on the whole state
// record and on every emitted sample's ground truth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shippedCars } from '../../src/sim/car.js';
import { DRIVER_PROFILE_NAMES } from '../../src/sim/drivers.js';
import { FAULT_PRESETS } from '../../src/sim/faults.js';
import { Fleet, PHYSICS_HZ } from '../../src/sim/fleet.js';
import { FIELDS, STRIDE, V } from '../../src/sim/fleet-state.js';
import { applyScenarioAction } from '../../src/sim/scenario.js';
import { SIGNAL_COUNT, SIGNAL_INDEX } from '../../src/telemetry/signals.js';

const WEAR = ['engineWearPct', 'gearboxWearPct', 'brakeWearPct'] as const;
const WEAR_SIGNALS = [
  SIGNAL_INDEX.engine_wear_pct,
  SIGNAL_INDEX.gearbox_wear_pct,
  SIGNAL_INDEX.brake_wear_pct,
];

/**
 * Advances `fleet` by `seconds`, checking every vehicle after each simulated second and every
 * sample the sensors emitted in between; returns the highest temperatures seen.
 */
function runChecked(
  fleet: Fleet,
  seconds: number,
): { maxCoolantC: number; maxOilC: number; maxDiscC: number } {
  const s = fleet.state;
  const d = s.data;
  const batch = fleet.batch;
  const lastWear = new Float64Array(s.size * WEAR.length);
  for (let i = 0; i < s.size; i++)
    WEAR.forEach((field, w) => (lastWear[i * WEAR.length + w] = s.get(i, field)));
  const lastSampleWear = Float64Array.from(lastWear);
  let maxCoolantC = -Infinity;
  let maxOilC = -Infinity;
  let maxDiscC = -Infinity;

  const where = (i: number, t: number): string => {
    const session = fleet.sessions[i];
    assert.ok(session !== undefined, `vehicle ${i} has a session`);
    return `vehicle ${i} (${session.car.id}, ${session.driverProfile}) at ${t.toFixed(1)} s`;
  };
  const checkRanges = (
    i: number,
    t: number,
    q: { speedMps: number; rpm: number; coolantC: number; oilC: number; discC: number },
  ): void => {
    const ambient = s.get(i, 'ambientC');
    const revCeiling = s.get(i, 'revLimitRpm') + 150;
    if (!(q.speedMps >= 0)) assert.fail(`${where(i, t)}: speed ${q.speedMps}`);
    if (!(q.rpm <= revCeiling)) assert.fail(`${where(i, t)}: ${q.rpm} rpm above ${revCeiling}`);
    if (!(q.coolantC >= ambient - 5 && q.coolantC <= 130))
      assert.fail(`${where(i, t)}: coolant ${q.coolantC} °C (ambient ${ambient})`);
    if (!(q.oilC >= ambient - 5 && q.oilC <= 130))
      assert.fail(`${where(i, t)}: oil ${q.oilC} °C (ambient ${ambient})`);
    if (!(q.discC < 900)) assert.fail(`${where(i, t)}: brake disc ${q.discC} °C`);
    if (q.coolantC > maxCoolantC) maxCoolantC = q.coolantC;
    if (q.oilC > maxOilC) maxOilC = q.oilC;
    if (q.discC > maxDiscC) maxDiscC = q.discC;
  };

  for (let second = 1; second <= seconds; second++) {
    fleet.advance(PHYSICS_HZ);
    // Samples: ground truth of every emission (vehicle by vehicle, in time order within one).
    for (let r = 0; r < batch.count; r++) {
      const i = batch.vehicle[r]!;
      const o = r * SIGNAL_COUNT;
      const truth = batch.truth;
      for (let k = 0; k < SIGNAL_COUNT; k++) {
        if (!Number.isFinite(truth[o + k]))
          assert.fail(`${where(i, second)}: signal ${k} is ${truth[o + k]}`);
      }
      checkRanges(i, second, {
        speedMps: truth[o + SIGNAL_INDEX.speed_kmh]! / 3.6,
        rpm: truth[o + SIGNAL_INDEX.engine_rpm]!,
        coolantC: truth[o + SIGNAL_INDEX.coolant_temp_c]!,
        oilC: truth[o + SIGNAL_INDEX.oil_temp_c]!,
        discC: truth[o + SIGNAL_INDEX.brake_temp_c]!,
      });
      for (let w = 0; w < WEAR.length; w++) {
        const wear = truth[o + WEAR_SIGNALS[w]!]!;
        const at = i * WEAR.length + w;
        if (!(wear >= lastSampleWear[at]! && wear <= 100))
          assert.fail(`${where(i, second)}: ${WEAR[w]} ${lastSampleWear[at]} → ${wear}`);
        lastSampleWear[at] = wear;
      }
    }
    batch.clear();
    // The whole state record.
    for (let i = 0; i < s.size; i++) {
      const b = i * STRIDE;
      for (let f = 0; f < FIELDS.length; f++) {
        const x = d[b + f];
        // `stopPositionM` is +Infinity by design when no stop lies ahead in the segment.
        if (!Number.isFinite(x) && !(f === V.stopPositionM && x === Infinity))
          assert.fail(`${where(i, second)}: ${FIELDS[f]} is ${x}`);
      }
      checkRanges(i, second, {
        speedMps: d[b + V.speedMps]!,
        rpm: d[b + V.engineRpm]!,
        coolantC: d[b + V.coolantC]!,
        oilC: d[b + V.oilC]!,
        discC: d[b + V.brakeDiscC]!,
      });
      for (let w = 0; w < WEAR.length; w++) {
        const wear = d[b + V[WEAR[w]!]]!;
        const at = i * WEAR.length + w;
        if (!(wear >= lastWear[at]! && wear >= 0 && wear <= 100))
          assert.fail(`${where(i, second)}: ${WEAR[w]} ${lastWear[at]} → ${wear}`);
        lastWear[at] = wear;
      }
    }
  }
  return { maxCoolantC, maxOilC, maxDiscC };
}

test('every car with every driver profile runs two simulated hours within physical bounds', () => {
  const cars = shippedCars();
  const vehicles = cars.length * DRIVER_PROFILE_NAMES.length;
  const hz = 10;
  const fleet = new Fleet({ vehicles, seed: 42, hz, drivers: 'mix', faults: FAULT_PRESETS.none });
  for (let i = 0; i < vehicles; i++) fleet.startSession(i, 0, 0);
  const combos = new Set(fleet.sessions.map((s) => `${s.car.id} × ${s.driverProfile}`));
  const expected = cars.flatMap((car) =>
    DRIVER_PROFILE_NAMES.map((profile) => `${car.id} × ${profile}`),
  );
  assert.deepEqual([...combos].sort(), expected.sort(), 'one vehicle per car × profile');

  const hours = 2;
  const peaks = runChecked(fleet, hours * 3600);
  for (let i = 0; i < vehicles; i++) {
    // Everybody drove (≥ 40 km in two hours of mixed roads), and the sensor clock kept its rate.
    assert.ok(
      fleet.state.get(i, 'distanceM') > 40_000,
      `vehicle ${i} drove only ${fleet.state.get(i, 'distanceM')} m`,
    );
    assert.equal(fleet.state.get(i, 'emitCount'), hours * 3600 * hz, `vehicle ${i} samples`);
  }
  assert.ok(
    peaks.maxCoolantC > 80,
    `engines warmed up: max coolant ${peaks.maxCoolantC.toFixed(1)} °C`,
  );
});

test('a hot day with a 10 % climb for 20 minutes stays bounded', () => {
  const vehicles = 12;
  const fleet = new Fleet({
    vehicles,
    seed: 4040,
    hz: 10,
    drivers: 'mix',
    faults: FAULT_PRESETS.none,
    coldStartShare: 0,
  });
  for (let i = 0; i < vehicles; i++) {
    fleet.startSession(i, 0, 0);
    applyScenarioAction(fleet.state, i, { type: 'ambient', tempC: 40 });
    applyScenarioAction(fleet.state, i, { type: 'grade', gradePct: 10, durationS: 20 * 60 });
  }
  const start = Float64Array.from({ length: vehicles }, (_, i) => fleet.state.get(i, 'distanceM'));
  const peaks = runChecked(fleet, 20 * 60);
  for (let i = 0; i < vehicles; i++) {
    // Still on the climb at the end, and it did climb.
    assert.ok(
      fleet.state.get(i, 'gradeForceN') > 0.09 * 9.81 * fleet.state.get(i, 'massKg'),
      `vehicle ${i} not climbing`,
    );
    assert.ok(
      fleet.state.get(i, 'distanceM') - start[i]! > 3000,
      `vehicle ${i} climbed only ${fleet.state.get(i, 'distanceM') - start[i]!} m`,
    );
  }
  // The climb loads the engines: coolant rises to the fans' range (fan_on_c is 102–103 °C).
  assert.ok(peaks.maxCoolantC > 100, `max coolant ${peaks.maxCoolantC.toFixed(1)} °C`);
});

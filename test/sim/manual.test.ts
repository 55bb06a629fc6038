import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fleet, PHYSICS_HZ } from '../../src/sim/fleet.js';
import { FAULT_PRESETS } from '../../src/sim/faults.js';
import { applyScenarioAction } from '../../src/sim/scenario.js';

function fleet(): Fleet {
  const f = new Fleet({
    vehicles: 1,
    seed: 3,
    hz: 10,
    drivers: 'cautious',
    cars: 'vw-golf-1-5-tsi',
    faults: FAULT_PRESETS.none,
  });
  f.startSession(0, 0, 0);
  // A flat road, so that coasting can only slow the car down.
  applyScenarioAction(f.state, 0, { type: 'grade', gradePct: 0, durationS: 1e9 });
  return f;
}

test('manual pedals drive the car: throttle accelerates, brake stops it', () => {
  const f = fleet();
  f.setManualPedals(0, 0.8, 0);
  f.advance(8 * PHYSICS_HZ);
  const fast = f.state.get(0, 'speedMps');
  assert.ok(fast > 15, `speed after 8 s at 80 % throttle: ${fast}`);
  f.setManualPedals(0, 0, 1);
  f.advance(6 * PHYSICS_HZ);
  assert.equal(f.state.get(0, 'speedMps'), 0);
  assert.equal(f.state.get(0, 'pedalBrake'), 1);
});

test('requested gears are held until released to automatic', () => {
  const f = fleet();
  f.setManualPedals(0, 0.5, 0);
  f.requestGear(0, 2);
  f.advance(10 * PHYSICS_HZ);
  assert.equal(f.state.get(0, 'gear'), 2, 'stays in the requested gear');
  f.requestGear(0, 0);
  f.advance(5 * PHYSICS_HZ);
  assert.ok(f.state.get(0, 'gear') > 2, 'automatic shifts up again');
  assert.throws(() => f.requestGear(0, 9), /gear must be 1-7/);
});

test('stopping the engine cuts torque and fuel; the car coasts', () => {
  const f = fleet();
  f.setManualPedals(0, 0.6, 0);
  f.advance(6 * PHYSICS_HZ);
  const before = f.state.get(0, 'speedMps');
  f.setEngine(0, false);
  f.advance(3 * PHYSICS_HZ);
  assert.equal(f.state.get(0, 'fuelRateGps'), 0);
  assert.ok(f.state.get(0, 'engineRpm') < 50);
  assert.ok(f.state.get(0, 'speedMps') < before && f.state.get(0, 'speedMps') > 0);
});

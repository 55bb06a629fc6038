// Measures a car's standing-start acceleration and top speed the way magazines do:
// warm engine, flat road, no wind, driver alone, pedal floored, automatic gearbox.
import type { CarProfile } from './car.js';
import { FAULT_PRESETS } from './faults.js';
import { Fleet, PHYSICS_HZ } from './fleet.js';
import { STRIDE, V } from './fleet-state.js';
import { applyScenarioAction } from './scenario.js';

export interface CalibrationResult {
  readonly carId: string;
  /** Seconds from standstill to 100 km/h. */
  readonly zeroTo100S: number;
  /** Highest speed held after long full-throttle running, km/h. */
  readonly topSpeedKmh: number;
}

/** Runs the full-throttle test for one car. */
export function calibrateCar(car: CarProfile): CalibrationResult {
  const fleet = new Fleet({
    vehicles: 1,
    seed: 1,
    hz: 10,
    drivers: 'normal',
    faults: FAULT_PRESETS.none,
    carProfiles: [car],
    coldStartShare: 0,
  });
  fleet.startSession(0, 0, 0);
  const s = fleet.state;
  const d = s.data;
  // Driver alone: no cargo. A flat road for the whole test, pedal floored.
  d[V.massKg] = car.mass_kg;
  d[V.brakeForceMaxN] = car.brakes.max_deceleration_mps2 * car.mass_kg;
  applyScenarioAction(s, 0, { type: 'grade', gradePct: 0, durationS: 1e9 });
  d[V.manualPedals] = 1;
  d[V.manualThrottle] = 1;
  d[V.manualBrake] = 0;
  let zeroTo100 = Number.NaN;
  let top = 0;
  let lastGain = 0;
  const maxSteps = 600 * PHYSICS_HZ;
  for (let step = 1; step <= maxSteps; step++) {
    fleet.advance(1);
    fleet.batch.clear();
    const kmh = d[0 * STRIDE + V.speedMps]! * 3.6;
    if (Number.isNaN(zeroTo100) && kmh >= 100) zeroTo100 = step / PHYSICS_HZ;
    if (kmh > top + 0.01) {
      top = kmh;
      lastGain = step;
    }
    if (step - lastGain > 30 * PHYSICS_HZ) break;
  }
  return { carId: car.id, zeroTo100S: zeroTo100, topSpeedKmh: top };
}

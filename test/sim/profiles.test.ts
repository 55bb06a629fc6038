// Driver profiles are separable: on the same routes (same seed, so the same route streams,
// cars and weather), aggressive drivers work the pedals, engine and brakes harder than eco ones.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DriverProfileName } from '../../src/sim/drivers.js';
import { FAULT_PRESETS } from '../../src/sim/faults.js';
import { Fleet, PHYSICS_HZ } from '../../src/sim/fleet.js';
import { SIGNAL_COUNT, SIGNAL_INDEX } from '../../src/telemetry/signals.js';

const VEHICLES = 24;
const MINUTES = 20;

interface DrivingStats {
  readonly throttleVariance: number;
  readonly meanRpm: number;
  /** Mean brake pedal over samples with the brake pressed while moving (not the standstill hold). */
  readonly meanBrakeWhenBraking: number;
  /** Mean over vehicles of the hardest deceleration each one made (m/s²). */
  readonly meanMaxDecel: number;
  readonly meanBrakeTempC: number;
  readonly meanSpeedKmh: number;
}

/** Drives a fleet with one profile and summarises the ground truth of every sample. */
function drive(drivers: DriverProfileName): DrivingStats {
  const fleet = new Fleet({
    vehicles: VEHICLES,
    seed: 2024,
    hz: 10,
    drivers,
    faults: FAULT_PRESETS.none,
  });
  for (let i = 0; i < VEHICLES; i++) fleet.startSession(i, 0, 0);
  const { throttle, engine_rpm, brake, speed_kmh, accel_mps2, brake_temp_c } = SIGNAL_INDEX;
  let n = 0;
  let throttleSum = 0;
  let throttleSq = 0;
  let rpmSum = 0;
  let brakeSum = 0;
  let brakeCount = 0;
  let discSum = 0;
  let speedSum = 0;
  const maxDecel = new Float64Array(VEHICLES);
  for (let second = 0; second < MINUTES * 60; second++) {
    fleet.advance(PHYSICS_HZ);
    const { truth, vehicle } = fleet.batch;
    for (let r = 0; r < fleet.batch.count; r++) {
      const o = r * SIGNAL_COUNT;
      const x = truth[o + throttle]!;
      n++;
      throttleSum += x;
      throttleSq += x * x;
      rpmSum += truth[o + engine_rpm]!;
      discSum += truth[o + brake_temp_c]!;
      speedSum += truth[o + speed_kmh]!;
      if (truth[o + brake]! > 0.02 && truth[o + speed_kmh]! > 5) {
        brakeSum += truth[o + brake]!;
        brakeCount++;
      }
      const i = vehicle[r]!;
      maxDecel[i] = Math.max(maxDecel[i]!, -truth[o + accel_mps2]!);
    }
    fleet.batch.clear();
  }
  const meanThrottle = throttleSum / n;
  return {
    throttleVariance: throttleSq / n - meanThrottle * meanThrottle,
    meanRpm: rpmSum / n,
    meanBrakeWhenBraking: brakeSum / brakeCount,
    meanMaxDecel: maxDecel.reduce((sum, x) => sum + x, 0) / VEHICLES,
    meanBrakeTempC: discSum / n,
    meanSpeedKmh: speedSum / n,
  };
}

describe(`aggressive vs eco drivers (${VEHICLES} vehicles, ${MINUTES} simulated minutes each)`, () => {
  let aggressive: DrivingStats;
  let eco: DrivingStats;
  before(() => {
    aggressive = drive('aggressive');
    eco = drive('eco');
  });
  const show = (key: keyof DrivingStats): string =>
    `aggressive ${aggressive[key].toFixed(4)}, eco ${eco[key].toFixed(4)}`;

  test('aggressive drivers move the throttle more (higher variance)', () => {
    assert.ok(aggressive.throttleVariance > eco.throttleVariance * 1.05, show('throttleVariance'));
  });

  test('aggressive drivers rev higher', () => {
    assert.ok(aggressive.meanRpm > eco.meanRpm + 300, show('meanRpm'));
  });

  test('aggressive drivers brake harder', () => {
    assert.ok(
      aggressive.meanBrakeWhenBraking > eco.meanBrakeWhenBraking * 1.3,
      show('meanBrakeWhenBraking'),
    );
    assert.ok(aggressive.meanMaxDecel > eco.meanMaxDecel + 1, show('meanMaxDecel'));
  });

  test('aggressive drivers run hotter brakes', () => {
    assert.ok(aggressive.meanBrakeTempC > eco.meanBrakeTempC + 5, show('meanBrakeTempC'));
  });

  test('aggressive drivers drive faster on the same roads', () => {
    assert.ok(aggressive.meanSpeedKmh > eco.meanSpeedKmh * 1.05, show('meanSpeedKmh'));
  });
});

// Every shipped car, measured like a magazine test, matches its published figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateCar } from '../../src/sim/calibration.js';
import { shippedCars } from '../../src/sim/car.js';

const TOLERANCE = 0.15;

for (const car of shippedCars()) {
  test(`${car.id} lands within ±15 % of its published 0–100 km/h and top speed`, () => {
    const result = calibrateCar(car);
    assert.equal(result.carId, car.id);
    const { zero_to_100_kmh_s: published0to100, top_speed_kmh: publishedTop } = car.published;
    assert.ok(Number.isFinite(result.zeroTo100S), 'never reached 100 km/h');
    assert.ok(
      Math.abs(result.zeroTo100S / published0to100 - 1) <= TOLERANCE,
      `0–100 km/h in ${result.zeroTo100S} s, published ${published0to100} s`,
    );
    assert.ok(
      Math.abs(result.topSpeedKmh / publishedTop - 1) <= TOLERANCE,
      `top speed ${result.topSpeedKmh.toFixed(1)} km/h, published ${publishedTop} km/h`,
    );
  });
}

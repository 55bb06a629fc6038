// Car profiles: the shipped ones load, bad ones are rejected with the offending path, and
// the torque table the physics loop reads matches the profile's curve.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, ProfileError } from '../../src/errors.js';
import {
  type CarProfile,
  TORQUE_TABLE_STEP_RPM,
  findCar,
  fullLoadTorque,
  tableTorque,
  shippedCars,
  torqueTable,
  validateCarProfile,
} from '../../src/sim/car.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/** A deep, mutable copy of a shipped profile to break on purpose. */
function golf(): Mutable<CarProfile> {
  return structuredClone(findCar('vw-golf-1-5-tsi')) as Mutable<CarProfile>;
}

function rejects(profile: unknown, path: string): void {
  assert.throws(
    () => validateCarProfile(profile, 'broken.json'),
    (error: unknown) => {
      assert.ok(error instanceof ProfileError, `expected a ProfileError, got ${String(error)}`);
      assert.equal(error.code, ERROR_CODES.profile);
      assert.ok(
        error.message.startsWith(`broken.json: ${path}`),
        `message "${error.message}" should name ${path}`,
      );
      assert.ok(!error.message.includes('\n'), 'one-line message');
      return true;
    },
  );
}

describe('car profiles', () => {
  test('the shipped cars load and validate', () => {
    const cars = shippedCars();
    assert.deepEqual(
      cars.map((c) => c.id),
      ['porsche-911-carrera', 'vw-golf-1-5-tsi', 'vw-tiguan-2-0-tdi'],
    );
    for (const car of cars) assert.equal(validateCarProfile(structuredClone(car)).id, car.id);
    assert.throws(
      () => findCar('trabant-601'),
      /unknown car "trabant-601" \(known: porsche-911-carrera, /,
    );
  });

  test('a torque curve whose rpm does not increase is rejected', () => {
    const car = golf();
    car.engine.torque_curve[3]![0] = car.engine.torque_curve[2]![0];
    rejects(car, '/engine/torque_curve: rpm must increase');
  });

  test('a torque curve that stops short of the rev limit is rejected', () => {
    const car = golf();
    car.engine.torque_curve.pop();
    rejects(car, '/engine/torque_curve: must reach rev_limit_rpm');
  });

  test('fan_off_c at or above fan_on_c is rejected', () => {
    const equal = golf();
    equal.thermal.fan_off_c = equal.thermal.fan_on_c;
    rejects(equal, '/thermal: fan_off_c must be below fan_on_c');
    const above = golf();
    above.thermal.fan_off_c = above.thermal.fan_on_c + 2;
    rejects(above, '/thermal: fan_off_c must be below fan_on_c');
  });

  test('unknown properties are rejected at any depth', () => {
    rejects({ ...golf(), turbo: true }, '(root): unknown property "turbo"');
    const nested = golf();
    Object.assign(nested.engine, { turbo_boost_bar: 1.2 });
    rejects(nested, '/engine: unknown property "turbo_boost_bar"');
  });

  test('wrong types and out-of-range values are rejected', () => {
    rejects({ ...golf(), mass_kg: 'heavy' }, '/mass_kg: must be number');
    const ranged = golf();
    ranged.gearbox.efficiency = 1.2;
    rejects(ranged, '/gearbox/efficiency: must be <=');
    const ratios = golf();
    ratios.gearbox.ratios = [3.5, 2.1, 2.4, 1.0];
    rejects(ratios, '/gearbox/ratios: must decrease');
  });

  test('the physics torque table matches the profile curve', () => {
    for (const car of shippedCars()) {
      const table = torqueTable(car);
      // Exact at the table's sample points …
      for (let rpm = 0; rpm <= car.engine.rev_limit_rpm + 500; rpm += TORQUE_TABLE_STEP_RPM) {
        assert.ok(
          Math.abs(tableTorque(table, 0, rpm) - fullLoadTorque(car, rpm)) < 1e-9,
          `${car.id} at ${rpm} rpm`,
        );
      }
      // … and within a fraction of a newton-metre between them (only the curve's kinks differ).
      for (let rpm = 0; rpm <= car.engine.rev_limit_rpm + 500; rpm += 7.3) {
        assert.ok(
          Math.abs(tableTorque(table, 0, rpm) - fullLoadTorque(car, rpm)) < 1,
          `${car.id} at ${rpm} rpm`,
        );
      }
      const peak = Math.max(...car.engine.torque_curve.map(([, torque]) => torque));
      assert.equal(Math.max(...table), peak);
    }
  });
});

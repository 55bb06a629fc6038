// Physics sanity of the drivetrain, brakes and thermals, one vehicle at a time with the
// pedals (and sometimes the gears) under the test's control.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FUELS, findCar, shippedCars } from '../../src/sim/car.js';
import { PHYSICS_HZ, THERMAL_EVERY } from '../../src/sim/fleet.js';
import { applyScenarioAction } from '../../src/sim/scenario.js';
import { stepThermal } from '../../src/sim/thermal.js';
import { manualFleet, stepEach, stepUntil } from '../support/fleet.js';

const G = 9.81;
const kmh = (mps: number): number => mps * 3.6;

describe('longitudinal dynamics', () => {
  for (const car of shippedCars()) {
    test(`more throttle gives more acceleration (${car.id})`, () => {
      const speeds = [0.25, 0.5, 0.75, 1].map((throttle) => {
        const { fleet, state } = manualFleet({ car: car.id });
        state.set(0, 'manualThrottle', throttle);
        stepEach(fleet, 4 * PHYSICS_HZ, () => {});
        return kmh(state.get(0, 'speedMps'));
      });
      assert.ok(speeds[0]! > 5, `0.25 throttle should move the car: ${speeds[0]} km/h after 4 s`);
      for (let k = 1; k < speeds.length; k++) {
        assert.ok(
          speeds[k]! > speeds[k - 1]! + 2,
          `speeds after 4 s must grow with throttle: ${speeds.map((v) => v.toFixed(1)).join(' < ')}`,
        );
      }
    });
  }

  test('braking to a stop never gives negative speed, and the car stays stopped', () => {
    const car = findCar('vw-golf-1-5-tsi');
    const { fleet, state } = manualFleet({ car: car.id });
    state.set(0, 'manualThrottle', 1);
    stepUntil(fleet, () => kmh(state.get(0, 'speedMps')) >= 100, 30 * PHYSICS_HZ);
    state.set(0, 'manualThrottle', 0);
    state.set(0, 'manualBrake', 1);
    let maxDecel = 0;
    const steps = stepUntil(
      fleet,
      () => {
        const v = state.get(0, 'speedMps');
        assert.ok(v >= 0, `speed went negative: ${v}`);
        maxDecel = Math.max(maxDecel, -state.get(0, 'accelMps2'));
        return v === 0;
      },
      10 * PHYSICS_HZ,
    );
    // Full pedal is limited by the brakes' maximum and by tyre grip (ABS): 100 → 0 in ~3 s.
    const limit = Math.min(car.brakes.max_deceleration_mps2, car.tyres.grip_coefficient * G);
    assert.ok(
      maxDecel > 0.8 * limit && maxDecel < limit + 1.5,
      `max deceleration ${maxDecel.toFixed(2)} m/s², limit ${limit}`,
    );
    assert.ok(steps < 4.5 * PHYSICS_HZ, `100 → 0 km/h took ${steps / PHYSICS_HZ} s`);
    const position = state.get(0, 'positionM');
    stepEach(fleet, 3 * PHYSICS_HZ, () => assert.equal(state.get(0, 'speedMps'), 0));
    assert.equal(state.get(0, 'positionM'), position);
  });

  test('on a steep uphill with no throttle the car stops without rolling back', () => {
    const { fleet, state } = manualFleet({ car: 'vw-tiguan-2-0-tdi' });
    state.set(0, 'manualThrottle', 1);
    stepUntil(fleet, () => kmh(state.get(0, 'speedMps')) >= 30, 20 * PHYSICS_HZ);
    applyScenarioAction(state, 0, { type: 'grade', gradePct: 20, durationS: 3600 });
    state.set(0, 'manualThrottle', 0);
    let position = state.get(0, 'positionM');
    let stoppedAt = -1;
    stepEach(fleet, 40 * PHYSICS_HZ, (step) => {
      const v = state.get(0, 'speedMps');
      assert.ok(v >= 0, `speed went negative at step ${step}: ${v}`);
      const next = state.get(0, 'positionM');
      assert.ok(next >= position, `rolled back at step ${step}`);
      position = next;
      if (v === 0 && stoppedAt < 0) stoppedAt = step;
    });
    assert.ok(
      stoppedAt > 0 && stoppedAt < 15 * PHYSICS_HZ,
      `stopped after ${stoppedAt / PHYSICS_HZ} s`,
    );
    assert.equal(state.get(0, 'speedMps'), 0);
  });

  for (const car of shippedCars()) {
    test(`energy is conserved plausibly on a full-throttle climb (${car.id})`, () => {
      const gradePct = 4;
      const { fleet, state } = manualFleet({ car: car.id, gradePct });
      state.set(0, 'manualThrottle', 1);
      const x0 = state.get(0, 'positionM');
      let engineWorkJ = 0;
      stepEach(fleet, 30 * PHYSICS_HZ, () => {
        const omega = (state.get(0, 'engineRpm') * 2 * Math.PI) / 60;
        engineWorkJ += (state.get(0, 'engineTorqueNm') * omega) / PHYSICS_HZ;
      });
      const mass = state.get(0, 'massKg');
      const v = state.get(0, 'speedMps');
      const climbM =
        ((state.get(0, 'positionM') - x0) * gradePct) / 100 / Math.hypot(1, gradePct / 100);
      const mechanicalJ = 0.5 * mass * v * v + mass * G * climbM;
      const fuel = FUELS[car.fuel];
      const fuelJ = state.get(0, 'fuelUsedL') * fuel.densityKgPerL * fuel.heatingValueMjPerKg * 1e6;
      const report = `fuel ${(fuelJ / 1e6).toFixed(2)} MJ, engine work ${(engineWorkJ / 1e6).toFixed(2)} MJ, kinetic+potential ${(mechanicalJ / 1e6).toFixed(2)} MJ`;
      assert.ok(mechanicalJ > 1e6, `the run should gain real energy: ${report}`);
      assert.ok(fuelJ > mechanicalJ, report);
      // The crankshaft delivered at least what the car gained (the rest went to drag, rolling, drivetrain).
      assert.ok(engineWorkJ > mechanicalJ, report);
      // No production engine turns more than ~45 % of the fuel's energy into work.
      assert.ok(engineWorkJ < 0.45 * fuelJ, report);
    });
  }
});

describe('brakes', () => {
  test('hard braking from speed heats the discs, and they cool back toward ambient', () => {
    const car = findCar('vw-golf-1-5-tsi');
    const { fleet, state } = manualFleet({ car: car.id });
    state.set(0, 'manualThrottle', 1);
    stepUntil(fleet, () => kmh(state.get(0, 'speedMps')) >= 120, 40 * PHYSICS_HZ);
    const before = state.get(0, 'brakeDiscC');
    const v0 = state.get(0, 'speedMps');
    state.set(0, 'manualThrottle', 0);
    state.set(0, 'manualBrake', 1);
    stepUntil(fleet, () => state.get(0, 'speedMps') === 0, 10 * PHYSICS_HZ);
    stepEach(fleet, THERMAL_EVERY, () => {}); // let the last braking energy reach the discs
    const after = state.get(0, 'brakeDiscC');
    // Most of the kinetic energy ends up in the front discs (cast iron, 460 J/(kg·K)).
    const kinetic = 0.5 * state.get(0, 'massKg') * v0 * v0;
    const ideal = kinetic / (car.brakes.disc_mass_kg * 460);
    assert.ok(
      after - before > 0.4 * ideal && after - before < ideal,
      `disc ${before.toFixed(1)} → ${after.toFixed(1)} °C; all kinetic energy would give +${ideal.toFixed(0)} K`,
    );

    const ambient = state.get(0, 'ambientC');
    state.set(0, 'manualBrake', 0.3); // held at a standstill
    let previous = after;
    stepEach(fleet, 300 * PHYSICS_HZ, (step) => {
      if (step % PHYSICS_HZ !== 0) return;
      const disc = state.get(0, 'brakeDiscC');
      assert.ok(
        disc <= previous && disc > ambient,
        `disc ${disc} °C after ${step / PHYSICS_HZ} s (ambient ${ambient})`,
      );
      previous = disc;
    });
    assert.ok(
      previous - ambient < 0.75 * (after - ambient),
      `5 min of cooling only took the disc from ${after.toFixed(1)} to ${previous.toFixed(1)} °C (ambient ${ambient})`,
    );
  });
});

describe('cooling fan', () => {
  test('switches on above fan_on_c and off only below fan_off_c', () => {
    const car = findCar('vw-golf-1-5-tsi');
    const { state } = manualFleet({ car: car.id });
    const { fan_on_c: on, fan_off_c: off } = car.thermal;
    const between = (on + off) / 2;
    state.set(0, 'fuelRateGps', 0);
    const fanAfter = (coolant: number): number => {
      state.set(0, 'coolantC', coolant);
      stepThermal(state, 0, 0.01);
      return state.get(0, 'fanOn');
    };
    assert.equal(fanAfter(between), 0, 'off while warming through the band');
    assert.equal(fanAfter(on + 0.5), 1, 'on above fan_on_c');
    assert.equal(fanAfter(between), 1, 'stays on inside the band');
    assert.equal(fanAfter(off + 0.2), 1, 'stays on just above fan_off_c');
    assert.equal(fanAfter(off - 0.5), 0, 'off below fan_off_c');
    assert.equal(fanAfter(between), 0, 'stays off inside the band');
    assert.equal(fanAfter(on - 0.2), 0, 'stays off just below fan_on_c');
  });

  for (const car of shippedCars()) {
    test(`under a steady heat load the fan cycles between fan_off_c and fan_on_c (${car.id})`, () => {
      const { state } = manualFleet({ car: car.id });
      const { fan_on_c: on, fan_off_c: off } = car.thermal;
      // A parked engine making more heat than the radiator sheds without the fan, less than with it.
      const dt = THERMAL_EVERY / PHYSICS_HZ;
      const ambient = state.get(0, 'ambientC');
      const gps =
        (0.25 * car.thermal.radiator_kw_per_k * (on - ambient)) /
        (0.27 * FUELS[car.fuel].heatingValueMjPerKg);
      state.set(0, 'coolantC', off - 3);
      let switchedOn = 0;
      let switchedOff = 0;
      let maxCoolant = -Infinity;
      for (let k = 0; k < 600; k++) {
        state.set(0, 'fuelRateGps', gps);
        const coolant = state.get(0, 'coolantC');
        const fan = state.get(0, 'fanOn');
        stepThermal(state, 0, dt);
        const next = state.get(0, 'fanOn');
        if (next > fan) {
          switchedOn++;
          assert.ok(coolant > on, `fan switched on at ${coolant.toFixed(2)} °C (fan_on_c ${on})`);
        } else if (next < fan) {
          switchedOff++;
          assert.ok(
            coolant < off,
            `fan switched off at ${coolant.toFixed(2)} °C (fan_off_c ${off})`,
          );
        }
        maxCoolant = Math.max(maxCoolant, state.get(0, 'coolantC'));
      }
      assert.ok(
        switchedOn >= 2 && switchedOff >= 2,
        `fan cycles: ${switchedOn} on, ${switchedOff} off in ${600 * dt} s`,
      );
      assert.ok(maxCoolant < on + 3, `coolant overshot to ${maxCoolant.toFixed(1)} °C`);
    });
  }
});

describe('gearbox', () => {
  test('the automatic upshifts as speed rises under constant throttle', () => {
    const { fleet, state } = manualFleet();
    state.set(0, 'manualThrottle', 0.5);
    let gear = state.get(0, 'gear');
    const shiftSpeeds: number[] = [];
    stepEach(fleet, 40 * PHYSICS_HZ, () => {
      const next = state.get(0, 'gear');
      assert.ok(
        next >= gear,
        `downshift ${gear} → ${next} while accelerating at ${kmh(state.get(0, 'speedMps')).toFixed(1)} km/h`,
      );
      if (next > gear) shiftSpeeds.push(kmh(state.get(0, 'speedMps')));
      gear = next;
    });
    assert.ok(gear >= 5, `only reached gear ${gear}`);
    for (let k = 1; k < shiftSpeeds.length; k++)
      assert.ok(shiftSpeeds[k]! > shiftSpeeds[k - 1]!, `shift speeds ${shiftSpeeds.join(', ')}`);
  });

  test('a driver with a higher upshiftAt shifts up at higher rpm', () => {
    const shiftRpms = (upshiftAt: number): number[] => {
      const { fleet, state } = manualFleet();
      state.set(0, 'upshiftAt', upshiftAt);
      state.set(0, 'manualThrottle', 0.6);
      const rpms: number[] = [];
      let gear = state.get(0, 'gear');
      let rpm = state.get(0, 'engineRpm');
      stepEach(fleet, 25 * PHYSICS_HZ, () => {
        const next = state.get(0, 'gear');
        if (next > gear) rpms.push(rpm);
        gear = next;
        rpm = state.get(0, 'engineRpm');
      });
      return rpms;
    };
    const early = shiftRpms(0.3);
    const late = shiftRpms(0.85);
    assert.ok(
      early.length >= 3 && late.length >= 3,
      `upshifts: ${early.length} early, ${late.length} late`,
    );
    assert.ok(
      Math.min(...late) > Math.max(...early) + 1000,
      `shift rpm early ${early.map(Math.round).join(',')} vs late ${late.map(Math.round).join(',')}`,
    );
  });

  test('kickdown: flooring the pedal at cruise downshifts', () => {
    const { fleet, state } = manualFleet();
    state.set(0, 'manualThrottle', 0.35);
    stepEach(fleet, 40 * PHYSICS_HZ, () => {});
    const cruiseGear = state.get(0, 'gear');
    const cruiseRpm = state.get(0, 'engineRpm');
    assert.ok(
      cruiseGear >= 4,
      `cruising in gear ${cruiseGear} at ${kmh(state.get(0, 'speedMps')).toFixed(0)} km/h`,
    );
    state.set(0, 'manualThrottle', 1);
    const steps = stepUntil(fleet, () => state.get(0, 'gear') < cruiseGear, PHYSICS_HZ);
    stepEach(fleet, 1.5 * PHYSICS_HZ - steps, () => {});
    const rpm = state.get(0, 'engineRpm');
    const gear = state.get(0, 'gear');
    // Without the downshift 1.5 s of full throttle would add only ~100 rpm.
    assert.ok(
      gear < cruiseGear && rpm > cruiseRpm + 800,
      `kickdown: gear ${cruiseGear} → ${gear}, ${cruiseRpm.toFixed(0)} → ${rpm.toFixed(0)} rpm`,
    );
    // With the pedal floored the box holds the lower gear until close to the redline.
    const car = findCar('vw-golf-1-5-tsi');
    let before = rpm;
    stepUntil(
      fleet,
      () => {
        if (state.get(0, 'gear') > gear) return true;
        before = state.get(0, 'engineRpm');
        return false;
      },
      20 * PHYSICS_HZ,
    );
    const { idle_rpm: idle, redline_rpm: redline } = car.engine;
    assert.ok(
      before > idle + 0.85 * (redline - idle) && before <= car.engine.rev_limit_rpm,
      `upshift at full throttle from ${before.toFixed(0)} rpm (redline ${redline})`,
    );
  });
});

describe('engine', () => {
  /** Golf held in 3rd by manual gear requests, cruising at part throttle around 65 km/h. */
  function cruisingInThird() {
    const setup = manualFleet();
    const { fleet, state } = setup;
    state.set(0, 'manualGears', 1);
    state.set(0, 'manualThrottle', 1);
    for (const gear of [2, 3]) {
      stepEach(fleet, 2 * PHYSICS_HZ, () => {});
      state.set(0, 'manualGearRequest', gear);
    }
    state.set(0, 'manualThrottle', 0.4);
    stepEach(fleet, 5 * PHYSICS_HZ, () => {});
    assert.equal(state.get(0, 'gear'), 3);
    assert.ok(
      state.get(0, 'engineTorqueNm') > 0 && state.get(0, 'fuelRateGps') > 0,
      'on part throttle the engine drives and burns fuel',
    );
    return setup;
  }

  test('lifting off in gear gives engine braking and fuel cut-off', () => {
    const { fleet, state } = cruisingInThird();
    state.set(0, 'manualThrottle', 0);
    stepEach(fleet, PHYSICS_HZ, () => {});
    assert.equal(state.get(0, 'gear'), 3);
    assert.ok(state.get(0, 'engineRpm') > 2000, `rpm ${state.get(0, 'engineRpm')}`);
    assert.ok(state.get(0, 'engineTorqueNm') < -5, `torque ${state.get(0, 'engineTorqueNm')} N·m`);
    assert.equal(state.get(0, 'fuelRateGps'), 0);
    assert.equal(state.get(0, 'fuelCut'), 1);
    const engineBraking = -state.get(0, 'accelMps2');

    // The same lift-off with the engine off (clutch open) only has drag and rolling resistance.
    const coasting = cruisingInThird();
    coasting.state.set(0, 'manualThrottle', 0);
    coasting.state.set(0, 'engineOn', 0);
    stepEach(coasting.fleet, PHYSICS_HZ, () => {});
    const coastDecel = -coasting.state.get(0, 'accelMps2');
    assert.ok(
      engineBraking > coastDecel + 0.2,
      `decel in gear ${engineBraking.toFixed(2)} vs coasting ${coastDecel.toFixed(2)} m/s²`,
    );
  });

  for (const car of shippedCars()) {
    test(`the rev limiter holds first gear at full throttle (${car.id})`, () => {
      const { fleet, state } = manualFleet({ car: car.id });
      state.set(0, 'manualGears', 1);
      state.set(0, 'manualThrottle', 1);
      const ceiling = car.engine.rev_limit_rpm + 150;
      let maxRpm = 0;
      let cutSteps = 0;
      stepEach(fleet, 15 * PHYSICS_HZ, (step) => {
        const rpm = state.get(0, 'engineRpm');
        // The wheels must not outrun the engine either: the limiter stops the car accelerating.
        const wheelRpm = state.get(0, 'speedMps') * state.get(0, 'rpmPerMps');
        assert.ok(
          rpm <= ceiling && wheelRpm <= ceiling,
          `step ${step}: engine ${rpm.toFixed(0)}, wheels ${wheelRpm.toFixed(0)} rpm, ceiling ${ceiling}`,
        );
        maxRpm = Math.max(maxRpm, rpm);
        cutSteps += state.get(0, 'fuelCut');
      });
      assert.equal(state.get(0, 'gear'), 1);
      assert.ok(
        maxRpm >= car.engine.rev_limit_rpm - 50,
        `never reached the limiter: max ${maxRpm.toFixed(0)} rpm`,
      );
      assert.ok(cutSteps > 0, 'the limiter cuts fuel');
    });
  }
});

// The fleet: N vehicles stepped together at a fixed physics rate, each in its own
// session (car, driver, route, weather), all state in `FleetState` columns.
import type { CarProfile } from './car.js';
import { ProfileError } from '../errors.js';
import { FUELS, peakPowerRpm, shippedCars, torqueTable } from './car.js';
import {
  DRIVER_PROFILES,
  type DriverProfile,
  type DriverProfileName,
  type Spread,
} from './drivers.js';
import { EmissionBatch } from './emission.js';
import type { FaultRates } from './faults.js';
import { FleetState, STRIDE, V, type Field } from './fleet-state.js';
import { stepDriver, stepTraffic } from './policy.js';
import {
  stepDrivetrain,
  stepFuel,
  stepGearbox,
  updateDrivetrainCoefficients,
} from './powertrain.js';
import { Rng, deriveSeed } from './random.js';
import { enterNextSegment, placeNextStop, startRoute } from './route.js';
import { emitSample } from './sensors.js';
import { stepThermal } from './thermal.js';
import { DRIVER_EVERY, PHYSICS_DT, THERMAL_DT, THERMAL_EVERY } from './timing.js';

export { PHYSICS_HZ, PHYSICS_DT, DRIVER_EVERY, THERMAL_EVERY } from './timing.js';
/** Specific heat of cast-iron brake discs, J/(kg·K). */
const DISC_SPECIFIC_HEAT = 460;

/** Random streams of a session, each derived from (seed, vehicle, session, stream). */
const STREAM = { setup: 1, driver: 2, route: 3, traffic: 4, sensor: 5, fault: 6 } as const;

export interface FleetOptions {
  readonly vehicles: number;
  readonly seed: number;
  /** Emission rate per vehicle, 10–50 Hz. */
  readonly hz: number;
  /** `mix` rotates through all profiles across vehicles and sessions. */
  readonly drivers: 'mix' | DriverProfileName;
  /** `mix` spreads the cars across vehicles; otherwise every vehicle drives this car id. */
  readonly cars?: string;
  readonly faults: FaultRates;
  /** Share of sessions that start with a cold engine (default 0.35). */
  readonly coldStartShare?: number;
  /** Car profiles to use (default: the shipped ones). */
  readonly carProfiles?: readonly CarProfile[];
}

/** How one vehicle's current session was drawn: its ground truth. */
export interface SessionSetup {
  readonly vehicleIndex: number;
  readonly sessionIndex: number;
  readonly car: CarProfile;
  readonly driverProfile: DriverProfileName;
  readonly routeSeed: number;
  readonly ambientC: number;
  readonly cargoKg: number;
  readonly coldStart: boolean;
}

/** Which state field each driver-profile parameter is drawn into. */
const DRIVER_DRAWS = [
  ['speedFactor', 'speedFactor'],
  ['accelMax', 'accelMax'],
  ['comfortDecel', 'comfortDecel'],
  ['headwayS', 'headway'],
  ['minGapM', 'minGap'],
  ['reactionS', 'reactionTime'],
  ['pedalRate', 'pedalRate'],
  ['upshiftAt', 'upshiftAt'],
  ['pedalNoise', 'pedalNoise'],
  ['anticipation', 'anticipation'],
  ['amberDilemmaS', 'amberDilemma'],
  ['moodSwing', 'moodSwing'],
  ['moodTau', 'moodTau'],
  ['brakeHold', 'brakeHold'],
] as const satisfies readonly (readonly [
  Field,
  Exclude<keyof DriverProfile, 'name' | 'description'>,
])[];

function draw(rng: Rng, spread: Spread): number {
  const x = rng.normal(spread.mean, spread.std);
  return x < spread.min ? spread.min : x > spread.max ? spread.max : x;
}

export class Fleet {
  readonly state: FleetState;
  readonly batch = new EmissionBatch(4096);
  readonly options: FleetOptions;
  readonly cars: readonly CarProfile[];
  readonly torqueTable: Float64Array;
  readonly ratioTable: Float64Array;
  readonly sessions: SessionSetup[] = [];
  #torqueOffsets: number[] = [];
  #ratioOffsets: number[] = [];

  constructor(options: FleetOptions) {
    this.options = options;
    this.state = new FleetState(options.vehicles);
    const all = options.carProfiles ?? shippedCars();
    this.cars =
      options.cars && options.cars !== 'mix' ? all.filter((c) => c.id === options.cars) : all;
    if (this.cars.length === 0) {
      const known = all.map((c) => c.id).join(', ');
      throw new ProfileError(`unknown car "${String(options.cars)}" (known: ${known})`);
    }
    const tables = this.cars.map(torqueTable);
    let offset = 0;
    for (const table of tables) {
      this.#torqueOffsets.push(offset);
      offset += table.length;
    }
    this.torqueTable = new Float64Array(offset);
    tables.forEach((table, k) => this.torqueTable.set(table, this.#torqueOffsets[k]));
    const ratios: number[] = [];
    for (const car of this.cars) {
      this.#ratioOffsets.push(ratios.length);
      ratios.push(...car.gearbox.ratios);
    }
    this.ratioTable = Float64Array.from(ratios);
  }

  /** The car a vehicle drives in every session: cars spread evenly, rotated by the seed. */
  carIndexFor(vehicle: number): number {
    return (vehicle + (deriveSeed(this.options.seed, 0x5ca7) >>> 0)) % this.cars.length;
  }

  /** The driver profile of a vehicle's session: `mix` rotates so every profile meets every car. */
  profileFor(vehicle: number, session: number): DriverProfileName {
    if (this.options.drivers !== 'mix') return this.options.drivers;
    const rotation = deriveSeed(this.options.seed, 0xd71e) >>> 0;
    return DRIVER_PROFILES[(vehicle + session + rotation) % DRIVER_PROFILES.length]!.name;
  }

  /** Starts session `session` of vehicle `i` at epoch `startMs`: draws car load, driver, route and weather. */
  startSession(i: number, session: number, startMs: number): SessionSetup {
    const s = this.state;
    const d = s.data;
    const b = i * STRIDE;
    const seed = this.options.seed;
    const setup = new Rng(deriveSeed(seed, i, session, STREAM.setup));
    const carIndex = this.carIndexFor(i);
    const car = this.cars[carIndex]!;
    const profileName = this.profileFor(i, session);
    const profile = DRIVER_PROFILES.find((p) => p.name === profileName)!;

    d[b + V.carIndex] = carIndex;
    d[b + V.profileIndex] = DRIVER_PROFILES.indexOf(profile);
    const cargo = setup.between(0, 0.6 * (car.max_cargo_kg ?? 300));
    const mass = car.mass_kg + cargo;
    d[b + V.massKg] = mass;
    d[b + V.dragK] = 0.5 * 1.2 * car.aero.drag_coefficient * car.aero.frontal_area_m2;
    d[b + V.rollingK] = car.tyres.rolling_resistance;
    d[b + V.wheelRadiusM] = car.tyres.wheel_radius_m;
    d[b + V.gripMu] = car.tyres.grip_coefficient;
    d[b + V.drivenLoadFraction] = car.tyres.static_driven_load_fraction;
    const h = car.tyres.cg_height_to_wheelbase ?? 0.2;
    d[b + V.loadTransferK] =
      car.tyres.driven_axle === 'rear' ? h : car.tyres.driven_axle === 'front' ? -h : 0;
    const e = car.engine;
    d[b + V.idleRpm] = e.idle_rpm;
    d[b + V.redlineRpm] = e.redline_rpm;
    d[b + V.revLimitRpm] = e.rev_limit_rpm;
    let peakTorqueRpm = e.idle_rpm;
    let peak = 0;
    for (const [rpm, torque] of e.torque_curve) {
      if (torque > peak) {
        peak = torque;
        peakTorqueRpm = rpm;
      }
    }
    d[b + V.launchRpm] = Math.min(
      Math.max(peakTorqueRpm + 600, e.idle_rpm * 2),
      e.redline_rpm * 0.6,
    );
    d[b + V.engineInertia] = e.inertia_kgm2;
    d[b + V.throttleTau] = e.throttle_time_constant_s;
    d[b + V.frictionNm] = e.friction_torque_nm;
    d[b + V.frictionPerRpm] = e.friction_torque_per_krpm_nm / 1000;
    d[b + V.bsfcMin] = e.bsfc_min_g_per_kwh;
    d[b + V.bsfcBestRpm] = 0.45 * peakPowerRpm(car);
    const fuel = FUELS[car.fuel];
    d[b + V.idleFuelGps] = (e.idle_fuel_lph * fuel.densityKgPerL * 1000) / 3600;
    d[b + V.fuelDensity] = fuel.densityKgPerL;
    d[b + V.heatingValueKjPerG] = fuel.heatingValueMjPerKg;
    d[b + V.torqueTableOffset] = this.#torqueOffsets[carIndex]!;
    d[b + V.gearCount] = car.gearbox.ratios.length;
    d[b + V.ratioOffset] = this.#ratioOffsets[carIndex]!;
    d[b + V.finalDrive] = car.gearbox.final_drive;
    d[b + V.drivetrainEfficiency] = car.gearbox.efficiency;
    d[b + V.shiftTimeS] = car.gearbox.shift_time_s;
    d[b + V.minShiftIntervalS] = car.gearbox.min_time_between_shifts_s;
    d[b + V.brakeForceMaxN] = car.brakes.max_deceleration_mps2 * mass;
    d[b + V.discHeatCapacity] = car.brakes.disc_mass_kg * DISC_SPECIFIC_HEAT;
    d[b + V.fadeStartC] = car.brakes.fade_start_c;
    d[b + V.fadeFullC] = car.brakes.fade_full_c;
    d[b + V.fadeMinFactor] = car.brakes.fade_min_factor;
    const th = car.thermal;
    d[b + V.thermostatOpenC] = th.thermostat_open_c;
    d[b + V.thermostatFullC] = th.thermostat_full_c;
    d[b + V.fanOnC] = th.fan_on_c;
    d[b + V.fanOffC] = th.fan_off_c;
    d[b + V.engineHeatCapacity] = th.heat_capacity_kj_per_k;
    d[b + V.radiatorKwPerK] = th.radiator_kw_per_k;

    // Driver drawn from the profile's distributions, in a fixed order (the draws share one stream).
    for (const [field, parameter] of DRIVER_DRAWS)
      d[b + V[field]] = draw(setup, profile[parameter]);
    d[b + V.idmApproachK] = 1 / (2 * Math.sqrt(d[b + V.accelMax]! * d[b + V.comfortDecel]!));
    d[b + V.mood] = 1;
    d[b + V.pedalWobble] = 0;
    d[b + V.commandAccel] = 0;
    d[b + V.pedalThrottle] = 0;
    d[b + V.pedalBrake] = 0.25;
    d[b + V.throttleTarget] = 0;
    d[b + V.brakeTarget] = 0.25;

    // Weather and engine temperature: a cold start begins at ambient.
    const ambient = Math.round(Math.min(40, Math.max(-15, setup.normal(14, 9))) * 2) / 2;
    const coldStart = setup.next() < (this.options.coldStartShare ?? 0.35);
    d[b + V.ambientC] = ambient;
    d[b + V.coolantC] = coldStart ? ambient : th.thermostat_open_c + setup.between(0, 4);
    d[b + V.oilC] = coldStart ? ambient : th.thermostat_open_c + setup.between(0, 8);
    d[b + V.brakeDiscC] = ambient + (coldStart ? 0 : setup.between(5, 40));
    d[b + V.fanOn] = 0;
    // Vehicle age: wear carried into the session.
    d[b + V.engineWearPct] = setup.between(2, 60);
    d[b + V.gearboxWearPct] = setup.between(2, 50);
    d[b + V.brakeWearPct] = setup.between(0, 70);

    d[b + V.speedMps] = 0;
    d[b + V.accelMps2] = 0;
    d[b + V.engineOn] = 1;
    d[b + V.engineRpm] = e.idle_rpm;
    d[b + V.engineThrottle] = 0;
    d[b + V.gear] = 1;
    d[b + V.shiftRemainingS] = 0;
    d[b + V.sinceShiftS] = 10;
    d[b + V.fuelUsedL] = 0;
    d[b + V.distanceM] = 0;
    d[b + V.leadPresent] = 0;
    d[b + V.harshBrakeUntilS] = 0;
    d[b + V.gradeOverrideUntilS] = 0;
    d[b + V.limitOverrideUntilS] = 0;
    d[b + V.sensorFailureUntilS] = 0;

    d[b + V.rngDriver] = deriveSeed(seed, i, session, STREAM.driver);
    const routeSeed = deriveSeed(seed, i, session, STREAM.route);
    d[b + V.rngRoute] = routeSeed;
    d[b + V.rngTraffic] = deriveSeed(seed, i, session, STREAM.traffic);
    d[b + V.rngSensor] = deriveSeed(seed, i, session, STREAM.sensor);
    d[b + V.rngFault] = deriveSeed(seed, i, session, STREAM.fault);
    startRoute(s, i, setup.pick([0, 1, 2], [0.5, 0.32, 0.18]));
    d[b + V.brakeEnergyJ] = 0;
    d[b + V.fuelCut] = 0;

    d[b + V.sessionTimeS] = 0;
    d[b + V.tick] = 0;
    d[b + V.sessionStartMs] = startMs;
    d[b + V.emitPeriodS] = 1 / this.options.hz;
    d[b + V.emitClockS] = 0;
    d[b + V.emitCount] = 0;
    d[b + V.seq] = 0;
    d[b + V.dropoutLeft] = 0;
    d[b + V.stuckLeft] = 0;
    const skewed = setup.next() < this.options.faults.clockSkew;
    d[b + V.clockSkewMs] = skewed ? (setup.next() < 0.5 ? -1 : 1) * setup.between(500, 30000) : 0;
    d[b + V.clockDriftPpm] = skewed ? setup.between(-50, 50) : 0;
    updateDrivetrainCoefficients(s, i, this.ratioTable);

    const info: SessionSetup = {
      vehicleIndex: i,
      sessionIndex: session,
      car,
      driverProfile: profileName,
      routeSeed: routeSeed >>> 0,
      ambientC: ambient,
      cargoKg: Math.round(cargo),
      coldStart,
    };
    this.sessions[i] = info;
    return info;
  }

  /**
   * Hands vehicle `i`'s pedals to an outside driver (the cockpit): `throttle` and
   * `brake` in 0–1, clamped. Call `releaseManualPedals` to give them back to the policy.
   */
  setManualPedals(i: number, throttle: number, brake: number): void {
    const s = this.state;
    s.set(i, 'manualPedals', 1);
    s.set(i, 'manualThrottle', Math.min(1, Math.max(0, throttle)));
    s.set(i, 'manualBrake', Math.min(1, Math.max(0, brake)));
  }

  releaseManualPedals(i: number): void {
    this.state.set(i, 'manualPedals', 0);
  }

  /** Manual gears: `gear` 1…gear count is engaged at the next decision; 0 returns to automatic. */
  requestGear(i: number, gear: number): void {
    const s = this.state;
    if (gear === 0) {
      s.set(i, 'manualGears', 0);
      return;
    }
    const count = s.get(i, 'gearCount');
    if (!Number.isInteger(gear) || gear < 1 || gear > count) {
      throw new RangeError(`gear must be 1-${count} (or 0 for automatic), got ${gear}`);
    }
    s.set(i, 'manualGears', 1);
    s.set(i, 'manualGearRequest', gear);
  }

  /** Starts or stops vehicle `i`'s engine (a stopped engine coasts down; sensors keep reporting). */
  setEngine(i: number, on: boolean): void {
    this.state.set(i, 'engineOn', on ? 1 : 0);
  }

  /** Advances every vehicle by one physics step; samples due go to `batch`. */
  step(): void {
    this.advance(1);
  }

  /**
   * Advances every vehicle by `steps` physics steps. Vehicles are independent, so each
   * takes all its steps before the next starts: its state stays in the CPU cache. The
   * batch therefore holds samples vehicle by vehicle; `sortBatchByTime` restores time order.
   */
  advance(steps: number): void {
    const s = this.state;
    for (let i = 0; i < s.size; i++) this.#advanceVehicle(s, i, steps);
  }

  /** Advances one vehicle by `steps` physics steps. */
  advanceVehicle(i: number, steps: number): void {
    this.#advanceVehicle(this.state, i, steps);
  }

  #advanceVehicle(s: FleetState, i: number, steps: number): void {
    const d = s.data;
    const b = i * STRIDE;
    const dt = PHYSICS_DT;
    const torque = this.torqueTable;
    const ratios = this.ratioTable;
    const batch = this.batch;
    const faults = this.options.faults;
    let tick = d[b + V.tick]! | 0;
    for (let k = 0; k < steps; k++, tick++) {
      if (tick % DRIVER_EVERY === 0) {
        const pos = d[b + V.positionM]!;
        if (pos >= d[b + V.segmentEndM]!) enterNextSegment(s, i);
        else if (pos > d[b + V.stopPositionM]! + 1) placeNextStop(s, i, pos);
        updateDrivetrainCoefficients(s, i, ratios);
        stepFuel(s, i);
        stepTraffic(s, i);
        stepDriver(s, i, torque, ratios);
        stepGearbox(s, i, ratios);
        if (tick % THERMAL_EVERY === 0) stepThermal(s, i, THERMAL_DT);
      }
      stepDrivetrain(s, i, torque);
      d[b + V.sessionTimeS] = d[b + V.sessionTimeS]! + dt;
      // Sensors sample on their own clock (10–50 Hz), independent of the physics rate.
      const clock = d[b + V.emitClockS]! + dt;
      const period = d[b + V.emitPeriodS]!;
      if (clock >= period - 1e-9) {
        d[b + V.emitClockS] = clock - period;
        emitSample(s, i, batch, faults);
      } else {
        d[b + V.emitClockS] = clock;
      }
    }
    d[b + V.tick] = tick;
  }
}

// The fleet: N vehicles stepped together at a fixed physics rate, each in its own
// session (car, driver, route, weather), all state in `FleetState` columns.
import type { CarProfile } from './car.js';
import { FUELS, TORQUE_TABLE_STEP_RPM, fullLoadTorque, peakPowerRpm, shippedCars, torqueTable } from './car.js';
import { DRIVER_PROFILES, type DriverProfileName, type Spread } from './drivers.js';
import { EmissionBatch } from './emission.js';
import type { FaultRates } from './faults.js';
import { FleetState } from './fleet-state.js';
import { stepDriver, stepTraffic } from './policy.js';
import { stepGearbox, stepPowertrain } from './powertrain.js';
import { Rng, deriveSeed } from './random.js';
import { enterNextSegment, placeNextStop, startRoute } from './route.js';
import { stepSensors } from './sensors.js';
import { stepThermal } from './thermal.js';

/**
 * Physics steps per simulated second. Engine, gearbox, brakes and motion integrate at
 * this rate; the driver (and the automatic gearbox's shift decision) decides every
 * `DRIVER_EVERY` steps, like a human's ~40 ms perception cycle; traffic also; thermals,
 * whose time constants are tens of seconds, integrate every `THERMAL_EVERY` steps.
 */
export const PHYSICS_HZ = 100;
export const PHYSICS_DT = 1 / PHYSICS_HZ;
export const DRIVER_EVERY = 4;
export const THERMAL_EVERY = 10;
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
  readonly cars?: 'mix' | string;
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
    this.cars = options.cars && options.cars !== 'mix' ? all.filter((c) => c.id === options.cars) : all;
    if (this.cars.length === 0) throw new RangeError(`no car profile with id "${String(options.cars)}"`);
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
    const seed = this.options.seed;
    const setup = new Rng(deriveSeed(seed, i, session, STREAM.setup));
    const carIndex = this.carIndexFor(i);
    const car = this.cars[carIndex]!;
    const profileName = this.profileFor(i, session);
    const profile = DRIVER_PROFILES.find((p) => p.name === profileName)!;

    s.carIndex[i] = carIndex;
    s.profileIndex[i] = DRIVER_PROFILES.indexOf(profile);
    const cargo = setup.between(0, 0.6 * (car.max_cargo_kg ?? 300));
    const mass = car.mass_kg + cargo;
    s.massKg[i] = mass;
    s.dragK[i] = 0.5 * 1.2 * car.aero.drag_coefficient * car.aero.frontal_area_m2;
    s.rollingK[i] = car.tyres.rolling_resistance;
    s.wheelRadiusM[i] = car.tyres.wheel_radius_m;
    s.gripMu[i] = car.tyres.grip_coefficient;
    s.drivenLoadFraction[i] = car.tyres.static_driven_load_fraction;
    const h = car.tyres.cg_height_to_wheelbase ?? 0.2;
    s.loadTransferK[i] = car.tyres.driven_axle === 'rear' ? h : car.tyres.driven_axle === 'front' ? -h : 0;
    const e = car.engine;
    s.idleRpm[i] = e.idle_rpm;
    s.redlineRpm[i] = e.redline_rpm;
    s.revLimitRpm[i] = e.rev_limit_rpm;
    let peakTorqueRpm = e.idle_rpm;
    let peak = 0;
    for (const [rpm, torque] of e.torque_curve) {
      if (torque > peak) {
        peak = torque;
        peakTorqueRpm = rpm;
      }
    }
    s.launchRpm[i] = Math.min(Math.max(peakTorqueRpm + 600, e.idle_rpm * 2), e.redline_rpm * 0.6);
    s.engineInertia[i] = e.inertia_kgm2;
    s.throttleTau[i] = e.throttle_time_constant_s;
    s.frictionNm[i] = e.friction_torque_nm;
    s.frictionPerRpm[i] = e.friction_torque_per_krpm_nm / 1000;
    s.bsfcMin[i] = e.bsfc_min_g_per_kwh;
    s.bsfcBestRpm[i] = 0.45 * peakPowerRpm(car);
    const fuel = FUELS[car.fuel];
    s.idleFuelGps[i] = (e.idle_fuel_lph * fuel.densityKgPerL * 1000) / 3600;
    s.fuelDensity[i] = fuel.densityKgPerL;
    s.heatingValueKjPerG[i] = fuel.heatingValueMjPerKg;
    s.torqueTableOffset[i] = this.#torqueOffsets[carIndex]!;
    s.gearCount[i] = car.gearbox.ratios.length;
    s.ratioOffset[i] = this.#ratioOffsets[carIndex]!;
    s.finalDrive[i] = car.gearbox.final_drive;
    s.drivetrainEfficiency[i] = car.gearbox.efficiency;
    s.shiftTimeS[i] = car.gearbox.shift_time_s;
    s.minShiftIntervalS[i] = car.gearbox.min_time_between_shifts_s;
    s.brakeForceMaxN[i] = car.brakes.max_deceleration_mps2 * mass;
    s.discHeatCapacity[i] = car.brakes.disc_mass_kg * DISC_SPECIFIC_HEAT;
    s.fadeStartC[i] = car.brakes.fade_start_c;
    s.fadeFullC[i] = car.brakes.fade_full_c;
    s.fadeMinFactor[i] = car.brakes.fade_min_factor;
    const th = car.thermal;
    s.thermostatOpenC[i] = th.thermostat_open_c;
    s.thermostatFullC[i] = th.thermostat_full_c;
    s.fanOnC[i] = th.fan_on_c;
    s.fanOffC[i] = th.fan_off_c;
    s.engineHeatCapacity[i] = th.heat_capacity_kj_per_k;
    s.radiatorKwPerK[i] = th.radiator_kw_per_k;

    // Driver drawn from the profile's distributions.
    s.speedFactor[i] = draw(setup, profile.speedFactor);
    const a = draw(setup, profile.accelMax);
    const b = draw(setup, profile.comfortDecel);
    s.accelMax[i] = a;
    s.comfortDecel[i] = b;
    s.idmApproachK[i] = 1 / (2 * Math.sqrt(a * b));
    s.headwayS[i] = draw(setup, profile.headway);
    s.minGapM[i] = draw(setup, profile.minGap);
    s.reactionS[i] = draw(setup, profile.reactionTime);
    s.pedalRate[i] = draw(setup, profile.pedalRate);
    s.upshiftAt[i] = draw(setup, profile.upshiftAt);
    s.pedalNoise[i] = draw(setup, profile.pedalNoise);
    s.anticipation[i] = draw(setup, profile.anticipation);
    s.amberDilemmaS[i] = draw(setup, profile.amberDilemma);
    s.moodSwing[i] = draw(setup, profile.moodSwing);
    s.mood[i] = 1;
    s.pedalWobble[i] = 0;
    s.commandAccel[i] = 0;
    s.pedalThrottle[i] = 0;
    s.pedalBrake[i] = 0.25;
    s.throttleTarget[i] = 0;
    s.brakeTarget[i] = 0.25;

    // Weather and engine temperature: a cold start begins at ambient.
    const ambient = Math.round(Math.min(40, Math.max(-15, setup.normal(14, 9))) * 2) / 2;
    const coldStart = setup.next() < (this.options.coldStartShare ?? 0.35);
    s.ambientC[i] = ambient;
    s.coolantC[i] = coldStart ? ambient : th.thermostat_open_c + setup.between(0, 4);
    s.oilC[i] = coldStart ? ambient : th.thermostat_open_c + setup.between(0, 8);
    s.brakeDiscC[i] = ambient + (coldStart ? 0 : setup.between(5, 40));
    s.fanOn[i] = 0;
    // Vehicle age: wear carried into the session.
    s.engineWearPct[i] = setup.between(2, 60);
    s.gearboxWearPct[i] = setup.between(2, 50);
    s.brakeWearPct[i] = setup.between(0, 70);

    s.speedMps[i] = 0;
    s.accelMps2[i] = 0;
    s.engineOn[i] = 1;
    s.engineRpm[i] = e.idle_rpm;
    s.engineThrottle[i] = 0;
    s.gear[i] = 1;
    s.shiftRemainingS[i] = 0;
    s.sinceShiftS[i] = 10;
    s.fuelUsedL[i] = 0;
    s.distanceM[i] = 0;
    s.leadPresent[i] = 0;
    s.harshBrakeUntilS[i] = 0;
    s.gradeOverrideUntilS[i] = 0;
    s.limitOverrideUntilS[i] = 0;
    s.sensorFailureUntilS[i] = 0;

    s.rngDriver[i] = deriveSeed(seed, i, session, STREAM.driver);
    const routeSeed = deriveSeed(seed, i, session, STREAM.route);
    s.rngRoute[i] = routeSeed;
    s.rngTraffic[i] = deriveSeed(seed, i, session, STREAM.traffic);
    s.rngSensor[i] = deriveSeed(seed, i, session, STREAM.sensor);
    s.rngFault[i] = deriveSeed(seed, i, session, STREAM.fault);
    startRoute(s, i, setup.pick([0, 1, 2], [0.5, 0.32, 0.18]));

    s.sessionTimeS[i] = 0;
    s.tick[i] = 0;
    s.sessionStartMs[i] = startMs;
    s.emitPeriodS[i] = 1 / this.options.hz;
    s.emitClockS[i] = 0;
    s.emitCount[i] = 0;
    s.seq[i] = 0;
    s.dropoutLeft[i] = 0;
    s.stuckLeft[i] = 0;
    const skewed = setup.next() < this.options.faults.clockSkew;
    s.clockSkewMs[i] = skewed ? (setup.next() < 0.5 ? -1 : 1) * setup.between(500, 30000) : 0;
    s.clockDriftPpm[i] = skewed ? setup.between(-50, 50) : 0;

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
    const dt = PHYSICS_DT;
    const torque = this.torqueTable;
    const ratios = this.ratioTable;
    const batch = this.batch;
    const faults = this.options.faults;
    for (let k = 0; k < steps; k++) {
      const tick = s.tick[i]!;
      s.tick[i] = tick + 1;
      if (tick % DRIVER_EVERY === 0) {
        const pos = s.positionM[i]!;
        if (pos >= s.segmentEndM[i]!) enterNextSegment(s, i);
        else if (pos > s.stopPositionM[i]! + 1) placeNextStop(s, i, pos);
        stepTraffic(s, i, dt * DRIVER_EVERY);
        stepDriver(s, i, dt * DRIVER_EVERY, torque, ratios);
        stepGearbox(s, i, ratios);
      }
      stepPowertrain(s, i, dt, torque, ratios);
      if (tick % THERMAL_EVERY === 0) stepThermal(s, i, dt * THERMAL_EVERY);
      s.sessionTimeS[i] = s.sessionTimeS[i]! + dt;
      stepSensors(s, i, dt, batch, faults);
    }
  }
}

/** Full-load torque lookup as the physics loop does it (for tests of the table). */
export function tableTorque(table: Float64Array, offset: number, rpm: number): number {
  const k = rpm / TORQUE_TABLE_STEP_RPM;
  const j = k | 0;
  return table[offset + j]! + (table[offset + j + 1]! - table[offset + j]!) * (k - j);
}

export { fullLoadTorque };

// Car profiles: typed view of `profiles/cars/*.json`, validation against
// `schemas/car-profile.schema.json` plus physical consistency checks, and compilation
// into the lookup tables the physics loop reads.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ProfileError } from '../errors.js';
import { CAR_PROFILES_DIR } from '../paths.js';
import { describeSchemaError, schemaValidator } from '../schema-validator.js';

export interface CarProfile {
  readonly id: string;
  readonly name: string;
  readonly class: 'compact-petrol-hatchback' | 'sports-car' | 'diesel-suv' | 'diesel-van';
  readonly fuel: 'petrol' | 'diesel';
  readonly mass_kg: number;
  readonly max_cargo_kg?: number;
  readonly aero: { readonly drag_coefficient: number; readonly frontal_area_m2: number };
  readonly tyres: {
    readonly wheel_radius_m: number;
    readonly rolling_resistance: number;
    readonly grip_coefficient: number;
    readonly driven_axle: 'front' | 'rear' | 'all';
    readonly static_driven_load_fraction: number;
    readonly cg_height_to_wheelbase?: number;
  };
  readonly engine: {
    readonly idle_rpm: number;
    readonly redline_rpm: number;
    readonly rev_limit_rpm: number;
    readonly torque_curve: readonly (readonly [number, number])[];
    readonly inertia_kgm2: number;
    readonly throttle_time_constant_s: number;
    readonly friction_torque_nm: number;
    readonly friction_torque_per_krpm_nm: number;
    readonly bsfc_min_g_per_kwh: number;
    readonly idle_fuel_lph: number;
  };
  readonly gearbox: {
    readonly ratios: readonly number[];
    readonly final_drive: number;
    readonly efficiency: number;
    readonly shift_time_s: number;
    readonly min_time_between_shifts_s: number;
  };
  readonly brakes: {
    readonly max_deceleration_mps2: number;
    readonly disc_mass_kg: number;
    readonly fade_start_c: number;
    readonly fade_full_c: number;
    readonly fade_min_factor: number;
  };
  readonly thermal: {
    readonly thermostat_open_c: number;
    readonly thermostat_full_c: number;
    readonly fan_on_c: number;
    readonly fan_off_c: number;
    readonly heat_capacity_kj_per_k: number;
    readonly radiator_kw_per_k: number;
  };
  readonly published: {
    readonly zero_to_100_kmh_s: number;
    readonly top_speed_kmh: number;
    readonly max_power_kw?: number;
    readonly max_torque_nm?: number;
    readonly source: string;
  };
}

/** Fuel properties: density (kg/L) and lower heating value (MJ/kg). */
export const FUELS = {
  petrol: { densityKgPerL: 0.745, heatingValueMjPerKg: 43.4 },
  diesel: { densityKgPerL: 0.832, heatingValueMjPerKg: 42.8 },
} as const;

/** Torque tables are sampled every this many rpm. */
export const TORQUE_TABLE_STEP_RPM = 25;

/** Checks a parsed JSON value against the car schema and physical consistency rules. */
export function validateCarProfile(value: unknown, source = 'car profile'): CarProfile {
  const validate = schemaValidator('car-profile.schema.json');
  if (!validate(value)) {
    throw new ProfileError(`${source}: ${describeSchemaError(validate.errors)}`);
  }
  const car = value as CarProfile;
  const problems: string[] = [];
  const curve = car.engine.torque_curve;
  for (let k = 1; k < curve.length; k++) {
    if (curve[k]![0] <= curve[k - 1]![0]) problems.push('/engine/torque_curve: rpm must increase');
  }
  if (curve[0]![0] > car.engine.idle_rpm)
    problems.push('/engine/torque_curve: must start at or below idle_rpm');
  if (curve[curve.length - 1]![0] < car.engine.rev_limit_rpm)
    problems.push('/engine/torque_curve: must reach rev_limit_rpm');
  if (car.engine.redline_rpm > car.engine.rev_limit_rpm)
    problems.push('/engine: redline_rpm above rev_limit_rpm');
  if (car.engine.idle_rpm * 2 > car.engine.redline_rpm)
    problems.push('/engine: redline_rpm must be at least twice idle_rpm');
  const ratios = car.gearbox.ratios;
  for (let k = 1; k < ratios.length; k++) {
    if (ratios[k]! >= ratios[k - 1]!)
      problems.push('/gearbox/ratios: must decrease from first gear to top gear');
  }
  if (car.thermal.fan_off_c >= car.thermal.fan_on_c)
    problems.push('/thermal: fan_off_c must be below fan_on_c');
  if (car.thermal.thermostat_open_c >= car.thermal.thermostat_full_c)
    problems.push('/thermal: thermostat_open_c must be below thermostat_full_c');
  if (car.brakes.fade_start_c >= car.brakes.fade_full_c)
    problems.push('/brakes: fade_start_c must be below fade_full_c');
  if (problems.length > 0) throw new ProfileError(`${source}: ${problems[0]}`);
  return car;
}

/** Reads and validates one car profile file. */
export function loadCarProfile(file: string): CarProfile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ProfileError(`${file}: cannot read car profile (${(error as Error).message})`, {
      cause: error,
    });
  }
  return validateCarProfile(parsed, path.basename(file));
}

let shipped: readonly CarProfile[] | undefined;

/** The car profiles shipped in `profiles/cars`, sorted by id. */
export function shippedCars(): readonly CarProfile[] {
  shipped ??= readdirSync(CAR_PROFILES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => loadCarProfile(path.join(CAR_PROFILES_DIR, name)));
  return shipped;
}

/** Finds a shipped car by id, with a clear error listing the known ids. */
export function findCar(id: string): CarProfile {
  const car = shippedCars().find((c) => c.id === id);
  if (!car) {
    throw new ProfileError(
      `unknown car "${id}" (known: ${shippedCars()
        .map((c) => c.id)
        .join(', ')})`,
    );
  }
  return car;
}

/** Full-load torque at `rpm` by linear interpolation of the profile's curve. */
export function fullLoadTorque(car: CarProfile, rpm: number): number {
  const curve = car.engine.torque_curve;
  if (rpm <= curve[0]![0]) return curve[0]![1];
  for (let k = 1; k < curve.length; k++) {
    const [r1, t1] = curve[k]!;
    if (rpm <= r1) {
      const [r0, t0] = curve[k - 1]!;
      return t0 + ((t1 - t0) * (rpm - r0)) / (r1 - r0);
    }
  }
  return curve[curve.length - 1]![1];
}

const INV_TABLE_STEP = 1 / TORQUE_TABLE_STEP_RPM;

/**
 * Full-load torque at `rpm` from a table built by `torqueTable`, starting at `offset`
 * in `table` (several cars' tables share one array). Small enough for V8 to inline into
 * the physics loop, which calls it every step.
 */
export function tableTorque(table: Float64Array, offset: number, rpm: number): number {
  const k = rpm * INV_TABLE_STEP;
  const j = k | 0;
  const at = offset + j;
  return table[at]! + (table[at + 1]! - table[at]!) * (k - j);
}

/** Full-load torque sampled every TORQUE_TABLE_STEP_RPM from 0 rpm to past the rev limit. */
export function torqueTable(car: CarProfile): Float64Array {
  const size = Math.ceil((car.engine.rev_limit_rpm + 1000) / TORQUE_TABLE_STEP_RPM) + 2;
  const table = new Float64Array(size);
  for (let k = 0; k < size; k++) table[k] = fullLoadTorque(car, k * TORQUE_TABLE_STEP_RPM);
  return table;
}

/** Engine speed of the profile's peak power, found on the torque table. */
export function peakPowerRpm(car: CarProfile): number {
  let best = 0;
  let bestRpm = car.engine.idle_rpm;
  for (let rpm = car.engine.idle_rpm; rpm <= car.engine.rev_limit_rpm; rpm += 10) {
    const power = fullLoadTorque(car, rpm) * rpm;
    if (power > best) {
      best = power;
      bestRpm = rpm;
    }
  }
  return bestRpm;
}

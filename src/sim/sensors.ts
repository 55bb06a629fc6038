// Sensors: samples the vehicle state at its emission rate, adds per-signal noise,
// quantises like a CAN signal, and injects faults (dropouts, spikes, stuck values,
// duplicated and out-of-order delivery, clock skew, scripted sensor failures). The
// true values are kept beside the measured ones for tests.
import { SIGNALS, SIGNAL_COUNT, SIGNAL_INDEX } from '../telemetry/signals.js';
import { STRIDE, V, type FleetState } from './fleet-state.js';
import { SAMPLE_FLAGS, type EmissionBatch } from './emission.js';
import type { FaultRates } from './faults.js';
import {
  NORMAL_TABLE,
  NORMAL_TABLE_BITS,
  nextNormal,
  nextUniform,
  nextWord,
  roundToEven,
} from './random.js';

const NOISE = Float64Array.from(SIGNALS, (s) => s.noiseStd);
const RESOLUTION = Float64Array.from(SIGNALS, (s) => s.resolution);
const INV_RESOLUTION = Float64Array.from(SIGNALS, (s) => 1 / s.resolution);
const MIN = Float64Array.from(SIGNALS, (s) => s.min);
const MAX = Float64Array.from(SIGNALS, (s) => s.max);
const SPIKE = Float64Array.from(SIGNALS, (s) => s.spikeMagnitude);
/** Signals that physical faults (spikes, stuck sensors) can hit: measured, not counters. */
const FAULTABLE = Int32Array.from(SIGNALS.flatMap((s, k) => (s.noiseStd > 0 ? [k] : [])));

const RPM = SIGNAL_INDEX.engine_rpm;
const SPEED = SIGNAL_INDEX.speed_kmh;
const THROTTLE = SIGNAL_INDEX.throttle;
const BRAKE = SIGNAL_INDEX.brake;
const GEAR = SIGNAL_INDEX.gear;
const LOAD = SIGNAL_INDEX.engine_load_pct;
const TORQUE = SIGNAL_INDEX.engine_torque_nm;
const COOLANT = SIGNAL_INDEX.coolant_temp_c;
const OIL = SIGNAL_INDEX.oil_temp_c;
const BRAKE_TEMP = SIGNAL_INDEX.brake_temp_c;
const FUEL_RATE = SIGNAL_INDEX.fuel_rate_lph;
const FUEL_AVG = SIGNAL_INDEX.fuel_l_per_100km;
const ACCEL = SIGNAL_INDEX.accel_mps2;
const SPEED_LIMIT = SIGNAL_INDEX.speed_limit_kmh;
const AMBIENT = SIGNAL_INDEX.ambient_temp_c;
const DISTANCE = SIGNAL_INDEX.distance_km;
const FUEL_USED = SIGNAL_INDEX.fuel_used_l;
const ENGINE_WEAR = SIGNAL_INDEX.engine_wear_pct;
const GEARBOX_WEAR = SIGNAL_INDEX.gearbox_wear_pct;
const BRAKE_WEAR = SIGNAL_INDEX.brake_wear_pct;

export const SENSOR_FAILURE_MODES = { none: 0, null: 1, frozen: 2, noisy: 3 } as const;

/**
 * Produces the sample that is due for vehicle `i` (the caller keeps the emission clock)
 * and appends it to `batch`, unless a dropout swallows it.
 */
export function emitSample(
  s: FleetState,
  i: number,
  batch: EmissionBatch,
  faults: FaultRates,
): void {
  const d = s.data;
  const b = i * STRIDE;
  const period = d[b + V.emitPeriodS]!;
  const n = d[b + V.emitCount]! + 1;
  d[b + V.emitCount] = n;
  const seq = d[b + V.seq]! + 1;
  d[b + V.seq] = seq;

  // Connectivity dropouts lose whole stretches of samples; `seq` keeps counting.
  const rng = b + V.rngFault;
  if (d[b + V.dropoutLeft]! > 0) {
    d[b + V.dropoutLeft] = d[b + V.dropoutLeft]! - 1;
    return;
  }
  const roll = nextUniform(d, rng);
  let edge = faults.dropout;
  if (roll < edge) {
    d[b + V.dropoutLeft] = Math.floor((0.2 + 2.8 * nextUniform(d, rng)) / period);
    return;
  }

  const at = batch.push();
  const trueMs = d[b + V.sessionStartMs]! + Math.round(n * period * 1000);
  batch.vehicle[at] = i;
  batch.seq[at] = seq;
  batch.trueTimeMs[at] = trueMs;
  const t = d[b + V.sessionTimeS]!;
  batch.timeMs[at] =
    trueMs + Math.round(d[b + V.clockSkewMs]! + d[b + V.clockDriftPpm]! * 1e-3 * t);

  const base = at * SIGNAL_COUNT;
  const truth = batch.truth;
  const v = d[b + V.speedMps]!;
  const distance = d[b + V.distanceM]!;
  truth[base + RPM] = d[b + V.engineRpm]!;
  truth[base + SPEED] = v * 3.6;
  truth[base + THROTTLE] = d[b + V.pedalThrottle]!;
  truth[base + BRAKE] = d[b + V.pedalBrake]!;
  truth[base + GEAR] = d[b + V.gear]!;
  truth[base + LOAD] = d[b + V.engineLoad]! * 100;
  truth[base + TORQUE] = d[b + V.engineTorqueNm]!;
  truth[base + COOLANT] = d[b + V.coolantC]!;
  truth[base + OIL] = d[b + V.oilC]!;
  truth[base + BRAKE_TEMP] = d[b + V.brakeDiscC]!;
  truth[base + FUEL_RATE] = (d[b + V.fuelRateGps]! * 3.6) / d[b + V.fuelDensity]!;
  truth[base + FUEL_AVG] = distance > 100 ? (d[b + V.fuelUsedL]! * 1e5) / distance : 0;
  truth[base + ACCEL] = d[b + V.accelMps2]!;
  truth[base + SPEED_LIMIT] =
    (d[b + V.limitOverrideUntilS]! > t ? d[b + V.limitOverrideMps]! : d[b + V.segmentLimitMps]!) *
    3.6;
  truth[base + AMBIENT] = d[b + V.ambientC]!;
  truth[base + DISTANCE] = distance / 1000;
  truth[base + FUEL_USED] = d[b + V.fuelUsedL]!;
  truth[base + ENGINE_WEAR] = d[b + V.engineWearPct]!;
  truth[base + GEARBOX_WEAR] = d[b + V.gearboxWearPct]!;
  truth[base + BRAKE_WEAR] = d[b + V.brakeWearPct]!;

  // Noise, then quantisation to the sensor's resolution, then its physical range.
  const values = batch.values;
  const sensorRng = b + V.rngSensor;
  let spare = Number.NaN;
  for (let k = 0; k < SIGNAL_COUNT; k++) {
    let x = truth[base + k]!;
    const noise = NOISE[k]!;
    if (noise > 0) {
      // Two normal deviates per random word: one now, the spare for the next noisy signal.
      if (spare !== spare) {
        const word = nextWord(d, sensorRng);
        x += noise * NORMAL_TABLE[word >>> (32 - NORMAL_TABLE_BITS)]!;
        spare = NORMAL_TABLE[word & ((1 << NORMAL_TABLE_BITS) - 1)]!;
      } else {
        x += noise * spare;
        spare = Number.NaN;
      }
    }
    x = roundToEven(x * INV_RESOLUTION[k]!) * RESOLUTION[k]!;
    if (x < MIN[k]!) x = MIN[k]!;
    else if (x > MAX[k]!) x = MAX[k]!;
    values[base + k] = x;
  }
  // Standstill reads exactly zero on wheel-speed sensors.
  if (v < 0.05) values[base + SPEED] = 0;

  let flags = 0;
  // Scripted sensor failure.
  if (d[b + V.sensorFailureUntilS]! > t) {
    const k = d[b + V.sensorFailureSignal]!;
    const mode = d[b + V.sensorFailureMode]!;
    flags |= SAMPLE_FLAGS.sensorFailure;
    if (mode === SENSOR_FAILURE_MODES.null) values[base + k] = NaN;
    else if (mode === SENSOR_FAILURE_MODES.frozen) {
      if (d[b + V.stuckLeft]! <= 0 || d[b + V.stuckSignal]! !== k) {
        d[b + V.stuckSignal] = k;
        d[b + V.stuckValue] = values[base + k]!;
      }
      d[b + V.stuckLeft] = 2;
      values[base + k] = d[b + V.stuckValue]!;
    } else if (mode === SENSOR_FAILURE_MODES.noisy) {
      values[base + k] =
        roundToEven(
          (values[base + k]! + 25 * NOISE[k]! * nextNormal(d, sensorRng)) * INV_RESOLUTION[k]!,
        ) * RESOLUTION[k]!;
    }
  }
  // A sensor stuck on an old value.
  if (d[b + V.stuckLeft]! > 0) {
    d[b + V.stuckLeft] = d[b + V.stuckLeft]! - 1;
    values[base + d[b + V.stuckSignal]!] = d[b + V.stuckValue]!;
    flags |= SAMPLE_FLAGS.stuck;
  }
  edge += faults.spike;
  if (roll < edge) {
    const k = FAULTABLE[Math.floor(nextUniform(d, rng) * FAULTABLE.length)]!;
    const sign = nextUniform(d, rng) < 0.5 ? -1 : 1;
    // An implausible jump that still fits the signal's encoding range.
    let x =
      roundToEven((values[base + k]! + sign * SPIKE[k]!) * INV_RESOLUTION[k]!) * RESOLUTION[k]!;
    if (x < MIN[k]!)
      x = roundToEven((values[base + k]! + SPIKE[k]!) * INV_RESOLUTION[k]!) * RESOLUTION[k]!;
    if (x > MAX[k]!) x = MAX[k]!;
    values[base + k] = x;
    flags |= SAMPLE_FLAGS.spike;
  } else if (roll < (edge += faults.stuck)) {
    const k = FAULTABLE[Math.floor(nextUniform(d, rng) * FAULTABLE.length)]!;
    d[b + V.stuckSignal] = k;
    d[b + V.stuckValue] = values[base + k]!;
    d[b + V.stuckLeft] = Math.floor((2 + 8 * nextUniform(d, rng)) / period);
    flags |= SAMPLE_FLAGS.stuck;
  } else if (roll < (edge += faults.duplicate)) {
    flags |= SAMPLE_FLAGS.duplicate;
  } else if (roll < edge + faults.outOfOrder) {
    flags |= SAMPLE_FLAGS.outOfOrder;
  }
  batch.flags[at] = flags;
}

// Sensors: samples the vehicle state at its emission rate, adds per-signal noise,
// quantises like a CAN signal, and injects faults (dropouts, spikes, stuck values,
// duplicated and out-of-order delivery, clock skew, scripted sensor failures). The
// true values are kept beside the measured ones for tests.
import { SIGNALS, SIGNAL_COUNT, SIGNAL_INDEX } from '../telemetry/signals.js';
import type { FleetState } from './fleet-state.js';
import { SAMPLE_FLAGS, type EmissionBatch } from './emission.js';
import type { FaultRates } from './faults.js';
import { nextNormal, nextUniform } from './random.js';

const NOISE = Float64Array.from(SIGNALS, (s) => s.noiseStd);
const RESOLUTION = Float64Array.from(SIGNALS, (s) => s.resolution);
const INV_RESOLUTION = Float64Array.from(SIGNALS, (s) => 1 / s.resolution);
const MIN = Float64Array.from(SIGNALS, (s) => s.min);
const MAX = Float64Array.from(SIGNALS, (s) => s.max);
const SPIKE = Float64Array.from(SIGNALS, (s) => s.spikeMagnitude);
/** Signals that physical faults (spikes, stuck sensors) can hit: measured, not counters. */
const FAULTABLE = Int32Array.from(
  SIGNALS.flatMap((s, k) => (s.noiseStd > 0 ? [k] : [])),
);

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
const AMBIENT = SIGNAL_INDEX.ambient_temp_c;
const DISTANCE = SIGNAL_INDEX.distance_km;
const FUEL_USED = SIGNAL_INDEX.fuel_used_l;
const ENGINE_WEAR = SIGNAL_INDEX.engine_wear_pct;
const GEARBOX_WEAR = SIGNAL_INDEX.gearbox_wear_pct;
const BRAKE_WEAR = SIGNAL_INDEX.brake_wear_pct;

export const SENSOR_FAILURE_MODES = { none: 0, null: 1, frozen: 2, noisy: 3 } as const;

/**
 * Emits a sample for vehicle `i` when its emission clock is due. Returns nothing; the
 * sample (if any) is appended to `batch`.
 */
export function stepSensors(
  s: FleetState,
  i: number,
  dt: number,
  batch: EmissionBatch,
  faults: FaultRates,
): void {
  const period = s.emitPeriodS[i]!;
  const clock = s.emitClockS[i]! + dt;
  if (clock < period - 1e-9) {
    s.emitClockS[i] = clock;
    return;
  }
  s.emitClockS[i] = clock - period;
  const n = s.emitCount[i]! + 1;
  s.emitCount[i] = n;
  const seq = s.seq[i]! + 1;
  s.seq[i] = seq;

  // Connectivity dropouts lose whole stretches of samples; `seq` keeps counting.
  const rng = s.rngFault;
  if (s.dropoutLeft[i]! > 0) {
    s.dropoutLeft[i] = s.dropoutLeft[i]! - 1;
    return;
  }
  const roll = nextUniform(rng, i);
  let edge = faults.dropout;
  if (roll < edge) {
    s.dropoutLeft[i] = Math.floor((0.2 + 2.8 * nextUniform(rng, i)) / period);
    return;
  }

  const at = batch.push();
  const trueMs = s.sessionStartMs[i]! + Math.round(n * period * 1000);
  batch.vehicle[at] = i;
  batch.seq[at] = seq;
  batch.trueTimeMs[at] = trueMs;
  const t = s.sessionTimeS[i]!;
  batch.timeMs[at] = trueMs + Math.round(s.clockSkewMs[i]! + s.clockDriftPpm[i]! * 1e-3 * t);

  const base = at * SIGNAL_COUNT;
  const truth = batch.truth;
  const v = s.speedMps[i]!;
  const distance = s.distanceM[i]!;
  truth[base + RPM] = s.engineRpm[i]!;
  truth[base + SPEED] = v * 3.6;
  truth[base + THROTTLE] = s.pedalThrottle[i]!;
  truth[base + BRAKE] = s.pedalBrake[i]!;
  truth[base + GEAR] = s.gear[i]!;
  truth[base + LOAD] = s.engineLoad[i]! * 100;
  truth[base + TORQUE] = s.engineTorqueNm[i]!;
  truth[base + COOLANT] = s.coolantC[i]!;
  truth[base + OIL] = s.oilC[i]!;
  truth[base + BRAKE_TEMP] = s.brakeDiscC[i]!;
  truth[base + FUEL_RATE] = (s.fuelRateGps[i]! * 3.6) / s.fuelDensity[i]!;
  truth[base + FUEL_AVG] = distance > 100 ? (s.fuelUsedL[i]! * 1e5) / distance : 0;
  truth[base + ACCEL] = s.accelMps2[i]!;
  truth[base + AMBIENT] = s.ambientC[i]!;
  truth[base + DISTANCE] = distance / 1000;
  truth[base + FUEL_USED] = s.fuelUsedL[i]!;
  truth[base + ENGINE_WEAR] = s.engineWearPct[i]!;
  truth[base + GEARBOX_WEAR] = s.gearboxWearPct[i]!;
  truth[base + BRAKE_WEAR] = s.brakeWearPct[i]!;

  // Noise, then quantisation to the sensor's resolution, then its physical range.
  const values = batch.values;
  const sensorRng = s.rngSensor;
  for (let k = 0; k < SIGNAL_COUNT; k++) {
    let x = truth[base + k]!;
    const noise = NOISE[k]!;
    if (noise > 0) x += noise * nextNormal(sensorRng, i);
    x = Math.round(x * INV_RESOLUTION[k]!) * RESOLUTION[k]!;
    if (x < MIN[k]!) x = MIN[k]!;
    else if (x > MAX[k]!) x = MAX[k]!;
    values[base + k] = x;
  }
  // Standstill reads exactly zero on wheel-speed sensors.
  if (v < 0.05) values[base + SPEED] = 0;

  let flags = 0;
  // Scripted sensor failure.
  if (s.sensorFailureUntilS[i]! > t) {
    const k = s.sensorFailureSignal[i]!;
    const mode = s.sensorFailureMode[i]!;
    flags |= SAMPLE_FLAGS.sensorFailure;
    if (mode === SENSOR_FAILURE_MODES.null) values[base + k] = NaN;
    else if (mode === SENSOR_FAILURE_MODES.frozen) {
      if (s.stuckLeft[i]! <= 0 || s.stuckSignal[i] !== k) {
        s.stuckSignal[i] = k;
        s.stuckValue[i] = values[base + k]!;
      }
      s.stuckLeft[i] = 2;
      values[base + k] = s.stuckValue[i]!;
    } else if (mode === SENSOR_FAILURE_MODES.noisy) {
      values[base + k] = Math.round((values[base + k]! + 25 * NOISE[k]! * nextNormal(sensorRng, i)) * INV_RESOLUTION[k]!) * RESOLUTION[k]!;
    }
  }
  // A sensor stuck on an old value.
  if (s.stuckLeft[i]! > 0) {
    s.stuckLeft[i] = s.stuckLeft[i]! - 1;
    values[base + s.stuckSignal[i]!] = s.stuckValue[i]!;
    flags |= SAMPLE_FLAGS.stuck;
  }
  edge += faults.spike;
  if (roll < edge) {
    const k = FAULTABLE[Math.floor(nextUniform(rng, i) * FAULTABLE.length)]!;
    const sign = nextUniform(rng, i) < 0.5 ? -1 : 1;
    values[base + k] = Math.round((values[base + k]! + sign * SPIKE[k]!) * INV_RESOLUTION[k]!) * RESOLUTION[k]!;
    flags |= SAMPLE_FLAGS.spike;
  } else if (roll < (edge += faults.stuck)) {
    const k = FAULTABLE[Math.floor(nextUniform(rng, i) * FAULTABLE.length)]!;
    s.stuckSignal[i] = k;
    s.stuckValue[i] = values[base + k]!;
    s.stuckLeft[i] = Math.floor((2 + 8 * nextUniform(rng, i)) / period);
    flags |= SAMPLE_FLAGS.stuck;
  } else if (roll < (edge += faults.duplicate)) {
    flags |= SAMPLE_FLAGS.duplicate;
  } else if (roll < edge + faults.outOfOrder) {
    flags |= SAMPLE_FLAGS.outOfOrder;
  }
  batch.flags[at] = flags;
}

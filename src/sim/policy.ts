// The driver policy and the traffic around the car. The driver is an intelligent
// driver model (Treiber, Hennecke & Helbing 2000) for the acceleration it wants, with
// reaction lag, anticipation of lower limits, stop lines and lights, then a pedal
// controller with rate limits (jerk) and wobble. Traffic is one virtual car ahead
// whose speed follows the road's congestion, so any driver can be held up by it.
import type { FleetState } from './fleet-state.js';
import { nextUniform } from './random.js';
import { STOP_LIGHT, STOP_NONE, STOP_SIGN, lightIsRed } from './route.js';
import { TORQUE_TABLE_STEP_RPM } from './car.js';

const G = 9.81;
const CAR_LENGTH_M = 4.5;
const INV_TABLE_STEP = 1 / TORQUE_TABLE_STEP_RPM;
/** Wobble and mood are Ornstein–Uhlenbeck processes driven by uniform increments (variance 1/3, hence √3). */
const SQRT3 = Math.sqrt(3);

/** Moves the virtual car ahead: appears, follows the traffic speed, leaves or is overtaken. */
export function stepTraffic(s: FleetState, i: number, dt: number): void {
  const rng = s.rngTraffic;
  const congestion = s.segmentCongestion[i]!;
  const limit = s.limitOverrideUntilS[i]! > s.sessionTimeS[i]! ? s.limitOverrideMps[i]! : s.segmentLimitMps[i]!;
  const trafficSpeed = limit * (1 - 0.8 * congestion);
  const v = s.speedMps[i]!;
  if (s.leadPresent[i] === 0) {
    if (nextUniform(rng, i) < (0.004 + 0.12 * congestion) * dt) {
      s.leadPresent[i] = 1;
      s.leadGapM[i] = CAR_LENGTH_M + 20 + 60 * nextUniform(rng, i) + 1.2 * v;
      const speed = trafficSpeed * (0.75 + 0.35 * nextUniform(rng, i));
      s.leadSpeedMps[i] = speed;
      s.leadTargetMps[i] = speed;
    }
    return;
  }
  if (nextUniform(rng, i) < dt / 7) {
    let target = trafficSpeed * (0.45 + 0.75 * nextUniform(rng, i));
    if (congestion > 0.5 && nextUniform(rng, i) < congestion * 0.5) target = 0;
    s.leadTargetMps[i] = target;
  }
  const lead = s.leadSpeedMps[i]!;
  let dv = ((s.leadTargetMps[i]! - lead) * dt) / 3;
  if (dv > 2 * dt) dv = 2 * dt;
  else if (dv < -3 * dt) dv = -3 * dt;
  const leadNext = lead + dv;
  s.leadSpeedMps[i] = leadNext;
  const gap = s.leadGapM[i]! + (leadNext - v) * dt;
  s.leadGapM[i] = gap < CAR_LENGTH_M + 0.5 ? CAR_LENGTH_M + 0.5 : gap;
  // Free road gets the lead out of sight; drivers with short gaps overtake sooner.
  const free = 1 - congestion;
  const leaveRate = (free * free) / (25 * s.headwayS[i]!);
  if (gap > 140 + 3 * v || nextUniform(rng, i) < leaveRate * dt) s.leadPresent[i] = 0;
}

/**
 * Decides the acceleration the driver wants and the pedal positions that give it; the
 * powertrain then moves the pedals toward these targets at the driver's pedal rate.
 * Runs at the driver's decision rate (`dt` is the time since the last decision).
 */
export function stepDriver(
  s: FleetState,
  i: number,
  dt: number,
  torqueTable: Float64Array,
  ratios: Float64Array,
): void {
  const t = s.sessionTimeS[i]!;
  const v = s.speedMps[i]!;
  const pos = s.positionM[i]!;
  const rng = s.rngDriver;

  let throttleTarget: number;
  let brakeTarget: number;
  if (s.manualPedals[i] === 1) {
    throttleTarget = s.manualThrottle[i]!;
    brakeTarget = s.manualBrake[i]!;
    s.commandAccel[i] = 0;
  } else {
    // Mood: a slow random walk around 1 that scales the desired speed.
    let mood = s.mood[i]!;
    mood += (-(mood - 1) * dt) / 40 + s.moodSwing[i]! * Math.sqrt(dt / 20) * (2 * nextUniform(rng, i) - 1) * SQRT3;
    s.mood[i] = mood;

    const speedFactor = s.speedFactor[i]! * mood;
    const limit = s.limitOverrideUntilS[i]! > t ? s.limitOverrideMps[i]! : s.segmentLimitMps[i]!;
    const v0 = limit * speedFactor > 1 ? limit * speedFactor : 1;
    let r = v / v0;
    if (r > 1.5) r = 1.5;
    const r2 = r * r;
    const accelMax = s.accelMax[i]!;
    const headway = s.headwayS[i]!;
    const minGap = s.minGapM[i]!;
    const approachK = s.idmApproachK[i]!;

    // Interaction term of the intelligent driver model: the most constraining obstacle.
    let interaction = 0;
    if (s.leadPresent[i] === 1) {
      const gap = s.leadGapM[i]! - CAR_LENGTH_M;
      let desired = v * headway + v * (v - s.leadSpeedMps[i]!) * approachK;
      if (desired < 0) desired = 0;
      const ratio = (minGap + desired) / (gap > 0.2 ? gap : 0.2);
      interaction = ratio * ratio;
    }
    const stopKind = s.stopKind[i]!;
    if (stopKind !== STOP_NONE) {
      const dist = s.stopPositionM[i]! - pos;
      if (dist < 0.5 && (stopKind !== STOP_SIGN || s.stopCleared[i] === 1)) {
        // Crossed the line: nothing to stop for until the next stop is placed.
      } else if (dist < 300) {
        let halt = false;
        if (stopKind === STOP_LIGHT) {
          halt = lightIsRed(s, i, t) && (dist > v * s.amberDilemmaS[i]! || v < 2);
        } else if (s.stopCleared[i] === 0) {
          halt = true;
          if (v < 0.3 && dist < minGap + 4) {
            s.stopDwellS[i] = s.stopDwellS[i]! + dt;
            if (s.stopDwellS[i]! > 1.2 + s.reactionS[i]!) s.stopCleared[i] = 1;
          }
        }
        if (halt) {
          const gap = dist - 0.5;
          let desired = v * headway * 0.5 + v * v * approachK;
          if (desired < 0) desired = 0;
          const ratio = (1 + desired) / (gap > 0.2 ? gap : 0.2);
          const term = ratio * ratio;
          if (term > interaction) interaction = term;
        }
      }
    }
    let desiredAccel = accelMax * (1 - r2 * r2 - interaction);

    // A lower limit ahead: slow down once the deceleration it needs passes the driver's threshold.
    const nextV = s.nextLimitMps[i]! * speedFactor;
    if (nextV < v) {
      const d = s.segmentEndM[i]! - pos;
      const needed = (v * v - nextV * nextV) / (2 * (d > 1 ? d : 1));
      if (needed > s.anticipation[i]!) {
        const brakeTo = -needed * 1.15;
        if (brakeTo < desiredAccel) desiredAccel = brakeTo;
      }
    }
    if (s.harshBrakeUntilS[i]! > t) desiredAccel = -12;
    if (desiredAccel < -11) desiredAccel = -11;

    // Reaction lag, bypassed when the gap collapses (the driver stamps on the brake).
    let command = s.commandAccel[i]!;
    if (interaction > 2.5 || desiredAccel < -8) command = desiredAccel < command ? desiredAccel : command;
    else {
      const k = dt / (0.5 * s.reactionS[i]!);
      command += (desiredAccel - command) * (k < 1 ? k : 1);
    }
    s.commandAccel[i] = command;

    // Pedal feed-forward: force needed for `command` against drag, rolling and grade.
    const mass = s.massKg[i]!;
    const sinGrade = s.gradeOverrideUntilS[i]! > t ? s.gradeOverrideSin[i]! : s.segmentSinGrade[i]!;
    const resist = s.dragK[i]! * v * v + (v > 0.1 ? s.rollingK[i]! * mass * G : 0) + mass * G * sinGrade;
    const forceNeeded = mass * 1.04 * command + resist;
    const gear = s.gear[i]! > 0 ? s.gear[i]! : 1;
    const wheelPerNm =
      (ratios[s.ratioOffset[i]! + gear - 1]! * s.finalDrive[i]! * s.drivetrainEfficiency[i]!) / s.wheelRadiusM[i]!;
    const rpm = s.engineRpm[i]! > s.idleRpm[i]! ? s.engineRpm[i]! : s.idleRpm[i]!;
    const k = rpm * INV_TABLE_STEP;
    const j = k | 0;
    const base = s.torqueTableOffset[i]! + j;
    const maxTorque = torqueTable[base]! + (torqueTable[base + 1]! - torqueTable[base]!) * (k - j);
    const friction = s.frictionNm[i]! + s.frictionPerRpm[i]! * rpm;
    const throttleNeeded = (forceNeeded / wheelPerNm + friction) / (maxTorque + friction);
    if (throttleNeeded > 0) {
      throttleTarget = throttleNeeded < 1 ? throttleNeeded : 1;
      brakeTarget = 0;
    } else {
      throttleTarget = 0;
      const brakeForce = -forceNeeded - friction * wheelPerNm;
      brakeTarget = brakeForce > 0 ? brakeForce / s.brakeForceMaxN[i]! : 0;
      if (brakeTarget < 0.015) brakeTarget = 0;
    }
    // Held at a standstill: foot on the brake.
    if (v < 0.2 && command <= 0.05) {
      throttleTarget = 0;
      if (brakeTarget < 0.25) brakeTarget = 0.25;
    }
    // Pedal wobble (noise in the foot), only while on the throttle.
    let wobble = s.pedalWobble[i]!;
    wobble += (-wobble * dt) / 0.6 + s.pedalNoise[i]! * Math.sqrt((2 * dt) / 0.6) * (2 * nextUniform(rng, i) - 1) * SQRT3;
    s.pedalWobble[i] = wobble;
    if (throttleTarget > 0.02) throttleTarget += wobble;
  }
  if (throttleTarget < 0) throttleTarget = 0;
  else if (throttleTarget > 1) throttleTarget = 1;
  if (brakeTarget < 0) brakeTarget = 0;
  else if (brakeTarget > 1) brakeTarget = 1;

  s.throttleTarget[i] = throttleTarget;
  s.brakeTarget[i] = brakeTarget;
}

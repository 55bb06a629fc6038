// The driver policy and the traffic around the car. The driver is an intelligent
// driver model (Treiber, Hennecke & Helbing 2000) for the acceleration it wants, with
// reaction lag, anticipation of lower limits, stop lines and lights, then a pedal
// controller with rate limits (jerk) and wobble. Traffic is one virtual car ahead
// whose speed follows the road's congestion, so any driver can be held up by it.
import { STRIDE, V, type FleetState } from './fleet-state.js';
import { nextUniform } from './random.js';
import { STOP_LIGHT, STOP_NONE, STOP_SIGN, lightIsRed } from './route.js';
import { tableTorque } from './car.js';
import { DRIVER_DT } from './timing.js';

const G = 9.81;
const CAR_LENGTH_M = 4.5;
/** Wobble and mood are Ornstein–Uhlenbeck processes driven by uniform increments (variance 1/3, hence √3). */
const SQRT3 = Math.sqrt(3);

/** Moves the virtual car ahead: appears, follows the traffic speed, leaves or is overtaken. */
export function stepTraffic(s: FleetState, i: number): void {
  const dt = DRIVER_DT;
  const d = s.data;
  const b = i * STRIDE;
  const rng = b + V.rngTraffic;
  const congestion = d[b + V.segmentCongestion]!;
  const limit =
    d[b + V.limitOverrideUntilS]! > d[b + V.sessionTimeS]!
      ? d[b + V.limitOverrideMps]!
      : d[b + V.segmentLimitMps]!;
  const trafficSpeed = limit * (1 - 0.8 * congestion);
  const v = d[b + V.speedMps]!;
  if (d[b + V.leadPresent]! === 0) {
    if (nextUniform(d, rng) < (0.003 + 0.08 * congestion) * dt) {
      d[b + V.leadPresent] = 1;
      d[b + V.leadGapM] = CAR_LENGTH_M + 20 + 60 * nextUniform(d, rng) + 1.2 * v;
      const speed = trafficSpeed * (0.75 + 0.35 * nextUniform(d, rng));
      d[b + V.leadSpeedMps] = speed;
      d[b + V.leadTargetMps] = speed;
    }
    return;
  }
  if (nextUniform(d, rng) < dt / 7) {
    let target = trafficSpeed * (0.45 + 0.75 * nextUniform(d, rng));
    if (congestion > 0.5 && nextUniform(d, rng) < congestion * 0.5) target = 0;
    d[b + V.leadTargetMps] = target;
  }
  const lead = d[b + V.leadSpeedMps]!;
  let dv = ((d[b + V.leadTargetMps]! - lead) * dt) / 3;
  if (dv > 2 * dt) dv = 2 * dt;
  else if (dv < -3 * dt) dv = -3 * dt;
  const leadNext = lead + dv;
  d[b + V.leadSpeedMps] = leadNext;
  const gap = d[b + V.leadGapM]! + (leadNext - v) * dt;
  d[b + V.leadGapM] = gap < CAR_LENGTH_M + 0.5 ? CAR_LENGTH_M + 0.5 : gap;
  // Free road gets the lead out of sight; drivers with short gaps overtake sooner.
  const free = 1 - congestion;
  const leaveRate = (free * free) / (25 * d[b + V.headwayS]!);
  if (gap > 140 + 3 * v || nextUniform(d, rng) < leaveRate * dt) d[b + V.leadPresent] = 0;
}

/**
 * Decides the acceleration the driver wants and the pedal positions that give it; the
 * powertrain then moves the pedals toward these targets at the driver's pedal rate.
 * Runs at the driver's decision rate (DRIVER_DT).
 */
export function stepDriver(
  s: FleetState,
  i: number,
  torqueTable: Float64Array,
  ratios: Float64Array,
): void {
  const dt = DRIVER_DT;
  const d = s.data;
  const b = i * STRIDE;
  const t = d[b + V.sessionTimeS]!;
  const v = d[b + V.speedMps]!;
  const pos = d[b + V.positionM]!;
  const rng = b + V.rngDriver;

  let throttleTarget: number;
  let brakeTarget: number;
  if (d[b + V.manualPedals]! === 1) {
    throttleTarget = d[b + V.manualThrottle]!;
    brakeTarget = d[b + V.manualBrake]!;
    d[b + V.commandAccel] = 0;
  } else {
    // Mood: a random surge around 1 that scales the desired speed; its pace is part of the style.
    let mood = d[b + V.mood]!;
    const moodTau = d[b + V.moodTau]!;
    mood +=
      (-(mood - 1) * dt) / moodTau +
      d[b + V.moodSwing]! * Math.sqrt((2 * dt) / moodTau) * (2 * nextUniform(d, rng) - 1) * SQRT3;
    d[b + V.mood] = mood;

    const speedFactor = d[b + V.speedFactor]! * mood;
    const limit =
      d[b + V.limitOverrideUntilS]! > t ? d[b + V.limitOverrideMps]! : d[b + V.segmentLimitMps]!;
    const v0 = limit * speedFactor > 1 ? limit * speedFactor : 1;
    let r = v / v0;
    if (r > 1.5) r = 1.5;
    const r2 = r * r;
    const accelMax = d[b + V.accelMax]!;
    const headway = d[b + V.headwayS]!;
    const minGap = d[b + V.minGapM]!;
    const approachK = d[b + V.idmApproachK]!;

    // Interaction term of the intelligent driver model: the most constraining obstacle.
    let interaction = 0;
    if (d[b + V.leadPresent]! === 1) {
      const gap = d[b + V.leadGapM]! - CAR_LENGTH_M;
      let desired = v * headway + v * (v - d[b + V.leadSpeedMps]!) * approachK;
      if (desired < 0) desired = 0;
      const ratio = (minGap + desired) / (gap > 0.2 ? gap : 0.2);
      interaction = ratio * ratio;
    }
    const stopKind = d[b + V.stopKind]!;
    if (stopKind !== STOP_NONE) {
      const dist = d[b + V.stopPositionM]! - pos;
      if (dist < 0.5 && (stopKind !== STOP_SIGN || d[b + V.stopCleared]! === 1)) {
        // Crossed the line: nothing to stop for until the next stop is placed.
      } else if (dist < 300) {
        let halt = false;
        if (stopKind === STOP_LIGHT) {
          halt = lightIsRed(s, i, t) && (dist > v * d[b + V.amberDilemmaS]! || v < 2);
        } else if (d[b + V.stopCleared]! === 0) {
          halt = true;
          if (v < 0.3 && dist < minGap + 4) {
            d[b + V.stopDwellS] = d[b + V.stopDwellS]! + dt;
            if (d[b + V.stopDwellS]! > 1.2 + d[b + V.reactionS]!) d[b + V.stopCleared] = 1;
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
    const nextV = d[b + V.nextLimitMps]! * speedFactor;
    if (nextV < v) {
      const ahead = d[b + V.segmentEndM]! - pos;
      const needed = (v * v - nextV * nextV) / (2 * (ahead > 1 ? ahead : 1));
      if (needed > d[b + V.anticipation]!) {
        const brakeTo = -needed * 1.15;
        if (brakeTo < desiredAccel) desiredAccel = brakeTo;
      }
    }
    if (d[b + V.harshBrakeUntilS]! > t) desiredAccel = -12;
    if (desiredAccel < -11) desiredAccel = -11;

    // Reaction lag, bypassed when the gap collapses (the driver stamps on the brake).
    let command = d[b + V.commandAccel]!;
    if (interaction > 2.5 || desiredAccel < -8)
      command = desiredAccel < command ? desiredAccel : command;
    else {
      const k = dt / (0.5 * d[b + V.reactionS]!);
      command += (desiredAccel - command) * (k < 1 ? k : 1);
    }
    d[b + V.commandAccel] = command;

    // Pedal feed-forward: force needed for `command` against drag, rolling and grade.
    const mass = d[b + V.massKg]!;
    const sinGrade =
      d[b + V.gradeOverrideUntilS]! > t ? d[b + V.gradeOverrideSin]! : d[b + V.segmentSinGrade]!;
    const resist =
      d[b + V.dragK]! * v * v + (v > 0.1 ? d[b + V.rollingK]! * mass * G : 0) + mass * G * sinGrade;
    const forceNeeded = mass * 1.04 * command + resist;
    const gear = d[b + V.gear]! > 0 ? d[b + V.gear]! : 1;
    const wheelPerNm =
      (ratios[d[b + V.ratioOffset]! + gear - 1]! *
        d[b + V.finalDrive]! *
        d[b + V.drivetrainEfficiency]!) /
      d[b + V.wheelRadiusM]!;
    const rpm = d[b + V.engineRpm]! > d[b + V.idleRpm]! ? d[b + V.engineRpm]! : d[b + V.idleRpm]!;
    const maxTorque = tableTorque(torqueTable, d[b + V.torqueTableOffset]!, rpm);
    const friction = d[b + V.frictionNm]! + d[b + V.frictionPerRpm]! * rpm;
    const throttleNeeded = (forceNeeded / wheelPerNm + friction) / (maxTorque + friction);
    if (throttleNeeded > 0) {
      throttleTarget = throttleNeeded < 1 ? throttleNeeded : 1;
      brakeTarget = 0;
    } else {
      throttleTarget = 0;
      const brakeForce = -forceNeeded - friction * wheelPerNm;
      brakeTarget = brakeForce > 0 ? brakeForce / d[b + V.brakeForceMaxN]! : 0;
      if (brakeTarget < 0.015) brakeTarget = 0;
    }
    // Held at a standstill: foot on the brake.
    if (v < 0.2 && command <= 0.05) {
      throttleTarget = 0;
      const hold = d[b + V.brakeHold]!;
      if (brakeTarget < hold) brakeTarget = hold;
    }
    // Pedal wobble (noise in the foot), only while on the throttle.
    let wobble = d[b + V.pedalWobble]!;
    wobble +=
      (-wobble * dt) / 0.6 +
      d[b + V.pedalNoise]! * Math.sqrt((2 * dt) / 0.6) * (2 * nextUniform(d, rng) - 1) * SQRT3;
    d[b + V.pedalWobble] = wobble;
    if (throttleTarget > 0.02) throttleTarget += wobble;
  }
  if (throttleTarget < 0) throttleTarget = 0;
  else if (throttleTarget > 1) throttleTarget = 1;
  if (brakeTarget < 0) brakeTarget = 0;
  else if (brakeTarget > 1) brakeTarget = 1;

  d[b + V.throttleTarget] = throttleTarget;
  d[b + V.brakeTarget] = brakeTarget;
}

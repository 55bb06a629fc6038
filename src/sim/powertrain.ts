// Engine, gearbox, brakes and longitudinal dynamics for one physics step.
//
// Engine: full-load torque from the profile's curve, throttle lag, friction and pumping
// losses as engine braking, fuel cut-off on overrun and at the rev limiter, a raised
// idle when cold. Below the speed at which first gear reaches idle, a slipping launch
// clutch lets the engine run above wheel speed. Once coupled, the engine's rotational
// inertia is reflected into the vehicle's effective mass. Gearbox: an automatic shift
// map that depends on pedal position and the driver's shift point, kickdown, a minimum
// interval between shifts and a shift duration with torque interruption. Road loads:
// aerodynamic drag, rolling resistance, grade; traction limited by tyre grip with
// longitudinal load transfer. Brakes: pedal force with fade when hot, disc heating
// from the braking power and cooling that grows with speed. Fuel: a BSFC map.
import type { FleetState } from './fleet-state.js';
import { TORQUE_TABLE_STEP_RPM } from './car.js';

const G = 9.81;
const RADS_TO_RPM = 60 / (2 * Math.PI);
const INV_TABLE_STEP = 1 / TORQUE_TABLE_STEP_RPM;
/** Inertia of the four wheels and tyres (kg·m²), reflected at the contact patch. */
const WHEELS_INERTIA = 4 * 1.1;
/** Torque the launch clutch passes with the pedal released: the car creeps. */
const CREEP_TORQUE_NM = 12;
/** Share of the braking energy absorbed by the front discs. */
const FRONT_BRAKE_SHARE = 0.7;
const GEARBOX_WEAR_PER_SHIFT = 2e-5; // % of life

/**
 * Picks the automatic gear for the current engine speed and pedal (or applies a manual
 * request), starting a shift if needed. Runs at the driver's decision rate.
 */
export function stepGearbox(s: FleetState, i: number, ratios: Float64Array): void {
  if (s.shiftRemainingS[i]! > 0) return;
  const gear = s.gear[i]!;
  const count = s.gearCount[i]!;
  let target = gear;
  if (s.manualGears[i] === 1) {
    const request = s.manualGearRequest[i]!;
    if (request >= 1 && request <= count && request !== gear) target = request;
    s.manualGearRequest[i] = 0;
  } else {
    if (s.sinceShiftS[i]! < s.minShiftIntervalS[i]!) return;
    const rpm = s.engineRpm[i]!;
    const idle = s.idleRpm[i]!;
    const span = s.redlineRpm[i]! - idle;
    const pedal = s.pedalThrottle[i]!;
    const shiftAt = s.upshiftAt[i]!;
    // Light pedal shifts early; a floored pedal (kickdown) holds gears to near the redline.
    const kick = pedal > 0.9 ? 0.92 - shiftAt : 0;
    const upRpm = idle + span * (shiftAt * (0.5 + 0.5 * pedal) + kick);
    const downRpm = idle * 1.15 + span * (shiftAt * 0.45 * pedal + (pedal > 0.85 ? 0.3 : 0));
    const off = s.ratioOffset[i]! - 1;
    const speed = s.speedMps[i]!;
    if (speed < 1) {
      target = 1;
    } else if ((rpm > upRpm || rpm > s.revLimitRpm[i]! * 0.97) && gear < count) {
      const after = (rpm * ratios[off + gear + 1]!) / ratios[off + gear]!;
      if (after > downRpm * 1.08 || rpm > s.revLimitRpm[i]! * 0.97) target = gear + 1;
    } else if (rpm < downRpm && gear > 1) {
      const after = (rpm * ratios[off + gear - 1]!) / ratios[off + gear]!;
      if (after < upRpm * 0.92 && after < s.redlineRpm[i]!) target = gear - 1;
    }
  }
  if (target !== gear) {
    s.gear[i] = target;
    s.shiftRemainingS[i] = s.shiftTimeS[i]!;
    s.sinceShiftS[i] = 0;
    s.gearboxWearPct[i] = s.gearboxWearPct[i]! + GEARBOX_WEAR_PER_SHIFT;
  }
}

/** Advances engine, gearbox, brakes and motion of vehicle `i` by `dt` seconds. */
export function stepPowertrain(s: FleetState, i: number, dt: number, torqueTable: Float64Array, ratios: Float64Array): void {
  const t = s.sessionTimeS[i]!;
  s.sinceShiftS[i] = s.sinceShiftS[i]! + dt;
  if (s.shiftRemainingS[i]! > 0) s.shiftRemainingS[i] = s.shiftRemainingS[i]! - dt;

  // Pedals travel toward the driver's targets at the driver's rate: the jerk they accept.
  // Releasing is faster than pressing.
  const rate = s.manualPedals[i] === 1 ? 6 : s.pedalRate[i]!;
  const throttleNow = s.pedalThrottle[i]!;
  let move = s.throttleTarget[i]! - throttleNow;
  if (move > rate * dt) move = rate * dt;
  else if (move < -2.5 * rate * dt) move = -2.5 * rate * dt;
  s.pedalThrottle[i] = throttleNow + move;
  const brakeNow = s.pedalBrake[i]!;
  move = s.brakeTarget[i]! - brakeNow;
  if (move > 1.5 * rate * dt) move = 1.5 * rate * dt;
  else if (move < -3 * rate * dt) move = -3 * rate * dt;
  s.pedalBrake[i] = brakeNow + move;

  const v = s.speedMps[i]!;
  const mass = s.massKg[i]!;
  const radius = s.wheelRadiusM[i]!;
  const gear = s.gear[i]!;
  const ratio = gear > 0 ? ratios[s.ratioOffset[i]! + gear - 1]! * s.finalDrive[i]! : 0;
  const wheelRpm = (v / radius) * RADS_TO_RPM * ratio;
  const idle = s.idleRpm[i]!;
  const coolant = s.coolantC[i]!;
  const cold = coolant < 60 ? (60 - coolant) / 60 : 0;
  const idleTarget = idle + 350 * (cold < 1 ? cold : 1);
  const pedal = s.pedalThrottle[i]!;
  const engineOn = s.engineOn[i] === 1;

  // Throttle response lag at the engine.
  let throttle = s.engineThrottle[i]!;
  throttle += ((engineOn ? pedal : 0) - throttle) * (dt / s.throttleTau[i]!);
  s.engineThrottle[i] = throttle;

  const shifting = s.shiftRemainingS[i]! > 0;
  let rpm = s.engineRpm[i]!;
  // The clutch locks once the wheel side has caught up with the engine, and opens below idle.
  const coupled = engineOn && !shifting && ratio > 0 && wheelRpm >= idleTarget * 0.92 && wheelRpm >= rpm - 60;
  if (!engineOn) {
    rpm -= rpm * (dt / 0.3);
    if (rpm < 1) rpm = 0;
  } else if (coupled) {
    rpm = wheelRpm;
  } else {
    // Slipping launch clutch (or a shift in progress): engine speed settles toward its target.
    const launch = idleTarget + throttle * throttle * (s.launchRpm[i]! - idleTarget);
    let target = shifting ? wheelRpm : launch;
    if (target < idleTarget) target = idleTarget;
    if (!shifting && wheelRpm > target) target = wheelRpm;
    const k = dt / (shifting ? s.shiftTimeS[i]! * 0.4 : 0.12);
    rpm += (target - rpm) * (k < 1 ? k : 1);
  }
  const revLimit = s.revLimitRpm[i]!;
  if (rpm > revLimit + 150) rpm = revLimit + 150;
  s.engineRpm[i] = rpm;

  const k = rpm * INV_TABLE_STEP;
  const j = k | 0;
  const base = s.torqueTableOffset[i]! + j;
  const maxTorque = torqueTable[base]! + (torqueTable[base + 1]! - torqueTable[base]!) * (k - j);
  const friction = s.frictionNm[i]! + s.frictionPerRpm[i]! * rpm;

  // Engine torque: throttle share of full load minus friction and pumping losses.
  let torque = 0;
  let fuelCut = false;
  let clutchTorque = 0;
  if (engineOn) {
    fuelCut = rpm >= revLimit || (coupled && throttle < 0.02 && rpm > idleTarget + 250);
    if (fuelCut) {
      torque = -friction;
    } else {
      // Idle governor: opens the throttle as much as needed to hold idle speed.
      const governor = (idleTarget + 120 - rpm) / 400;
      const idleThrottle = governor > 0 ? (governor < 1 ? governor : 1) * (friction / (maxTorque + friction)) * 1.6 : 0;
      const effective = throttle > idleThrottle ? throttle : idleThrottle;
      torque = effective * maxTorque - (1 - effective) * friction;
    }
    if (!coupled && !shifting && ratio > 0) {
      // The slipping clutch passes what the engine makes above its own losses (plus creep).
      clutchTorque = throttle * maxTorque + (s.pedalBrake[i]! < 0.05 ? CREEP_TORQUE_NM : 0);
    }
  }
  s.engineTorqueNm[i] = torque;
  const load = (torque + friction) / maxTorque;
  s.engineLoad[i] = load < 0 ? 0 : load > 1 ? 1 : load;

  // Forces at the wheels.
  const efficiency = s.drivetrainEfficiency[i]!;
  let driveForce = 0;
  if (coupled) driveForce = (torque * ratio * (torque > 0 ? efficiency : 1 / efficiency)) / radius;
  else if (clutchTorque > 0) driveForce = (clutchTorque * ratio * efficiency) / radius;
  const grip = s.gripMu[i]! * mass * G;
  let driven = s.drivenLoadFraction[i]! + (s.loadTransferK[i]! * s.accelMps2[i]!) / G;
  if (driven > 1) driven = 1;
  else if (driven < 0.2) driven = 0.2;
  const traction = grip * driven;
  if (driveForce > traction) driveForce = traction;
  else if (driveForce < -traction) driveForce = -traction;

  // Brakes with fade above the profile's fade temperature; ABS caps total braking at grip.
  const disc = s.brakeDiscC[i]!;
  let fade = 1;
  if (disc > s.fadeStartC[i]!) {
    const x = (disc - s.fadeStartC[i]!) / (s.fadeFullC[i]! - s.fadeStartC[i]!);
    fade = 1 - (1 - s.fadeMinFactor[i]!) * (x < 1 ? x : 1);
  }
  let brakeForce = s.pedalBrake[i]! * s.brakeForceMaxN[i]! * fade;
  if (brakeForce > grip) brakeForce = grip;

  const overrideGrade = s.gradeOverrideUntilS[i]! > t;
  const sinGrade = overrideGrade ? s.gradeOverrideSin[i]! : s.segmentSinGrade[i]!;
  const cosGrade = overrideGrade ? s.gradeOverrideCos[i]! : s.segmentCosGrade[i]!;
  const gradeForce = mass * G * sinGrade;
  const rollingForce = s.rollingK[i]! * mass * G * cosGrade;
  const dragForce = s.dragK[i]! * v * v;
  const reflected = coupled ? (s.engineInertia[i]! * ratio * ratio) / (radius * radius) : 0;
  const effectiveMass = mass + reflected + WHEELS_INERTIA / (radius * radius);

  let accel: number;
  let vNext: number;
  if (v <= 0) {
    // At rest, rolling resistance and brakes hold the car unless the drive beats them (hill hold).
    const push = driveForce - gradeForce;
    const hold = rollingForce + brakeForce;
    accel = push > hold ? (push - hold) / effectiveMass : 0;
    vNext = accel * dt;
  } else {
    accel = (driveForce - dragForce - gradeForce - rollingForce - brakeForce) / effectiveMass;
    vNext = v + accel * dt;
    if (vNext < 0) {
      vNext = 0;
      accel = -v / dt;
    }
  }
  s.speedMps[i] = vNext;
  s.accelMps2[i] = accel;
  const travelled = 0.5 * (v + vNext) * dt;
  s.positionM[i] = s.positionM[i]! + travelled;
  s.distanceM[i] = s.distanceM[i]! + travelled;

  // Brake disc: heated by the front share of braking power, cooled more at speed.
  const heat = (brakeForce * v * dt * FRONT_BRAKE_SHARE) / s.discHeatCapacity[i]!;
  const ambient = s.ambientC[i]!;
  s.brakeDiscC[i] = disc + heat - (0.0015 + 0.00045 * v) * (disc - ambient) * dt;
  // Pad wear follows absorbed energy, faster when hot.
  const hot = disc > 350 ? (disc - 350) / 150 : 0;
  s.brakeWearPct[i] = s.brakeWearPct[i]! + brakeForce * v * dt * 2e-9 * (1 + hot);

  // Fuel: brake-specific consumption, worst at part load and far from the best speed.
  let fuel = 0;
  if (engineOn && !fuelCut) {
    const power = torque > 0 ? (torque * rpm) / 9549 : 0; // kW
    const l = s.engineLoad[i]!;
    const partLoad = 1 - l;
    const speedOff = (rpm - s.bsfcBestRpm[i]!) / s.redlineRpm[i]!;
    const bsfc = s.bsfcMin[i]! * (1 + 0.6 * partLoad * partLoad + 0.35 * speedOff * speedOff) * (1 + 0.25 * (cold < 1 ? cold : 1));
    fuel = (power * bsfc) / 3600 + s.idleFuelGps[i]! * (rpm / idle) * (1 - 0.7 * l);
  }
  s.fuelRateGps[i] = fuel;
  s.fuelUsedL[i] = s.fuelUsedL[i]! + (fuel * dt) / (1000 * s.fuelDensity[i]!);
}

// Engine, gearbox, brakes and longitudinal dynamics.
//
// Engine: full-load torque from the profile's curve, throttle lag, friction and pumping
// losses as engine braking, fuel cut-off on overrun and at the rev limiter, an idle
// governor and a raised idle when cold. Below the speed at which first gear reaches the
// engine's speed, a slipping launch clutch lets the engine run above wheel speed; once
// locked, the engine's rotational inertia is reflected into the vehicle's effective mass.
// Gearbox: an automatic shift map that depends on pedal position and the driver's shift
// point, kickdown, a minimum interval between shifts, and a shift duration with torque
// interruption; or gears on request. Road loads: aerodynamic drag, rolling resistance,
// grade; traction limited by tyre grip with longitudinal load transfer. Brakes: pedal
// force with fade when hot (disc temperature lives in thermal.ts). Fuel: a BSFC map.
//
// `stepDrivetrain` runs at the physics rate; `updateDrivetrainCoefficients` and
// `stepFuel` run at the driver's rate, for quantities that change slowly or only on
// events (gear, grade, temperature).
import { STRIDE, V, type FleetState } from './fleet-state.js';
import { tableTorque } from './car.js';
import { DRIVER_DT, PHYSICS_DT } from './timing.js';

const G = 9.81;
const RADS_TO_RPM = 60 / (2 * Math.PI);
/** Inertia of the four wheels and tyres (kg·m²), reflected at the contact patch. */
const WHEELS_INERTIA = 4 * 1.1;
/** Torque the launch clutch passes with the pedal released: the car creeps. */
const CREEP_TORQUE_NM = 12;
const GEARBOX_WEAR_PER_SHIFT = 2e-5; // % of life

/**
 * Recomputes coefficients that depend on gear, road grade, temperatures and mass, so the
 * physics step only multiplies.
 */
export function updateDrivetrainCoefficients(s: FleetState, i: number, ratios: Float64Array): void {
  const d = s.data;
  const b = i * STRIDE;
  const t = d[b + V.sessionTimeS]!;
  const gear = d[b + V.gear]!;
  const radius = d[b + V.wheelRadiusM]!;
  const ratio = gear > 0 ? ratios[d[b + V.ratioOffset]! + gear - 1]! * d[b + V.finalDrive]! : 0;
  const mass = d[b + V.massKg]!;
  d[b + V.rpmPerMps] = (RADS_TO_RPM * ratio) / radius;
  d[b + V.wheelForcePerNm] = ratio / radius;
  d[b + V.reflectedMassKg] = (d[b + V.engineInertia]! * ratio * ratio) / (radius * radius);
  d[b + V.baseMassKg] = mass + WHEELS_INERTIA / (radius * radius);

  const overrideGrade = d[b + V.gradeOverrideUntilS]! > t;
  const sinGrade = overrideGrade ? d[b + V.gradeOverrideSin]! : d[b + V.segmentSinGrade]!;
  const cosGrade = overrideGrade ? d[b + V.gradeOverrideCos]! : d[b + V.segmentCosGrade]!;
  d[b + V.gradeForceN] = mass * G * sinGrade;
  d[b + V.rollingForceN] = d[b + V.rollingK]! * mass * G * cosGrade;
  d[b + V.gripForceN] = d[b + V.gripMu]! * mass * G * cosGrade;

  const coolant = d[b + V.coolantC]!;
  const cold = coolant < 60 ? (60 - coolant) / 60 : 0;
  d[b + V.idleTargetRpm] = d[b + V.idleRpm]! + 350 * (cold < 1 ? cold : 1);

  // Brake fade above the profile's fade temperature.
  const disc = d[b + V.brakeDiscC]!;
  let fade = 1;
  if (disc > d[b + V.fadeStartC]!) {
    const x = (disc - d[b + V.fadeStartC]!) / (d[b + V.fadeFullC]! - d[b + V.fadeStartC]!);
    fade = 1 - (1 - d[b + V.fadeMinFactor]!) * (x < 1 ? x : 1);
  }
  d[b + V.brakeForcePerPedalN] = d[b + V.brakeForceMaxN]! * fade;
}

/**
 * Picks the automatic gear for the current engine speed and pedal (or applies a manual
 * request), starting a shift if needed. Runs at the driver's decision rate.
 */
export function stepGearbox(s: FleetState, i: number, ratios: Float64Array): void {
  const d = s.data;
  const b = i * STRIDE;
  if (d[b + V.shiftRemainingS]! > 0) return;
  const gear = d[b + V.gear]!;
  const count = d[b + V.gearCount]!;
  let target = gear;
  if (d[b + V.manualGears]! === 1) {
    const request = d[b + V.manualGearRequest]!;
    if (request >= 1 && request <= count && request !== gear) target = request;
    d[b + V.manualGearRequest] = 0;
  } else {
    if (d[b + V.sinceShiftS]! < d[b + V.minShiftIntervalS]!) return;
    const rpm = d[b + V.engineRpm]!;
    const idle = d[b + V.idleRpm]!;
    const span = d[b + V.redlineRpm]! - idle;
    const pedal = d[b + V.pedalThrottle]!;
    const shiftAt = d[b + V.upshiftAt]!;
    // Light pedal shifts early; a floored pedal (kickdown) holds gears to near the redline.
    const kick = pedal > 0.9 ? 0.92 - shiftAt : 0;
    const upRpm = idle + span * (shiftAt * (0.5 + 0.5 * pedal) + kick);
    const downRpm = idle * 1.15 + span * (shiftAt * 0.45 * pedal + (pedal > 0.85 ? 0.3 : 0));
    const off = d[b + V.ratioOffset]! - 1;
    const revGuard = d[b + V.revLimitRpm]! * 0.97;
    if (d[b + V.speedMps]! < 1) {
      target = 1;
    } else if ((rpm > upRpm || rpm > revGuard) && gear < count) {
      const after = (rpm * ratios[off + gear + 1]!) / ratios[off + gear]!;
      if (after > downRpm * 1.08 || rpm > revGuard) target = gear + 1;
    } else if (rpm < downRpm && gear > 1) {
      const after = (rpm * ratios[off + gear - 1]!) / ratios[off + gear]!;
      if (after < upRpm * 0.92 && after < d[b + V.redlineRpm]!) target = gear - 1;
    }
  }
  if (target !== gear) {
    d[b + V.gear] = target;
    d[b + V.shiftRemainingS] = d[b + V.shiftTimeS]!;
    d[b + V.sinceShiftS] = 0;
    d[b + V.gearboxWearPct] = d[b + V.gearboxWearPct]! + GEARBOX_WEAR_PER_SHIFT;
    updateDrivetrainCoefficients(s, i, ratios);
  }
}

/** Advances pedals, engine, clutch, brakes and motion of vehicle `i` by one physics step. */
export function stepDrivetrain(s: FleetState, i: number, torqueTable: Float64Array): void {
  const dt = PHYSICS_DT;
  const d = s.data;
  const b = i * STRIDE;
  d[b + V.sinceShiftS] = d[b + V.sinceShiftS]! + dt;
  let shiftRemaining = d[b + V.shiftRemainingS]!;
  if (shiftRemaining > 0) d[b + V.shiftRemainingS] = shiftRemaining = shiftRemaining - dt;

  // Pedals travel toward the driver's targets at the driver's rate: the jerk they accept.
  // Releasing is faster than pressing.
  const step = (d[b + V.manualPedals]! === 1 ? 6 : d[b + V.pedalRate]!) * dt;
  const pedal0 = d[b + V.pedalThrottle]!;
  let move = d[b + V.throttleTarget]! - pedal0;
  if (move > step) move = step;
  else if (move < -2.5 * step) move = -2.5 * step;
  const pedal = pedal0 + move;
  d[b + V.pedalThrottle] = pedal;
  const brake0 = d[b + V.pedalBrake]!;
  move = d[b + V.brakeTarget]! - brake0;
  if (move > 1.5 * step) move = 1.5 * step;
  else if (move < -3 * step) move = -3 * step;
  const brakePedal = brake0 + move;
  d[b + V.pedalBrake] = brakePedal;

  const v = d[b + V.speedMps]!;
  const engineOn = d[b + V.engineOn]! === 1;
  const idleTarget = d[b + V.idleTargetRpm]!;
  const wheelRpm = v * d[b + V.rpmPerMps]!;
  const forcePerNm = d[b + V.wheelForcePerNm]!;

  // Throttle response lag at the engine.
  let throttle = d[b + V.engineThrottle]!;
  throttle += ((engineOn ? pedal : 0) - throttle) * (dt / d[b + V.throttleTau]!);
  d[b + V.engineThrottle] = throttle;

  const shifting = shiftRemaining > 0;
  let rpm = d[b + V.engineRpm]!;
  // The clutch locks once the wheel side has caught up with the engine, and opens below idle.
  const coupled =
    engineOn &&
    !shifting &&
    forcePerNm > 0 &&
    wheelRpm >= idleTarget * 0.92 &&
    wheelRpm >= rpm - 60;
  if (!engineOn) {
    rpm -= rpm * (dt / 0.3);
    if (rpm < 1) rpm = 0;
  } else if (coupled) {
    rpm = wheelRpm;
  } else {
    // Slipping launch clutch (or a shift in progress): engine speed settles toward its target.
    let target = shifting
      ? wheelRpm
      : idleTarget + throttle * throttle * (d[b + V.launchRpm]! - idleTarget);
    if (target < idleTarget) target = idleTarget;
    if (!shifting && wheelRpm > target) target = wheelRpm;
    const k = dt / (shifting ? d[b + V.shiftTimeS]! * 0.4 : 0.12);
    rpm += (target - rpm) * (k < 1 ? k : 1);
  }
  const revLimit = d[b + V.revLimitRpm]!;
  if (rpm > revLimit + 150) rpm = revLimit + 150;
  d[b + V.engineRpm] = rpm;

  const maxTorque = tableTorque(torqueTable, d[b + V.torqueTableOffset]!, rpm);
  const friction = d[b + V.frictionNm]! + d[b + V.frictionPerRpm]! * rpm;

  // Engine torque: throttle share of full load minus friction and pumping losses.
  let torque = 0;
  let clutchTorque = 0;
  let fuelCut = 1;
  if (engineOn) {
    if (rpm >= revLimit || (coupled && throttle < 0.02 && rpm > idleTarget + 250)) {
      torque = -friction;
    } else {
      fuelCut = 0;
      // Idle governor: opens the throttle as much as needed to hold idle speed.
      const governor = (idleTarget + 120 - rpm) * (1 / 400);
      const idleThrottle =
        governor > 0
          ? (governor < 1 ? governor : 1) * (friction / (maxTorque + friction)) * 1.6
          : 0;
      const effective = throttle > idleThrottle ? throttle : idleThrottle;
      torque = effective * maxTorque - (1 - effective) * friction;
    }
    if (!coupled && !shifting && forcePerNm > 0) {
      // The slipping clutch passes the engine's net torque (plus creep, which the idle governor feeds).
      clutchTorque = (torque > 0 ? torque : 0) + (brakePedal < 0.05 ? CREEP_TORQUE_NM : 0);
    }
  }
  d[b + V.fuelCut] = fuelCut;
  d[b + V.engineTorqueNm] = torque;
  const load = (torque + friction) / maxTorque;
  d[b + V.engineLoad] = load < 0 ? 0 : load > 1 ? 1 : load;

  // Forces at the wheels: drive limited by traction (with load transfer), brakes by grip (ABS).
  const efficiency = d[b + V.drivetrainEfficiency]!;
  let driveForce = 0;
  if (coupled) driveForce = torque * forcePerNm * (torque > 0 ? efficiency : 1 / efficiency);
  else if (clutchTorque > 0) driveForce = clutchTorque * forcePerNm * efficiency;
  const grip = d[b + V.gripForceN]!;
  let driven =
    d[b + V.drivenLoadFraction]! + d[b + V.loadTransferK]! * d[b + V.accelMps2]! * (1 / G);
  if (driven > 1) driven = 1;
  else if (driven < 0.2) driven = 0.2;
  const traction = grip * driven;
  if (driveForce > traction) driveForce = traction;
  else if (driveForce < -traction) driveForce = -traction;
  let brakeForce = brakePedal * d[b + V.brakeForcePerPedalN]!;
  if (brakeForce > grip) brakeForce = grip;

  const gradeForce = d[b + V.gradeForceN]!;
  const rollingForce = d[b + V.rollingForceN]!;
  const effectiveMass = d[b + V.baseMassKg]! + (coupled ? d[b + V.reflectedMassKg]! : 0);

  let accel: number;
  let vNext: number;
  if (v <= 0) {
    // At rest, rolling resistance and brakes hold the car unless the drive beats them (hill hold).
    const push = driveForce - gradeForce;
    const hold = rollingForce + brakeForce;
    accel = push > hold ? (push - hold) / effectiveMass : 0;
    vNext = accel * dt;
  } else {
    accel =
      (driveForce - d[b + V.dragK]! * v * v - gradeForce - rollingForce - brakeForce) /
      effectiveMass;
    vNext = v + accel * dt;
    if (vNext < 0) {
      vNext = 0;
      accel = -v / dt;
    }
  }
  d[b + V.speedMps] = vNext;
  d[b + V.accelMps2] = accel;
  const travelled = 0.5 * (v + vNext) * dt;
  d[b + V.positionM] = d[b + V.positionM]! + travelled;
  d[b + V.distanceM] = d[b + V.distanceM]! + travelled;
  // Braking energy, turned into disc heat and pad wear by the thermal step.
  d[b + V.brakeEnergyJ] = d[b + V.brakeEnergyJ]! + brakeForce * v * dt;
}

/**
 * Fuel flow from a brake-specific fuel consumption map: worst at part load and far
 * from the best engine speed, richer when cold, zero in fuel cut-off. Integrated over one
 * driver period.
 */
export function stepFuel(s: FleetState, i: number): void {
  const dt = DRIVER_DT;
  const d = s.data;
  const b = i * STRIDE;
  let fuel = 0;
  if (d[b + V.engineOn]! === 1 && d[b + V.fuelCut]! === 0) {
    const rpm = d[b + V.engineRpm]!;
    const torque = d[b + V.engineTorqueNm]!;
    const power = torque > 0 ? torque * rpm * (1 / 9549) : 0; // kW
    const load = d[b + V.engineLoad]!;
    const partLoad = 1 - load;
    const speedOff = (rpm - d[b + V.bsfcBestRpm]!) / d[b + V.redlineRpm]!;
    const coolant = d[b + V.coolantC]!;
    const cold = coolant < 70 ? (70 - coolant) / 70 : 0;
    const bsfc =
      d[b + V.bsfcMin]! *
      (1 + 0.6 * partLoad * partLoad + 0.35 * speedOff * speedOff) *
      (1 + 0.25 * (cold < 1 ? cold : 1));
    fuel =
      power * bsfc * (1 / 3600) +
      d[b + V.idleFuelGps]! * (rpm / d[b + V.idleRpm]!) * (1 - 0.7 * load);
  }
  d[b + V.fuelRateGps] = fuel;
  d[b + V.fuelUsedL] = d[b + V.fuelUsedL]! + (fuel * dt) / (1000 * d[b + V.fuelDensity]!);
}

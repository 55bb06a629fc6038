// Thermals and wear: coolant heated by the fuel's waste heat and cooled through a
// thermostat-controlled radiator (airflow grows with speed, a fan with hysteresis
// helps), oil lagging coolant and load, both starting from ambient on a cold start;
// brake discs heated by braking energy and cooled more at speed; engine wear from high
// revs and from load on a cold engine, pad wear from braking energy, faster when hot.
// Time constants are tens of seconds, so this runs every few physics steps.
import { STRIDE, V, type FleetState } from './fleet-state.js';

/** Share of the fuel's heating value that goes into the coolant. */
const COOLANT_HEAT_SHARE = 0.27;
/** Share of the braking energy absorbed by the front discs. */
const FRONT_BRAKE_SHARE = 0.7;
/** Pad wear per joule absorbed: 100 % over about 50 GJ of braking. */
const PAD_WEAR_PER_J = 2e-9;
/** Base engine wear: 100 % over about 5,000 hours of driving. */
const ENGINE_WEAR_BASE = 100 / (5000 * 3600);

export function stepThermal(s: FleetState, i: number, dt: number): void {
  const d = s.data;
  const b = i * STRIDE;
  const coolant = d[b + V.coolantC]!;
  const ambient = d[b + V.ambientC]!;
  const v = d[b + V.speedMps]!;
  const heatIn = COOLANT_HEAT_SHARE * d[b + V.fuelRateGps]! * d[b + V.heatingValueKjPerG]!; // kW

  const open =
    (coolant - d[b + V.thermostatOpenC]!) / (d[b + V.thermostatFullC]! - d[b + V.thermostatOpenC]!);
  const thermostat = open < 0.02 ? 0.02 : open > 1 ? 1 : open;
  // Fan hysteresis: on above fan_on_c, off again only below fan_off_c.
  if (coolant > d[b + V.fanOnC]!) d[b + V.fanOn] = 1;
  else if (coolant < d[b + V.fanOffC]!) d[b + V.fanOn] = 0;
  const ram = v < 44 ? v / 27.8 : 1.6;
  const airflow = 0.12 + 0.88 * ram + (d[b + V.fanOn]! === 1 ? 0.7 : 0);
  const delta = coolant - ambient;
  const heatOut = d[b + V.radiatorKwPerK]! * (thermostat * airflow + 0.015) * delta;
  d[b + V.coolantC] = coolant + ((heatIn - heatOut) / d[b + V.engineHeatCapacity]!) * dt;

  // Oil follows coolant, plus load and speed, with a longer lag.
  const rpmShare = d[b + V.engineRpm]! / d[b + V.redlineRpm]!;
  const load = d[b + V.engineLoad]!;
  const running = d[b + V.engineOn]! === 1;
  const oilTarget = running ? coolant + 3 + 16 * load + 8 * rpmShare : coolant;
  const oil = d[b + V.oilC]!;
  // Brake disc: heated by the front share of the braking energy since the last step.
  const energy = d[b + V.brakeEnergyJ]!;
  d[b + V.brakeEnergyJ] = 0;
  const disc = d[b + V.brakeDiscC]!;
  d[b + V.brakeDiscC] =
    disc +
    (energy * FRONT_BRAKE_SHARE) / d[b + V.discHeatCapacity]! -
    (0.0015 + 0.00045 * v) * (disc - ambient) * dt;
  const hot = disc > 350 ? (disc - 350) / 150 : 0;
  d[b + V.brakeWearPct] = d[b + V.brakeWearPct]! + energy * PAD_WEAR_PER_J * (1 + hot);

  d[b + V.oilC] = oil + ((oilTarget - oil) * dt) / 90;

  if (running) {
    const high = rpmShare > 0.75 ? (rpmShare - 0.75) * 4 : 0;
    const coldOil = oil < 70 ? (70 - oil) / 70 : 0;
    const rate = ENGINE_WEAR_BASE * (1 + 12 * high * high + 6 * load * coldOil);
    d[b + V.engineWearPct] = d[b + V.engineWearPct]! + rate * dt;
    d[b + V.gearboxWearPct] = d[b + V.gearboxWearPct]! + ENGINE_WEAR_BASE * 0.5 * load * dt;
  }
}

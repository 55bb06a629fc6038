// Engine thermals and wear for one physics step: coolant heated by the fuel's waste
// heat and cooled through a thermostat-controlled radiator (airflow grows with speed,
// a fan with hysteresis helps), oil lagging coolant and load, both starting from
// ambient on a cold start; engine wear from high revs and from load on a cold engine.
import type { FleetState } from './fleet-state.js';

/** Share of the fuel's heating value that goes into the coolant. */
const COOLANT_HEAT_SHARE = 0.27;
/** Base engine wear: 100 % over about 5,000 hours of driving. */
const ENGINE_WEAR_BASE = 100 / (5000 * 3600);

export function stepThermal(s: FleetState, i: number, dt: number): void {
  const coolant = s.coolantC[i]!;
  const ambient = s.ambientC[i]!;
  const v = s.speedMps[i]!;
  const heatIn = COOLANT_HEAT_SHARE * s.fuelRateGps[i]! * s.heatingValueKjPerG[i]!; // kW

  const open = (coolant - s.thermostatOpenC[i]!) / (s.thermostatFullC[i]! - s.thermostatOpenC[i]!);
  const thermostat = open < 0.02 ? 0.02 : open > 1 ? 1 : open;
  // Fan hysteresis: on above fan_on_c, off again only below fan_off_c.
  if (coolant > s.fanOnC[i]!) s.fanOn[i] = 1;
  else if (coolant < s.fanOffC[i]!) s.fanOn[i] = 0;
  const ram = v < 44 ? v / 27.8 : 1.6;
  const airflow = 0.12 + 0.88 * ram + (s.fanOn[i] === 1 ? 0.7 : 0);
  const delta = coolant - ambient;
  const heatOut = s.radiatorKwPerK[i]! * (thermostat * airflow + 0.015) * delta;
  s.coolantC[i] = coolant + ((heatIn - heatOut) / s.engineHeatCapacity[i]!) * dt;

  // Oil follows coolant, plus load and speed, with a longer lag.
  const rpmShare = s.engineRpm[i]! / s.redlineRpm[i]!;
  const load = s.engineLoad[i]!;
  const running = s.engineOn[i] === 1;
  const oilTarget = running ? coolant + 3 + 16 * load + 8 * rpmShare : coolant;
  const oil = s.oilC[i]!;
  s.oilC[i] = oil + ((oilTarget - oil) * dt) / 90;

  if (running) {
    const high = rpmShare > 0.75 ? (rpmShare - 0.75) * 4 : 0;
    const coldOil = oil < 70 ? (70 - oil) / 70 : 0;
    const rate = ENGINE_WEAR_BASE * (1 + 12 * high * high + 6 * load * coldOil);
    s.engineWearPct[i] = s.engineWearPct[i]! + rate * dt;
    s.gearboxWearPct[i] = s.gearboxWearPct[i]! + ENGINE_WEAR_BASE * 0.5 * load * dt;
  }
}

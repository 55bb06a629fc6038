// The telemetry signals of event schema v1: one definition read by the simulator's
// sensors (noise, resolution), the JSON encoder (decimals), the JSON Schema generator
// (types, ranges) and the VSS mapping in the docs.

/** One measured signal as it appears under `signals` in a telemetry event. */
export interface SignalSpec {
  /** Field name in the event; the unit is part of the name unless it is a ratio or count. */
  readonly name: string;
  readonly unit: string;
  readonly type: 'number' | 'integer';
  readonly description: string;
  /** Physically possible range; the JSON Schema uses it, silver's range checks will too. */
  readonly min: number;
  readonly max: number;
  /** Quantisation step of the sensor, like the scaling of a CAN signal. */
  readonly resolution: number;
  /** Standard deviation of the additive sensor noise, in the signal's unit. */
  readonly noiseStd: number;
  /** Size of an injected spike, in the signal's unit (added or subtracted). */
  readonly spikeMagnitude: number;
  /** COVESA Vehicle Signal Specification path (v4.x catalogue) or a Pitwall overlay path. */
  readonly vssPath: string;
  /** True when `vssPath` is defined by Pitwall's overlay, not by the VSS catalogue. */
  readonly vssOverlay: boolean;
  /** How the value converts to the VSS datatype/unit, when it differs. */
  readonly vssConversion?: string;
}

export const SIGNALS = [
  {
    name: 'engine_rpm',
    unit: 'rpm',
    type: 'number',
    description: 'Crankshaft speed.',
    min: 0,
    max: 12000,
    resolution: 0.25,
    noiseStd: 6,
    spikeMagnitude: 4000,
    vssPath: 'Vehicle.Powertrain.CombustionEngine.Speed',
    vssOverlay: false,
  },
  {
    name: 'speed_kmh',
    unit: 'km/h',
    type: 'number',
    description: 'Vehicle speed over ground from the wheel-speed sensors.',
    min: 0,
    max: 400,
    resolution: 0.01,
    noiseStd: 0.15,
    spikeMagnitude: 90,
    vssPath: 'Vehicle.Speed',
    vssOverlay: false,
  },
  {
    name: 'throttle',
    unit: 'ratio',
    type: 'number',
    description: 'Accelerator pedal position, 0 = released, 1 = floored.',
    min: 0,
    max: 1,
    resolution: 0.001,
    noiseStd: 0.004,
    spikeMagnitude: 0.6,
    vssPath: 'Vehicle.Chassis.Accelerator.PedalPosition',
    vssOverlay: false,
    vssConversion: 'VSS is uint8 percent: multiply by 100 and round',
  },
  {
    name: 'brake',
    unit: 'ratio',
    type: 'number',
    description: 'Brake pedal position, 0 = released, 1 = fully pressed.',
    min: 0,
    max: 1,
    resolution: 0.001,
    noiseStd: 0.003,
    spikeMagnitude: 0.6,
    vssPath: 'Vehicle.Chassis.Brake.PedalPosition',
    vssOverlay: false,
    vssConversion: 'VSS is uint8 percent: multiply by 100 and round',
  },
  {
    name: 'gear',
    unit: 'gear',
    type: 'integer',
    description: 'Engaged gear, 1 = first; during a shift, the gear being engaged.',
    min: 1,
    max: 10,
    resolution: 1,
    noiseStd: 0,
    spikeMagnitude: 0,
    vssPath: 'Vehicle.Powertrain.Transmission.CurrentGear',
    vssOverlay: false,
  },
  {
    name: 'engine_load_pct',
    unit: '%',
    type: 'number',
    description:
      'Calculated engine load: indicated torque over the full-load torque at this speed.',
    min: 0,
    max: 100,
    resolution: 0.1,
    noiseStd: 0.6,
    spikeMagnitude: 60,
    vssPath: 'Vehicle.OBD.EngineLoad',
    vssOverlay: false,
  },
  {
    name: 'engine_torque_nm',
    unit: 'N·m',
    type: 'number',
    description: 'Net engine torque at the crankshaft; negative while engine braking.',
    min: -400,
    max: 2000,
    resolution: 0.5,
    noiseStd: 1.5,
    spikeMagnitude: 300,
    vssPath: 'Vehicle.Powertrain.CombustionEngine.Torque',
    vssOverlay: false,
    vssConversion:
      'VSS 4.x is uint16 and reports 0 while engine braking; VSS 5.0+ is int16 and keeps the sign',
  },
  {
    name: 'coolant_temp_c',
    unit: '°C',
    type: 'number',
    description: 'Engine coolant temperature.',
    min: -40,
    max: 150,
    resolution: 0.1,
    noiseStd: 0.15,
    spikeMagnitude: 60,
    vssPath: 'Vehicle.Powertrain.CombustionEngine.ECT',
    vssOverlay: false,
    vssConversion:
      'int16 in VSS 4.x: round; VSS 4.2+ also names it CombustionEngine.EngineCoolant.Temperature',
  },
  {
    name: 'oil_temp_c',
    unit: '°C',
    type: 'number',
    description: 'Engine oil temperature.',
    min: -40,
    max: 170,
    resolution: 0.1,
    noiseStd: 0.15,
    spikeMagnitude: 60,
    vssPath: 'Vehicle.Powertrain.CombustionEngine.EOT',
    vssOverlay: false,
    vssConversion:
      'int16 in VSS 4.x: round; VSS 4.2+ also names it CombustionEngine.EngineOil.Temperature',
  },
  {
    name: 'brake_temp_c',
    unit: '°C',
    type: 'number',
    description: 'Front brake disc temperature (mean of both front discs).',
    min: -40,
    max: 1000,
    resolution: 0.5,
    noiseStd: 1,
    spikeMagnitude: 300,
    vssPath: 'Vehicle.Chassis.Axle.Row1.Brake.DiscTemperature',
    vssOverlay: true,
    vssConversion: 'overlay node (float, celsius); VSS has no brake temperature',
  },
  {
    name: 'fuel_rate_lph',
    unit: 'L/h',
    type: 'number',
    description: 'Instantaneous fuel flow; 0 during fuel cut-off.',
    min: 0,
    max: 150,
    resolution: 0.01,
    noiseStd: 0.03,
    spikeMagnitude: 40,
    vssPath: 'Vehicle.OBD.FuelRate',
    vssOverlay: false,
  },
  {
    name: 'fuel_l_per_100km',
    unit: 'L/100 km',
    type: 'number',
    description: 'Average consumption since the session started (0 until 100 m driven).',
    min: 0,
    max: 1000,
    resolution: 0.01,
    noiseStd: 0,
    spikeMagnitude: 50,
    vssPath: 'Vehicle.Powertrain.FuelSystem.AverageConsumption',
    vssOverlay: false,
  },
  {
    name: 'speed_limit_kmh',
    unit: 'km/h',
    type: 'integer',
    description:
      'Posted speed limit where the vehicle is, from traffic-sign recognition and the map.',
    min: 0,
    max: 200,
    resolution: 1,
    noiseStd: 0,
    spikeMagnitude: 0,
    vssPath: 'Vehicle.ADAS.SpeedLimit',
    vssOverlay: true,
    vssConversion: 'overlay node (uint8, km/h)',
  },
  {
    name: 'accel_mps2',
    unit: 'm/s²',
    type: 'number',
    description: 'Longitudinal acceleration of the vehicle (positive forwards).',
    min: -20,
    max: 20,
    resolution: 0.01,
    noiseStd: 0.05,
    spikeMagnitude: 8,
    vssPath: 'Vehicle.Acceleration.Longitudinal',
    vssOverlay: false,
  },
  {
    name: 'ambient_temp_c',
    unit: '°C',
    type: 'number',
    description: 'Outside air temperature.',
    min: -50,
    max: 60,
    resolution: 0.5,
    noiseStd: 0.1,
    spikeMagnitude: 40,
    vssPath: 'Vehicle.Exterior.AirTemperature',
    vssOverlay: false,
  },
  {
    name: 'distance_km',
    unit: 'km',
    type: 'number',
    description: 'Distance driven since the session started.',
    min: 0,
    max: 100000,
    resolution: 0.001,
    noiseStd: 0,
    spikeMagnitude: 500,
    vssPath: 'Vehicle.TraveledDistanceSinceStart',
    vssOverlay: false,
    vssConversion: 'km in VSS 4.x and 5.x; VSS 6.0 uses uint32 metres (multiply by 1000)',
  },
  {
    name: 'fuel_used_l',
    unit: 'L',
    type: 'number',
    description: 'Fuel used since the session started.',
    min: 0,
    max: 10000,
    resolution: 0.001,
    noiseStd: 0,
    spikeMagnitude: 50,
    vssPath: 'Vehicle.Powertrain.FuelSystem.ConsumptionSinceStart',
    vssOverlay: false,
  },
  {
    name: 'engine_wear_pct',
    unit: '%',
    type: 'number',
    description: 'Engine wear index: share of service life used.',
    min: 0,
    max: 100,
    resolution: 0.0001,
    noiseStd: 0,
    spikeMagnitude: 30,
    vssPath: 'Vehicle.Powertrain.CombustionEngine.WearIndex',
    vssOverlay: true,
  },
  {
    name: 'gearbox_wear_pct',
    unit: '%',
    type: 'number',
    description: 'Gearbox wear index: share of service life used.',
    min: 0,
    max: 100,
    resolution: 0.0001,
    noiseStd: 0,
    spikeMagnitude: 30,
    vssPath: 'Vehicle.Powertrain.Transmission.WearIndex',
    vssOverlay: true,
  },
  {
    name: 'brake_wear_pct',
    unit: '%',
    type: 'number',
    description: 'Front brake pad wear: share of pad life used.',
    min: 0,
    max: 100,
    resolution: 0.0001,
    noiseStd: 0,
    spikeMagnitude: 30,
    vssPath: 'Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear',
    vssOverlay: false,
    vssConversion: 'VSS PadWear is an integer percent',
  },
] as const satisfies readonly SignalSpec[];

export type SignalName = (typeof SIGNALS)[number]['name'];

/** Column index of each signal in the simulator's emission batches. */
export const SIGNAL_INDEX = Object.fromEntries(SIGNALS.map((s, k) => [s.name, k])) as {
  readonly [K in SignalName]: number;
};

export const SIGNAL_COUNT = SIGNALS.length;

/** Decimal places that represent a signal's resolution exactly (0.25 → 2, 0.001 → 3). */
export function decimalsFor(resolution: number): number {
  let d = 0;
  while (d < 9 && Math.abs(Math.round(resolution * 10 ** d) - resolution * 10 ** d) > 1e-9) d++;
  return d;
}

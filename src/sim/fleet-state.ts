// The simulator's state: one flat Float64Array, one fixed-size record per vehicle.
//
// Every quantity has a field index (`V.speedMps`, …); vehicle i's value lives at
// `data[i * STRIDE + V.field]`. One array instead of one column per quantity, because a
// vehicle is stepped many times in a row and its whole record (~1 KB) then stays in the
// CPU's L1 cache, and because an access needs one bounds check instead of loading a
// column object first. Measured during development on 1000 vehicles: about 1 M
// vehicle-steps/s with one Float64Array per quantity stepped vehicle-by-vehicle each
// tick, about 3 M with this layout and many steps per vehicle in a row (see
// docs/benchmarks.md). Integers (gear, kinds, flags, random-stream words) are stored as
// doubles, which represent every int32 exactly.

export const FIELDS = [
  // ── identity and modes ────────────────────────────────────────────────────────────
  'carIndex',
  'profileIndex',
  /** 1 when pedals come from `manualThrottle`/`manualBrake` instead of the driver policy. */
  'manualPedals',
  /** 1 when gears change only on request (`manualGearRequest`), never automatically. */
  'manualGears',
  'manualThrottle',
  'manualBrake',
  /** Requested gear in manual-gear mode (0 = keep). */
  'manualGearRequest',
  /** 0 while the engine is off (cockpit start/stop); the car coasts and sensors still report. */
  'engineOn',

  // ── car constants (copied at session start; cargo changes the mass) ───────────────
  'massKg',
  /** ½ ρ Cd A, so aerodynamic drag is `dragK × v²` (N). */
  'dragK',
  'rollingK',
  'wheelRadiusM',
  'gripMu',
  'drivenLoadFraction',
  /** Share of mass × acceleration moved onto the driven axle (+ rear, − front, 0 all-wheel). */
  'loadTransferK',
  'idleRpm',
  'redlineRpm',
  'revLimitRpm',
  'launchRpm',
  'engineInertia',
  'throttleTau',
  'frictionNm',
  'frictionPerRpm',
  'bsfcMin',
  'bsfcBestRpm',
  'idleFuelGps',
  'fuelDensity',
  'heatingValueKjPerG',
  'torqueTableOffset',
  'gearCount',
  'ratioOffset',
  'finalDrive',
  'drivetrainEfficiency',
  'shiftTimeS',
  'minShiftIntervalS',
  'brakeForceMaxN',
  'discHeatCapacity',
  'fadeStartC',
  'fadeFullC',
  'fadeMinFactor',
  'thermostatOpenC',
  'thermostatFullC',
  'fanOnC',
  'fanOffC',
  'engineHeatCapacity',
  'radiatorKwPerK',

  // ── vehicle physical state ────────────────────────────────────────────────────────
  // derived coefficients, refreshed at the driver rate (see powertrain.ts)
  'rpmPerMps',
  'wheelForcePerNm',
  'reflectedMassKg',
  'baseMassKg',
  'gradeForceN',
  'rollingForceN',
  'gripForceN',
  'idleTargetRpm',
  'brakeForcePerPedalN',
  /** 1 while fuel is cut (overrun or rev limiter). */
  'fuelCut',
  /** Braking energy not yet turned into disc heat (J). */
  'brakeEnergyJ',
  'positionM',
  'speedMps',
  'accelMps2',
  'engineRpm',
  /** Throttle at the engine after response lag (0–1). */
  'engineThrottle',
  'engineTorqueNm',
  'engineLoad',
  'fuelRateGps',
  'gear',
  /** Seconds left in the current shift (torque interrupted while > 0). */
  'shiftRemainingS',
  'sinceShiftS',
  'coolantC',
  'oilC',
  'brakeDiscC',
  'fanOn',
  'engineWearPct',
  'gearboxWearPct',
  'brakeWearPct',
  'fuelUsedL',
  'distanceM',
  'ambientC',

  // ── driver ────────────────────────────────────────────────────────────────────────
  'pedalThrottle',
  'pedalBrake',
  /** Where the driver wants the pedals; they move there at `pedalRate`. */
  'throttleTarget',
  'brakeTarget',
  /** Acceleration the driver is currently asking for, after reaction lag. */
  'commandAccel',
  'pedalWobble',
  'mood',
  'speedFactor',
  'accelMax',
  'comfortDecel',
  /** 1 / (2 √(a b)), the intelligent driver model's approach term. */
  'idmApproachK',
  'headwayS',
  'minGapM',
  'reactionS',
  'pedalRate',
  'upshiftAt',
  'pedalNoise',
  'anticipation',
  'amberDilemmaS',
  'moodSwing',
  'moodTau',
  'brakeHold',

  // ── route (generated as the car drives: current and next segment, next stop) ─────
  'segmentEndM',
  'segmentKind',
  'segmentLimitMps',
  'segmentSinGrade',
  'segmentCosGrade',
  'segmentCongestion',
  'segmentStopSpacingM',
  'nextKind',
  'nextLimitMps',
  'nextGrade',
  'nextCongestion',
  'nextLengthM',
  'nextStopSpacingM',
  'stopPositionM',
  /** 0 none ahead in this segment, 1 traffic light, 2 stop sign / give-way junction. */
  'stopKind',
  'lightCycleS',
  'lightGreenS',
  'lightOffsetS',
  /** Seconds spent halted at the current stop sign. */
  'stopDwellS',
  'stopCleared',

  // ── traffic: one virtual car ahead ────────────────────────────────────────────────
  'leadPresent',
  'leadGapM',
  'leadSpeedMps',
  'leadTargetMps',

  // ── scenario overrides (active while session time < the *_UntilS value) ──────────
  'harshBrakeUntilS',
  'gradeOverrideUntilS',
  'gradeOverrideSin',
  'gradeOverrideCos',
  'limitOverrideUntilS',
  'limitOverrideMps',
  'sensorFailureUntilS',
  /** Signal index of the failed sensor. */
  'sensorFailureSignal',
  /** 0 none, 1 no value (null), 2 frozen value, 3 heavy noise. */
  'sensorFailureMode',

  // ── random streams (one mulberry32 word each) ────────────────────────────────────
  'rngDriver',
  'rngRoute',
  'rngTraffic',
  'rngSensor',
  'rngFault',

  // ── session clock and emission ────────────────────────────────────────────────────
  'sessionTimeS',
  /** Physics steps taken in the session; slower subsystems run on multiples of it. */
  'tick',
  /** Epoch milliseconds at which the vehicle's current session started (true time). */
  'sessionStartMs',
  'emitPeriodS',
  'emitClockS',
  'emitCount',
  'seq',
  'dropoutLeft',
  'stuckSignal',
  'stuckLeft',
  'stuckValue',
  'clockSkewMs',
  'clockDriftPpm',
] as const;

export type Field = (typeof FIELDS)[number];

/** Field index of every quantity in a vehicle's record. */
export const V = Object.fromEntries(FIELDS.map((name, k) => [name, k])) as {
  readonly [K in Field]: number;
};

/** Doubles per vehicle record, rounded up to a whole number of 64-byte cache lines. */
export const STRIDE = Math.ceil(FIELDS.length / 8) * 8;

export class FleetState {
  readonly size: number;
  readonly data: Float64Array;

  constructor(size: number) {
    this.size = size;
    this.data = new Float64Array(size * STRIDE);
  }

  /** One quantity of one vehicle. */
  get(i: number, field: Field): number {
    return this.data[i * STRIDE + V[field]]!;
  }

  set(i: number, field: Field, value: number): void {
    this.data[i * STRIDE + V[field]] = value;
  }

  /** A copy of one quantity for every vehicle. */
  column(field: Field): Float64Array {
    const out = new Float64Array(this.size);
    const k = V[field];
    for (let i = 0; i < this.size; i++) out[i] = this.data[i * STRIDE + k]!;
    return out;
  }

  /** Bytes of state one vehicle occupies. */
  bytesPerVehicle(): number {
    return STRIDE * Float64Array.BYTES_PER_ELEMENT;
  }
}

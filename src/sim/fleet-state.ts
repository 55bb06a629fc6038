// The simulator's state, stored as columns: one typed array per quantity, indexed by
// vehicle. The physics loop walks these arrays without allocating; a vehicle's whole
// state is the sum of one element of each column (see `bytesPerVehicle`).

export class FleetState {
  readonly size: number;

  // ── identity and modes ────────────────────────────────────────────────────────────
  readonly carIndex: Int32Array;
  readonly profileIndex: Int32Array;
  /** 1 when pedals come from `manualThrottle`/`manualBrake` instead of the driver policy. */
  readonly manualPedals: Uint8Array;
  /** 1 when gears change only on request (`manualGearRequest`), never automatically. */
  readonly manualGears: Uint8Array;
  readonly manualThrottle: Float64Array;
  readonly manualBrake: Float64Array;
  /** Requested gear in manual-gear mode (0 = keep). */
  readonly manualGearRequest: Int32Array;
  /** 0 while the engine is off (cockpit start/stop); the car coasts and sensors still report. */
  readonly engineOn: Uint8Array;

  // ── car constants (copied at session start; cargo changes the mass) ───────────────
  readonly massKg: Float64Array;
  /** ½ ρ Cd A, so aerodynamic drag is `dragK × v²` (N). */
  readonly dragK: Float64Array;
  readonly rollingK: Float64Array;
  readonly wheelRadiusM: Float64Array;
  readonly gripMu: Float64Array;
  readonly drivenLoadFraction: Float64Array;
  /** Share of mass × acceleration moved onto the driven axle (+ rear, − front, 0 all-wheel). */
  readonly loadTransferK: Float64Array;
  readonly idleRpm: Float64Array;
  readonly redlineRpm: Float64Array;
  readonly revLimitRpm: Float64Array;
  readonly launchRpm: Float64Array;
  readonly engineInertia: Float64Array;
  readonly throttleTau: Float64Array;
  readonly frictionNm: Float64Array;
  readonly frictionPerRpm: Float64Array;
  readonly bsfcMin: Float64Array;
  readonly bsfcBestRpm: Float64Array;
  readonly idleFuelGps: Float64Array;
  readonly fuelDensity: Float64Array;
  readonly heatingValueKjPerG: Float64Array;
  readonly torqueTableOffset: Int32Array;
  readonly gearCount: Int32Array;
  readonly ratioOffset: Int32Array;
  readonly finalDrive: Float64Array;
  readonly drivetrainEfficiency: Float64Array;
  readonly shiftTimeS: Float64Array;
  readonly minShiftIntervalS: Float64Array;
  readonly brakeForceMaxN: Float64Array;
  readonly discHeatCapacity: Float64Array;
  readonly fadeStartC: Float64Array;
  readonly fadeFullC: Float64Array;
  readonly fadeMinFactor: Float64Array;
  readonly thermostatOpenC: Float64Array;
  readonly thermostatFullC: Float64Array;
  readonly fanOnC: Float64Array;
  readonly fanOffC: Float64Array;
  readonly engineHeatCapacity: Float64Array;
  readonly radiatorKwPerK: Float64Array;

  // ── vehicle physical state ────────────────────────────────────────────────────────
  readonly positionM: Float64Array;
  readonly speedMps: Float64Array;
  readonly accelMps2: Float64Array;
  readonly engineRpm: Float64Array;
  /** Throttle at the engine after response lag (0–1). */
  readonly engineThrottle: Float64Array;
  readonly engineTorqueNm: Float64Array;
  readonly engineLoad: Float64Array;
  readonly fuelRateGps: Float64Array;
  readonly gear: Int32Array;
  /** Seconds left in the current shift (torque interrupted while > 0). */
  readonly shiftRemainingS: Float64Array;
  readonly sinceShiftS: Float64Array;
  readonly coolantC: Float64Array;
  readonly oilC: Float64Array;
  readonly brakeDiscC: Float64Array;
  readonly fanOn: Uint8Array;
  readonly engineWearPct: Float64Array;
  readonly gearboxWearPct: Float64Array;
  readonly brakeWearPct: Float64Array;
  readonly fuelUsedL: Float64Array;
  readonly distanceM: Float64Array;
  readonly ambientC: Float64Array;

  // ── driver ────────────────────────────────────────────────────────────────────────
  readonly pedalThrottle: Float64Array;
  readonly pedalBrake: Float64Array;
  /** Where the driver wants the pedals; they move there at `pedalRate`. */
  readonly throttleTarget: Float64Array;
  readonly brakeTarget: Float64Array;
  /** Acceleration the driver is currently asking for, after reaction lag. */
  readonly commandAccel: Float64Array;
  readonly pedalWobble: Float64Array;
  readonly mood: Float64Array;
  readonly speedFactor: Float64Array;
  readonly accelMax: Float64Array;
  readonly comfortDecel: Float64Array;
  /** 1 / (2 √(a b)), the intelligent driver model's approach term. */
  readonly idmApproachK: Float64Array;
  readonly headwayS: Float64Array;
  readonly minGapM: Float64Array;
  readonly reactionS: Float64Array;
  readonly pedalRate: Float64Array;
  readonly upshiftAt: Float64Array;
  readonly pedalNoise: Float64Array;
  readonly anticipation: Float64Array;
  readonly amberDilemmaS: Float64Array;
  readonly moodSwing: Float64Array;

  // ── route (generated as the car drives: current and next segment, next stop) ─────
  readonly segmentEndM: Float64Array;
  readonly segmentKind: Int32Array;
  readonly segmentLimitMps: Float64Array;
  readonly segmentSinGrade: Float64Array;
  readonly segmentCosGrade: Float64Array;
  readonly segmentCongestion: Float64Array;
  readonly segmentStopSpacingM: Float64Array;
  readonly nextKind: Int32Array;
  readonly nextLimitMps: Float64Array;
  readonly nextGrade: Float64Array;
  readonly nextCongestion: Float64Array;
  readonly nextLengthM: Float64Array;
  readonly nextStopSpacingM: Float64Array;
  readonly stopPositionM: Float64Array;
  /** 0 none ahead in this segment, 1 traffic light, 2 stop sign / give-way junction. */
  readonly stopKind: Int32Array;
  readonly lightCycleS: Float64Array;
  readonly lightGreenS: Float64Array;
  readonly lightOffsetS: Float64Array;
  /** Seconds spent halted at the current stop sign. */
  readonly stopDwellS: Float64Array;
  readonly stopCleared: Uint8Array;

  // ── traffic: one virtual car ahead ────────────────────────────────────────────────
  readonly leadPresent: Uint8Array;
  readonly leadGapM: Float64Array;
  readonly leadSpeedMps: Float64Array;
  readonly leadTargetMps: Float64Array;

  // ── scenario overrides (active while session time < the *_UntilS value) ──────────
  readonly harshBrakeUntilS: Float64Array;
  readonly gradeOverrideUntilS: Float64Array;
  readonly gradeOverrideSin: Float64Array;
  readonly gradeOverrideCos: Float64Array;
  readonly limitOverrideUntilS: Float64Array;
  readonly limitOverrideMps: Float64Array;
  readonly sensorFailureUntilS: Float64Array;
  /** Signal index of the failed sensor. */
  readonly sensorFailureSignal: Int32Array;
  /** 0 none, 1 no value (null), 2 frozen value, 3 heavy noise. */
  readonly sensorFailureMode: Int32Array;

  // ── random streams (one mulberry32 word each) ────────────────────────────────────
  readonly rngDriver: Int32Array;
  readonly rngRoute: Int32Array;
  readonly rngTraffic: Int32Array;
  readonly rngSensor: Int32Array;
  readonly rngFault: Int32Array;

  // ── session clock and emission ────────────────────────────────────────────────────
  readonly sessionTimeS: Float64Array;
  /** Physics steps taken in the session; slower subsystems run on multiples of it. */
  readonly tick: Int32Array;
  /** Epoch milliseconds at which the vehicle's current session started (true time). */
  readonly sessionStartMs: Float64Array;
  readonly emitPeriodS: Float64Array;
  readonly emitClockS: Float64Array;
  readonly emitCount: Float64Array;
  readonly seq: Float64Array;
  readonly dropoutLeft: Int32Array;
  readonly stuckSignal: Int32Array;
  readonly stuckLeft: Int32Array;
  readonly stuckValue: Float64Array;
  readonly clockSkewMs: Float64Array;
  readonly clockDriftPpm: Float64Array;

  constructor(size: number) {
    this.size = size;
    const f = () => new Float64Array(size);
    const i32 = () => new Int32Array(size);
    const u8 = () => new Uint8Array(size);
    this.carIndex = i32();
    this.profileIndex = i32();
    this.manualPedals = u8();
    this.manualGears = u8();
    this.manualThrottle = f();
    this.manualBrake = f();
    this.manualGearRequest = i32();
    this.engineOn = u8();
    this.massKg = f();
    this.dragK = f();
    this.rollingK = f();
    this.wheelRadiusM = f();
    this.gripMu = f();
    this.drivenLoadFraction = f();
    this.loadTransferK = f();
    this.idleRpm = f();
    this.redlineRpm = f();
    this.revLimitRpm = f();
    this.launchRpm = f();
    this.engineInertia = f();
    this.throttleTau = f();
    this.frictionNm = f();
    this.frictionPerRpm = f();
    this.bsfcMin = f();
    this.bsfcBestRpm = f();
    this.idleFuelGps = f();
    this.fuelDensity = f();
    this.heatingValueKjPerG = f();
    this.torqueTableOffset = i32();
    this.gearCount = i32();
    this.ratioOffset = i32();
    this.finalDrive = f();
    this.drivetrainEfficiency = f();
    this.shiftTimeS = f();
    this.minShiftIntervalS = f();
    this.brakeForceMaxN = f();
    this.discHeatCapacity = f();
    this.fadeStartC = f();
    this.fadeFullC = f();
    this.fadeMinFactor = f();
    this.thermostatOpenC = f();
    this.thermostatFullC = f();
    this.fanOnC = f();
    this.fanOffC = f();
    this.engineHeatCapacity = f();
    this.radiatorKwPerK = f();
    this.positionM = f();
    this.speedMps = f();
    this.accelMps2 = f();
    this.engineRpm = f();
    this.engineThrottle = f();
    this.engineTorqueNm = f();
    this.engineLoad = f();
    this.fuelRateGps = f();
    this.gear = i32();
    this.shiftRemainingS = f();
    this.sinceShiftS = f();
    this.coolantC = f();
    this.oilC = f();
    this.brakeDiscC = f();
    this.fanOn = u8();
    this.engineWearPct = f();
    this.gearboxWearPct = f();
    this.brakeWearPct = f();
    this.fuelUsedL = f();
    this.distanceM = f();
    this.ambientC = f();
    this.pedalThrottle = f();
    this.pedalBrake = f();
    this.throttleTarget = f();
    this.brakeTarget = f();
    this.commandAccel = f();
    this.pedalWobble = f();
    this.mood = f();
    this.speedFactor = f();
    this.accelMax = f();
    this.comfortDecel = f();
    this.idmApproachK = f();
    this.headwayS = f();
    this.minGapM = f();
    this.reactionS = f();
    this.pedalRate = f();
    this.upshiftAt = f();
    this.pedalNoise = f();
    this.anticipation = f();
    this.amberDilemmaS = f();
    this.moodSwing = f();
    this.segmentEndM = f();
    this.segmentKind = i32();
    this.segmentLimitMps = f();
    this.segmentSinGrade = f();
    this.segmentCosGrade = f();
    this.segmentCongestion = f();
    this.segmentStopSpacingM = f();
    this.nextKind = i32();
    this.nextLimitMps = f();
    this.nextGrade = f();
    this.nextCongestion = f();
    this.nextLengthM = f();
    this.nextStopSpacingM = f();
    this.stopPositionM = f();
    this.stopKind = i32();
    this.lightCycleS = f();
    this.lightGreenS = f();
    this.lightOffsetS = f();
    this.stopDwellS = f();
    this.stopCleared = u8();
    this.leadPresent = u8();
    this.leadGapM = f();
    this.leadSpeedMps = f();
    this.leadTargetMps = f();
    this.harshBrakeUntilS = f();
    this.gradeOverrideUntilS = f();
    this.gradeOverrideSin = f();
    this.gradeOverrideCos = f();
    this.limitOverrideUntilS = f();
    this.limitOverrideMps = f();
    this.sensorFailureUntilS = f();
    this.sensorFailureSignal = i32();
    this.sensorFailureMode = i32();
    this.rngDriver = i32();
    this.rngRoute = i32();
    this.rngTraffic = i32();
    this.rngSensor = i32();
    this.rngFault = i32();
    this.sessionTimeS = f();
    this.tick = i32();
    this.sessionStartMs = f();
    this.emitPeriodS = f();
    this.emitClockS = f();
    this.emitCount = f();
    this.seq = f();
    this.dropoutLeft = i32();
    this.stuckSignal = i32();
    this.stuckLeft = i32();
    this.stuckValue = f();
    this.clockSkewMs = f();
    this.clockDriftPpm = f();
  }

  /** Bytes of state one vehicle occupies: one element of every column. */
  bytesPerVehicle(): number {
    let bytes = 0;
    for (const value of Object.values(this)) {
      if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
        bytes += (value as Float64Array).BYTES_PER_ELEMENT;
      }
    }
    return bytes;
  }
}

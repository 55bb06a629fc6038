// The cockpit's live session: one simulated car, driven by a driver profile or by the
// person at the keyboard, stepped in real time by its owner (`advanceTo`), with its
// samples fed to a driving-style engine and a verdict taken once per simulated second.
// No timers here: the hub calls `advanceTo` at the state rate, tests call it directly.
import { randomInt } from 'node:crypto';
import { Fleet, PHYSICS_HZ, STRIDE, V, FAULT_PRESETS, type CarProfile } from '../sim/index.js';
import { UsageError } from '../errors.js';
import { SIGNAL_COUNT } from '../telemetry/signals.js';
import type {
  CarInfo,
  DriverChoice,
  EventMessage,
  SessionView,
  StateMessage,
  VerdictMessage,
} from './protocol.js';
import type { StyleEngine, StyleModel } from './style-model.js';

/** Samples per second the cockpit car's sensors emit (the rate `pitwall simulate` defaults to). */
export const COCKPIT_SAMPLE_HZ = 10;
/** At most this much simulated time is caught up in one call (a stalled event loop skips ahead). */
const MAX_CATCH_UP_S = 1;
/** Sensor faults as `pitwall simulate` makes them; no vehicle-clock skew: the cockpit shows wall time. */
const COCKPIT_FAULTS = { ...FAULT_PRESETS.default, clockSkew: 0 };

export function carInfo(car: CarProfile): CarInfo {
  return {
    id: car.id,
    name: car.name,
    fuel: car.fuel,
    idleRpm: car.engine.idle_rpm,
    redlineRpm: car.engine.redline_rpm,
    revLimitRpm: car.engine.rev_limit_rpm,
    gears: car.gearbox.ratios.length,
    topSpeedKmh: car.published.top_speed_kmh,
  };
}

/** Conditions worth a line in the event log, each with its own cool-down. */
interface Watch {
  readonly key: string;
  readonly level: 'info' | 'warn';
  readonly active: (d: Float64Array, b: number, car: CarProfile) => boolean;
  readonly text: (d: Float64Array, b: number) => string;
}

const WATCHES: readonly Watch[] = [
  {
    key: 'redline',
    level: 'warn',
    active: (d, b) => d[b + V.engineRpm]! > d[b + V.redlineRpm]!,
    text: (d, b) => `Over the redline: ${Math.round(d[b + V.engineRpm]!)} rpm`,
  },
  {
    key: 'harsh-brake',
    level: 'warn',
    active: (d, b) => d[b + V.accelMps2]! < -4.5,
    text: (d, b) => `Harsh braking: ${d[b + V.accelMps2]!.toFixed(1)} m/s²`,
  },
  {
    key: 'harsh-accel',
    level: 'info',
    active: (d, b) => d[b + V.accelMps2]! > 3.5,
    text: (d, b) => `Hard acceleration: ${d[b + V.accelMps2]!.toFixed(1)} m/s²`,
  },
  {
    key: 'brake-fade',
    level: 'warn',
    active: (d, b) => d[b + V.brakeDiscC]! > d[b + V.fadeStartC]!,
    text: (d, b) => `Brakes fading: discs at ${Math.round(d[b + V.brakeDiscC]!)} °C`,
  },
  {
    key: 'overheat',
    level: 'warn',
    active: (d, b) => d[b + V.coolantC]! > d[b + V.fanOnC]! + 6,
    text: (d, b) => `Engine running hot: coolant ${Math.round(d[b + V.coolantC]!)} °C`,
  },
  {
    key: 'warm',
    level: 'info',
    active: (d, b, car) => d[b + V.coolantC]! >= car.thermal.thermostat_open_c,
    text: () => 'Engine at operating temperature',
  },
];
const WATCH_COOLDOWN_S = 8;

export interface CockpitSessionOptions {
  readonly car: CarProfile;
  readonly driver: DriverChoice;
  readonly seed?: number;
  readonly startMs: number;
  /** The model to score with; undefined when none is loaded. */
  readonly model?: StyleModel;
  /** Why there is no model (shown by the coach). */
  readonly noModelReason?: string;
}

/** One cockpit car in real time. */
export class CockpitSession {
  readonly id: string;
  readonly car: CarProfile;
  readonly driver: DriverChoice;
  readonly seed: number;
  readonly startedAtMs: number;
  readonly #fleet: Fleet;
  #engine: StyleEngine | undefined;
  #model: StyleModel | undefined;
  #noModelReason: string;
  /** Physics steps taken; the session's clock. */
  #steps = 0;
  #lastMs: number;
  /** Fractional steps owed from earlier calls. */
  #owedSteps = 0;
  #verdict: VerdictMessage;
  #events: EventMessage[] = [];
  readonly #lastWatch = new Map<string, number>();
  readonly #sample = new Float64Array(SIGNAL_COUNT);

  constructor(options: CockpitSessionOptions) {
    this.car = options.car;
    this.driver = options.driver;
    this.seed = options.seed ?? randomInt(0, 2 ** 31 - 1);
    this.startedAtMs = options.startMs;
    this.#lastMs = options.startMs;
    this.id = `${options.car.id}/${options.driver}/${this.seed}/${Math.round(options.startMs)}`;
    this.#fleet = new Fleet({
      vehicles: 1,
      seed: this.seed,
      hz: COCKPIT_SAMPLE_HZ,
      // A manual session still draws a driver (its policy parameters go unused).
      drivers: options.driver === 'manual' ? 'normal' : options.driver,
      cars: options.car.id,
      carProfiles: [options.car],
      faults: COCKPIT_FAULTS,
    });
    this.#fleet.startSession(0, 0, options.startMs);
    if (options.driver === 'manual') this.#fleet.setManualPedals(0, 0, 0);
    this.#noModelReason = options.noModelReason ?? 'no driving-style model is loaded';
    this.useModel(options.model, this.#noModelReason);
    this.#verdict = this.#makeVerdict();
    this.#log('info', `Session started: ${options.car.name}, ${describeDriver(options.driver)}`);
  }

  /** Seconds of simulated time since the start. */
  get t(): number {
    return this.#steps / PHYSICS_HZ;
  }

  get engineOn(): boolean {
    return this.#fleet.state.get(0, 'engineOn') === 1;
  }

  get verdict(): VerdictMessage {
    return this.#verdict;
  }

  view(): SessionView {
    return {
      id: this.id,
      car: carInfo(this.car),
      driver: this.driver,
      seed: this.seed,
      startedAtMs: this.startedAtMs,
      engineOn: this.engineOn,
    };
  }

  /** Swaps the model (a new one was registered, or none is left): the window starts again. */
  useModel(model: StyleModel | undefined, noModelReason?: string): void {
    this.#model = model;
    this.#engine = model?.createEngine();
    if (noModelReason !== undefined) this.#noModelReason = noModelReason;
    if (this.#steps > 0) {
      this.#log(
        'info',
        model === undefined
          ? 'Driving-style model unloaded'
          : `Driving-style model ${model.version} loaded`,
      );
    }
  }

  setEngine(on: boolean): void {
    if (on === this.engineOn) return;
    this.#fleet.setEngine(0, on);
    this.#log('info', on ? 'Engine started' : 'Engine stopped');
  }

  /** Pedals from the driver's seat; only a manual session takes them. */
  setInput(throttle: number, brake: number): void {
    if (this.driver !== 'manual') {
      throw new UsageError(
        `this session is driven by the ${this.driver} profile; start a manual session to drive`,
      );
    }
    this.#fleet.setManualPedals(0, throttle, brake);
  }

  /** Manual gear `gear` (1…gears), or 0 for the automatic gearbox. */
  requestGear(gear: number): void {
    const gears = this.car.gearbox.ratios.length;
    if (!Number.isInteger(gear) || gear < 0 || gear > gears) {
      throw new UsageError(`gear must be 0 (automatic) or 1-${gears} (got ${gear})`);
    }
    this.#fleet.requestGear(0, gear);
  }

  /**
   * Steps the car up to wall time `nowMs` (at most one second of catching up) and feeds
   * the emitted samples to the engine; a verdict is taken at every simulated second.
   * Returns true when a new verdict was taken.
   */
  advanceTo(nowMs: number): boolean {
    const elapsedMs = Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = nowMs;
    let steps = this.#owedSteps + (elapsedMs * PHYSICS_HZ) / 1000;
    steps = Math.min(steps, MAX_CATCH_UP_S * PHYSICS_HZ);
    let whole = Math.floor(steps);
    this.#owedSteps = steps - whole;
    let verdict = false;
    while (whole > 0) {
      const toSecond = PHYSICS_HZ - (this.#steps % PHYSICS_HZ);
      const chunk = Math.min(whole, toSecond);
      this.#fleet.advance(chunk);
      this.#steps += chunk;
      whole -= chunk;
      this.#drainSamples();
      if (this.#steps % PHYSICS_HZ === 0) {
        this.#verdict = this.#makeVerdict();
        verdict = true;
      }
    }
    this.#watch();
    return verdict;
  }

  /** Event-log lines since the last call. */
  takeEvents(): EventMessage[] {
    const events = this.#events;
    this.#events = [];
    return events;
  }

  state(): StateMessage {
    const d = this.#fleet.state.data;
    const b = 0 * STRIDE;
    const t = this.t;
    const distanceKm = d[b + V.distanceM]! / 1000;
    return {
      type: 'state',
      sessionId: this.id,
      t: round(t, 3),
      engineOn: d[b + V.engineOn] === 1,
      rpm: round(d[b + V.engineRpm]!, 0),
      speedKmh: round(d[b + V.speedMps]! * 3.6, 2),
      gear: d[b + V.gear]!,
      throttle: round(d[b + V.pedalThrottle]!, 3),
      brake: round(d[b + V.pedalBrake]!, 3),
      coolantC: round(d[b + V.coolantC]!, 2),
      oilC: round(d[b + V.oilC]!, 2),
      brakeC: round(d[b + V.brakeDiscC]!, 1),
      fuelRateLph: round((d[b + V.fuelRateGps]! * 3.6) / d[b + V.fuelDensity]!, 3),
      accelMps2: round(d[b + V.accelMps2]!, 3),
      speedLimitKmh: round(
        (d[b + V.limitOverrideUntilS]! > d[b + V.sessionTimeS]!
          ? d[b + V.limitOverrideMps]!
          : d[b + V.segmentLimitMps]!) * 3.6,
        0,
      ),
      distanceKm: round(distanceKm, 4),
      fuelUsedL: round(d[b + V.fuelUsedL]!, 4),
      avgSpeedKmh: t > 0 ? round(distanceKm / (t / 3600), 2) : 0,
      engineWearPct: round(d[b + V.engineWearPct]!, 4),
      gearboxWearPct: round(d[b + V.gearboxWearPct]!, 4),
      brakeWearPct: round(d[b + V.brakeWearPct]!, 4),
    };
  }

  #drainSamples(): void {
    const batch = this.#fleet.batch;
    const engine = this.#engine;
    if (engine !== undefined) {
      const sample = this.#sample;
      for (let k = 0; k < batch.count; k++) {
        sample.set(batch.values.subarray(k * SIGNAL_COUNT, (k + 1) * SIGNAL_COUNT));
        engine.addSample({ timeMs: batch.timeMs[k]!, values: sample });
      }
    }
    batch.clear();
  }

  #makeVerdict(): VerdictMessage {
    const base = { type: 'verdict', sessionId: this.id, t: round(this.t, 3) } as const;
    const engine = this.#engine;
    if (engine === undefined || this.#model === undefined) {
      return { ...base, status: 'no-model', progress: 0, message: this.#noModelReason };
    }
    const prediction = engine.getPrediction();
    if (prediction === null) {
      return {
        ...base,
        status: 'warming-up',
        progress: round(Math.min(1, Math.max(0, engine.warmupProgress())), 3),
        modelVersion: this.#model.version,
      };
    }
    return {
      ...base,
      status: 'ready',
      progress: 1,
      label: prediction.label,
      probabilities: prediction.probabilities,
      aggressiveProbability: prediction.aggressiveProbability,
      confidence: prediction.confidence,
      modelVersion: prediction.modelVersion,
    };
  }

  #watch(): void {
    const d = this.#fleet.state.data;
    const t = this.t;
    for (const watch of WATCHES) {
      if (!watch.active(d, 0, this.car)) continue;
      const last = this.#lastWatch.get(watch.key);
      // `warm` is said once per session; the others again after a cool-down.
      if (last !== undefined && (watch.key === 'warm' || t - last < WATCH_COOLDOWN_S)) continue;
      this.#lastWatch.set(watch.key, t);
      this.#log(watch.level, watch.text(d, 0));
    }
  }

  #log(level: 'info' | 'warn', text: string): void {
    this.#events.push({
      type: 'event',
      atMs: Math.round(this.startedAtMs + this.t * 1000),
      level,
      text,
    });
  }
}

function describeDriver(driver: DriverChoice): string {
  return driver === 'manual' ? 'manual driving' : `${driver} driver profile`;
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

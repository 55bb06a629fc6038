// The fleet page's simulation: N vehicles with rotating driver profiles, each scored by its
// own driving-style engine once per simulated second. The simulator knows every session's
// true profile, so the monitor keeps the deployed model's live accuracy and confusion
// matrix. Stepped by its owner (`advanceTo`), like the cockpit session.
import {
  DRIVER_PROFILE_NAMES,
  FAULT_PRESETS,
  Fleet,
  PHYSICS_HZ,
  STRIDE,
  V,
  vehicleId,
} from '../sim/index.js';
import { SIGNAL_COUNT } from '../telemetry/signals.js';
import type { FleetSnapshot, FleetVehicleView, ModelStatus } from './protocol.js';
import type { StyleEngine, StyleModel } from './style-model.js';

/** One-second points kept per vehicle for its sparklines. */
export const SPARKLINE_POINTS = 60;
const FLEET_SAMPLE_HZ = 10;
/** At most this many simulated seconds are caught up per call. */
const MAX_CATCH_UP_S = 30;

export interface FleetMonitorOptions {
  readonly vehicles: number;
  readonly seed: number;
  /** Simulated seconds per wall second. */
  readonly speed: number;
  /** Each vehicle starts a new session (the next driver profile) after this long. */
  readonly sessionSeconds: number;
  readonly startMs: number;
}

interface VehicleTrack {
  engine: StyleEngine | undefined;
  session: number;
  sessionStartStep: number;
  predicted: string | null;
  confidence: number | null;
  aggressive: number | null;
  warmup: number;
  readonly speedHistory: number[];
  readonly aggressiveHistory: (number | null)[];
}

export class FleetMonitor {
  readonly options: FleetMonitorOptions;
  readonly #fleet: Fleet;
  readonly #tracks: VehicleTrack[] = [];
  #model: StyleModel | undefined;
  #labels: string[] = [...DRIVER_PROFILE_NAMES];
  #confusion: number[][] = [];
  #predictions = 0;
  #correct = 0;
  #steps = 0;
  #lastMs: number | undefined;
  #owedSteps = 0;
  readonly #sample = new Float64Array(SIGNAL_COUNT);

  constructor(options: FleetMonitorOptions) {
    this.options = options;
    this.#fleet = new Fleet({
      vehicles: options.vehicles,
      seed: options.seed,
      hz: FLEET_SAMPLE_HZ,
      drivers: 'mix',
      cars: 'mix',
      faults: { ...FAULT_PRESETS.default, clockSkew: 0 },
    });
    for (let i = 0; i < options.vehicles; i++) {
      this.#fleet.startSession(i, 0, options.startMs);
      this.#tracks.push({
        engine: undefined,
        session: 0,
        sessionStartStep: 0,
        predicted: null,
        confidence: null,
        aggressive: null,
        warmup: 0,
        speedHistory: [],
        aggressiveHistory: [],
      });
    }
    this.#resetConfusion();
  }

  get simulatedS(): number {
    return this.#steps / PHYSICS_HZ;
  }

  /** Scores with `model` from now on (undefined: none); the counts start again. */
  useModel(model: StyleModel | undefined): void {
    this.#model = model;
    const labels: string[] = [...DRIVER_PROFILE_NAMES];
    for (const label of model?.labels ?? []) if (!labels.includes(label)) labels.push(label);
    this.#labels = labels;
    this.#resetConfusion();
    for (const track of this.#tracks) {
      track.engine = model?.createEngine();
      track.predicted = null;
      track.confidence = null;
      track.aggressive = null;
      track.warmup = 0;
    }
  }

  /** Forget the wall clock: the next `advanceTo` starts from there (after a pause). */
  pause(): void {
    this.#lastMs = undefined;
    this.#owedSteps = 0;
  }

  /** Steps the fleet to wall time `nowMs` at the monitor's speed; scores every simulated second. */
  advanceTo(nowMs: number): void {
    if (this.#lastMs === undefined) {
      this.#lastMs = nowMs;
      return;
    }
    const elapsedMs = Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = nowMs;
    let steps = this.#owedSteps + (elapsedMs * this.options.speed * PHYSICS_HZ) / 1000;
    steps = Math.min(steps, MAX_CATCH_UP_S * PHYSICS_HZ);
    let whole = Math.floor(steps);
    this.#owedSteps = steps - whole;
    while (whole > 0) {
      const chunk = Math.min(whole, PHYSICS_HZ - (this.#steps % PHYSICS_HZ));
      this.#fleet.advance(chunk);
      this.#steps += chunk;
      whole -= chunk;
      this.#drainSamples();
      if (this.#steps % PHYSICS_HZ === 0) this.#everySecond();
    }
  }

  snapshot(model: ModelStatus, running: boolean): FleetSnapshot {
    const s = this.#fleet.state;
    const vehicles: FleetVehicleView[] = this.#tracks.map((track, i) => {
      const b = i * STRIDE;
      const setup = this.#fleet.sessions[i]!;
      return {
        vehicleId: vehicleId(i),
        car: setup.car.name,
        trueProfile: setup.driverProfile,
        speedKmh: Math.round(s.data[b + V.speedMps]! * 36) / 10,
        rpm: Math.round(s.data[b + V.engineRpm]!),
        gear: s.data[b + V.gear]!,
        predicted: track.predicted,
        confidence: track.confidence,
        aggressiveProbability: track.aggressive,
        warmup: track.warmup,
        speedHistory: [...track.speedHistory],
        aggressiveHistory: [...track.aggressiveHistory],
      };
    });
    return {
      running,
      vehicles,
      labels: [...this.#labels],
      confusion: this.#confusion.map((row) => [...row]),
      predictions: this.#predictions,
      accuracy: this.#predictions === 0 ? null : this.#correct / this.#predictions,
      model,
      speed: this.options.speed,
      simulatedS: Math.round(this.simulatedS * 10) / 10,
    };
  }

  #resetConfusion(): void {
    const n = this.#labels.length;
    this.#confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    this.#predictions = 0;
    this.#correct = 0;
  }

  #drainSamples(): void {
    const batch = this.#fleet.batch;
    const sample = this.#sample;
    for (let k = 0; k < batch.count; k++) {
      const engine = this.#tracks[batch.vehicle[k]!]!.engine;
      if (engine === undefined) continue;
      sample.set(batch.values.subarray(k * SIGNAL_COUNT, (k + 1) * SIGNAL_COUNT));
      engine.addSample({ timeMs: batch.timeMs[k]!, values: sample });
    }
    batch.clear();
  }

  #everySecond(): void {
    const d = this.#fleet.state.data;
    const sessionSteps = Math.max(1, Math.round(this.options.sessionSeconds * PHYSICS_HZ));
    for (let i = 0; i < this.#tracks.length; i++) {
      const track = this.#tracks[i]!;
      const truth = this.#fleet.sessions[i]!.driverProfile;
      const prediction = track.engine?.getPrediction() ?? null;
      track.warmup =
        track.engine === undefined ? 0 : prediction ? 1 : track.engine.warmupProgress();
      track.predicted = prediction?.label ?? null;
      track.confidence = prediction?.confidence ?? null;
      track.aggressive = prediction?.aggressiveProbability ?? null;
      if (prediction !== null) {
        const row = this.#labels.indexOf(truth);
        const column = this.#labels.indexOf(prediction.label);
        if (row >= 0 && column >= 0) this.#confusion[row]![column]!++;
        this.#predictions++;
        if (prediction.label === truth) this.#correct++;
      }
      push(track.speedHistory, Math.round(d[i * STRIDE + V.speedMps]! * 36) / 10);
      push(track.aggressiveHistory, track.aggressive);
      // A new session: the next profile in the rotation, a fresh window.
      if (this.#steps - track.sessionStartStep >= sessionSteps) {
        track.session++;
        track.sessionStartStep = this.#steps;
        this.#fleet.startSession(i, track.session, this.options.startMs + this.simulatedS * 1000);
        track.engine = this.#model?.createEngine();
        track.predicted = null;
        track.confidence = null;
        track.aggressive = null;
        track.warmup = 0;
      }
    }
  }
}

function push<T>(history: T[], value: T): void {
  history.push(value);
  if (history.length > SPARKLINE_POINTS) history.shift();
}

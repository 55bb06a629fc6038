// The real-time inference engine of one vehicle session: samples in (telemetry events or
// the simulator's signal records), a sliding 10-second event-time window of gold's
// features, and once per second of event time a driving-style prediction from the current
// model. The model can be swapped at any time (`setModel`, or a shared ModelSlot that a
// ModelWatcher updates) without losing the window.
import type { TelemetryEvent } from '../telemetry/events.js';
import { SIGNAL_COUNT, SIGNALS } from '../telemetry/signals.js';
import { WINDOW_SECONDS, type FeatureSpec } from '../pipeline/gold/feature-spec.js';
import { parseEventTimeUs } from './event-time.js';
import { ModelSlot, type StyleModel } from './model.js';
import {
  SAMPLE_OUTCOMES,
  SlidingFeatureWindow,
  type SampleOutcome,
  type WindowFeatures,
} from './sliding-window.js';

/** A sample as the simulator or a manual drive produces it. */
export interface SignalRecord {
  /** Event time, epoch milliseconds (fractions allowed). */
  readonly timeMs: number;
  /** Signal values in `SIGNALS` order from `offset`; NaN for a missing value. */
  readonly values: ArrayLike<number>;
  readonly offset?: number;
  /** Position in the session, when known: duplicates of a recent `seq` are dropped. */
  readonly seq?: number;
}

/** What `addSample` takes: a schema-v1 telemetry event object or a signal record. */
export type EngineSample = TelemetryEvent | SignalRecord;

/** One driving-style verdict, for the window that ended at `windowEndMs`. */
export interface StylePrediction {
  /** The most probable class. */
  readonly label: string;
  /** Probability of every class of the model. */
  readonly probabilities: Readonly<Record<string, number>>;
  /** Probability of `aggressive`; 0 when the model has no such class. */
  readonly aggressiveProbability: number;
  /** Probability of `label` (the top class). */
  readonly confidence: number;
  /** The window's features in `featureNames` order (NaN where gold has null). */
  readonly features: Float64Array;
  readonly featureNames: readonly string[];
  readonly modelVersion: string;
  /** Exclusive end of the window, epoch milliseconds: the window is [end − 10 s, end). */
  readonly windowEndMs: number;
  /** Seconds of the window that held data (1–10). */
  readonly windowSeconds: number;
  readonly sampleCount: number;
}

/** Warm-up progress: `seconds` of data in the current window, `needed` before predictions. */
export interface WarmupStatus {
  readonly ready: boolean;
  readonly seconds: number;
  readonly needed: number;
}

export interface InferenceEngineOptions {
  /** The model, or a slot shared with other engines (they swap together). */
  readonly model?: StyleModel | ModelSlot;
  /** Whole seconds a sample may arrive late, 0–60. Default 1 (see sliding-window.ts). */
  readonly allowedLatenessS?: number;
  /**
   * Seconds with data a window needs before the first prediction (and again after a gap
   * that broke the window), 1–10. Default 10: a full window.
   */
  readonly warmupSeconds?: number;
  /**
   * Once warm, windows with at least this many seconds of data are still scored (short
   * dropouts); a window with fewer makes the engine cold again. 1–`warmupSeconds`. Default 6.
   */
  readonly minWindowSeconds?: number;
  /** Called with every prediction, once per second of event time while warm. */
  readonly onPrediction?: (prediction: StylePrediction) => void;
  /** Called with every window (also while cold or without a model); `values` is reused. */
  readonly onWindow?: (window: WindowFeatures) => void;
  /**
   * `false`: the engine tracks warm-up but does not call the model; every window it would
   * score goes to `onWarmWindow` instead, for a caller that scores many windows at once
   * (the fleet scorer). Default true.
   */
  readonly score?: boolean;
  /** With `score: false`: each window to be scored (`values` is reused). */
  readonly onWarmWindow?: (window: WindowFeatures) => void;
  readonly features?: readonly FeatureSpec[];
}

export const ENGINE_DEFAULTS = { warmupSeconds: WINDOW_SECONDS, minWindowSeconds: 6 } as const;

/**
 * One vehicle session's live inference.
 *
 * @example
 * const engine = new InferenceEngine({ model });
 * for (const event of events) engine.addSample(event);
 * engine.getPrediction(); // null while warming up, else { label, aggressiveProbability, … }
 * engine.warmup(); // { ready: false, seconds: 4, needed: 10 }
 */
export class InferenceEngine {
  readonly featureNames: readonly string[];
  readonly warmupSeconds: number;
  readonly minWindowSeconds: number;
  onPrediction: ((prediction: StylePrediction) => void) | undefined;
  onWindow: ((window: WindowFeatures) => void) | undefined;
  readonly #score: boolean;
  readonly #onWarmWindow: ((window: WindowFeatures) => void) | undefined;
  readonly #window: SlidingFeatureWindow;
  readonly #slot: ModelSlot;
  readonly #signals = new Float64Array(SIGNAL_COUNT);
  #warm = false;
  #latest: StylePrediction | null = null;
  /** Features of the latest window that was scored (re-scored by `setModel`). */
  #lastWindow: { features: Float64Array; end: number; seconds: number; samples: number } | null =
    null;
  // Model buffers, sized for the slot's model of generation #generation.
  #generation = -1;
  #input = new Float64Array(0);
  #proba = new Float64Array(0);
  #predictions = 0;

  constructor(options: InferenceEngineOptions = {}) {
    this.#window = new SlidingFeatureWindow({
      ...(options.features === undefined ? {} : { features: options.features }),
      ...(options.allowedLatenessS === undefined
        ? {}
        : { allowedLatenessS: options.allowedLatenessS }),
      onWindow: (window) => this.#onWindow(window),
    });
    this.featureNames = this.#window.featureNames;
    const warmup = options.warmupSeconds ?? ENGINE_DEFAULTS.warmupSeconds;
    if (!Number.isInteger(warmup) || warmup < 1 || warmup > WINDOW_SECONDS)
      throw new RangeError(
        `warmupSeconds must be a whole number 1-${WINDOW_SECONDS}, got ${warmup}`,
      );
    const minimum = options.minWindowSeconds ?? Math.min(ENGINE_DEFAULTS.minWindowSeconds, warmup);
    if (!Number.isInteger(minimum) || minimum < 1 || minimum > warmup)
      throw new RangeError(`minWindowSeconds must be a whole number 1-${warmup}, got ${minimum}`);
    this.warmupSeconds = warmup;
    this.minWindowSeconds = minimum;
    this.onPrediction = options.onPrediction;
    this.onWindow = options.onWindow;
    this.#score = options.score ?? true;
    this.#onWarmWindow = options.onWarmWindow;
    const model = options.model;
    if (model instanceof ModelSlot) {
      if (!sameNames(model.featureNames, this.featureNames))
        throw new RangeError('the model slot was made for other features than this engine');
      this.#slot = model;
    } else {
      this.#slot = new ModelSlot(this.featureNames, model);
    }
  }

  /** Adds a telemetry event or a signal record; tells what was done with it. */
  addSample(sample: EngineSample): SampleOutcome {
    if ('signals' in sample) {
      const values = this.#signals;
      const signals = sample.signals;
      for (let k = 0; k < SIGNAL_COUNT; k++) {
        const v = signals[SIGNALS[k]!.name];
        values[k] = typeof v === 'number' ? v : Number.NaN;
      }
      return SAMPLE_OUTCOMES[
        this.addValues(parseEventTimeUs(sample.event_time), values, 0, sample.seq)
      ]!;
    }
    return SAMPLE_OUTCOMES[
      this.addValues(sample.timeMs * 1000, sample.values, sample.offset ?? 0, sample.seq ?? -1)
    ]!;
  }

  /**
   * The allocation-free form of `addSample`: event time in epoch microseconds, values in
   * `SIGNALS` order from `offset`. Returns 0 accepted, 1 late, 2 duplicate, 3 invalid time
   * (the index into SAMPLE_OUTCOMES).
   */
  addValues(timeUs: number, values: ArrayLike<number>, offset = 0, seq = -1): number {
    return this.#window.add(timeUs, values, offset, seq);
  }

  /** Emits the windows of the seconds still open: call it when the session ends. */
  flush(): void {
    this.#window.flush();
  }

  /** The latest prediction; null while warming up (or without a model). */
  getPrediction(): StylePrediction | null {
    return this.#latest;
  }

  warmup(): WarmupStatus {
    return {
      ready: this.#warm,
      seconds: this.#window.secondsWithData(),
      needed: this.warmupSeconds,
    };
  }

  /** Samples accepted and dropped so far, windows emitted, predictions made. */
  stats(): {
    accepted: number;
    late: number;
    duplicate: number;
    invalidTime: number;
    windows: number;
    predictions: number;
  } {
    return { ...this.#window.counts, predictions: this.#predictions };
  }

  get model(): StyleModel | undefined {
    return this.#slot.model;
  }

  /** The slot this engine reads its model from (share it to swap many engines at once). */
  get modelSlot(): ModelSlot {
    return this.#slot;
  }

  /**
   * Swaps the model (of every engine sharing this engine's slot); the window is kept. When
   * warm, the latest window is scored again at once so `getPrediction` shows the new model.
   * Throws MlError, keeping the old model, when the new one cannot read these features.
   */
  setModel(model: StyleModel): void {
    this.#slot.set(model);
    const last = this.#lastWindow;
    if (this.#warm && last !== null) {
      this.#latest = this.#predict(last.features, last.end, last.seconds, last.samples, false);
    }
  }

  #onWindow(window: WindowFeatures): void {
    this.onWindow?.(window);
    if (window.windowSeconds < (this.#warm ? this.minWindowSeconds : this.warmupSeconds)) {
      // Not enough of the window holds data: warming up, or again after a gap.
      this.#warm = false;
      this.#latest = null;
      this.#lastWindow = null;
      return;
    }
    this.#warm = true;
    if (!this.#score) {
      this.#onWarmWindow?.(window);
      return;
    }
    const features = Float64Array.from(window.values);
    this.#lastWindow = {
      features,
      end: window.windowEnd,
      seconds: window.windowSeconds,
      samples: window.sampleCount,
    };
    this.#latest = this.#predict(
      features,
      window.windowEnd,
      window.windowSeconds,
      window.sampleCount,
      true,
    );
  }

  #predict(
    features: Float64Array,
    windowEnd: number,
    windowSeconds: number,
    sampleCount: number,
    announce: boolean,
  ): StylePrediction | null {
    const slot = this.#slot;
    const model = slot.model;
    if (model === undefined) return null;
    if (this.#generation !== slot.generation) {
      this.#generation = slot.generation;
      this.#input = new Float64Array(model.featureNames.length);
      this.#proba = new Float64Array(model.classes.length);
    }
    const columns = slot.columns;
    const input = this.#input;
    for (let k = 0; k < columns.length; k++) input[k] = features[columns[k]!]!;
    const proba = this.#proba;
    model.predictProbaRow(input, proba);
    const prediction = stylePrediction(slot, proba, 0, {
      features,
      featureNames: this.featureNames,
      windowEndMs: windowEnd * 1000,
      windowSeconds,
      sampleCount,
    });
    if (announce) {
      this.#predictions++;
      this.onPrediction?.(prediction);
    }
    return prediction;
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, k) => name === b[k]);
}

/**
 * The prediction of one window from its class probabilities (`proba[offset …]`, in the
 * slot's model's class order): the top class, its probability, `aggressive`'s.
 */
export function stylePrediction(
  slot: ModelSlot,
  proba: Float64Array,
  offset: number,
  window: Pick<
    StylePrediction,
    'features' | 'featureNames' | 'windowEndMs' | 'windowSeconds' | 'sampleCount'
  >,
): StylePrediction {
  const model = slot.model!;
  const classes = model.classes;
  let best = 0;
  const probabilities: Record<string, number> = {};
  for (let c = 0; c < classes.length; c++) {
    probabilities[classes[c]!] = proba[offset + c]!;
    if (proba[offset + c]! > proba[offset + best]!) best = c;
  }
  const aggressive = slot.aggressiveIndex;
  return {
    label: classes[best]!,
    probabilities,
    aggressiveProbability: aggressive < 0 ? 0 : proba[offset + aggressive]!,
    confidence: proba[offset + best]!,
    ...window,
    modelVersion: model.version,
  };
}

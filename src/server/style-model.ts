// What the cockpit needs from live driving-style inference, as a narrow interface: a model
// source that opens a model URI, and per-vehicle engines fed with samples that answer with
// a prediction once warm. `inference-source.ts` adapts Pitwall's inference engine to it;
// tests may pass their own source.

/** One telemetry sample: event time and the signal values in `SIGNALS` order (NaN: null). */
export interface LiveSample {
  readonly timeMs: number;
  readonly values: Float64Array;
}

export interface StylePrediction {
  readonly label: string;
  readonly probabilities: Readonly<Record<string, number>>;
  readonly aggressiveProbability: number;
  readonly confidence: number;
  readonly modelVersion: string;
}

/** One vehicle's sliding window and model. */
export interface StyleEngine {
  addSample(sample: LiveSample): void;
  /** Null while warming up. */
  getPrediction(): StylePrediction | null;
  /** Warm-up progress, 0 (empty window) to 1 (predictions available). */
  warmupProgress(): number;
}

/** An opened model: engines for as many vehicles as needed. */
export interface StyleModel {
  readonly version: string;
  readonly labels: readonly string[];
  createEngine(): StyleEngine;
  /** Releases what the model holds (workers, files); engines stop working. */
  close?(): Promise<void> | void;
}

/**
 * Opens models by URI. Resolves `undefined` with a reason when no model exists there (a
 * fresh install has none), and throws only when something is broken.
 */
export interface StyleModelSource {
  open(uri: string): Promise<{ model: StyleModel } | { model: undefined; reason: string }>;
}

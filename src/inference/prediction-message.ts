// The messages `pitwall score` writes to the predictions topic: one JSON object per vehicle
// session and second, keyed by vehicle id. Schema in docs/inference.md ("Predictions topic").
import type { StylePrediction } from './engine.js';

export const PREDICTION_SCHEMA_VERSION = 1;
export const PREDICTION_KIND = 'driving_style_prediction';

/** One message on the predictions topic (version 1). */
export interface PredictionMessage {
  readonly schema_version: typeof PREDICTION_SCHEMA_VERSION;
  readonly kind: typeof PREDICTION_KIND;
  readonly vehicle_id: string;
  readonly session_id: string;
  /** Exclusive end of the 10-second window, ISO 8601 UTC with milliseconds. */
  readonly window_end: string;
  /** Seconds of the window that held data (1–10). */
  readonly window_seconds: number;
  readonly sample_count: number;
  readonly label: string;
  /** Probability of `label`. */
  readonly confidence: number;
  /** Probability of `aggressive` (0 when the model has no such class). */
  readonly aggressive_probability: number;
  /** Every class of the model → its probability. */
  readonly probabilities: Readonly<Record<string, number>>;
  readonly model_version: string;
  /** When the scorer produced it, ISO 8601 UTC. */
  readonly scored_at: string;
  /** With `--with-features`: the window's gold features (null where gold has null). */
  readonly features?: Readonly<Record<string, number | null>>;
}

/** The message of a prediction. */
export function predictionMessage(
  vehicleId: string,
  sessionId: string,
  prediction: StylePrediction,
  scoredAtMs: number,
  withFeatures: boolean,
): PredictionMessage {
  const message: PredictionMessage = {
    schema_version: PREDICTION_SCHEMA_VERSION,
    kind: PREDICTION_KIND,
    vehicle_id: vehicleId,
    session_id: sessionId,
    window_end: new Date(prediction.windowEndMs).toISOString(),
    window_seconds: prediction.windowSeconds,
    sample_count: prediction.sampleCount,
    label: prediction.label,
    confidence: prediction.confidence,
    aggressive_probability: prediction.aggressiveProbability,
    probabilities: prediction.probabilities,
    model_version: prediction.modelVersion,
    scored_at: new Date(scoredAtMs).toISOString(),
  };
  if (!withFeatures) return message;
  const features: Record<string, number | null> = {};
  prediction.featureNames.forEach((name, k) => {
    const v = prediction.features[k]!;
    features[name] = Number.isNaN(v) ? null : v;
  });
  return { ...message, features };
}

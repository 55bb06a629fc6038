// Live inference: gold's features over a sliding 10-second event-time window per vehicle,
// a driving-style prediction every second, hot-swappable models, and the fleet scoring
// service. `import { InferenceEngine } from 'pitwall/inference'`.
export {
  InferenceEngine,
  ENGINE_DEFAULTS,
  type EngineSample,
  type InferenceEngineOptions,
  type SignalRecord,
  type StylePrediction,
  type WarmupStatus,
} from './engine.js';
export {
  SlidingFeatureWindow,
  SLIDING_WINDOW_DEFAULTS,
  MAX_ALLOWED_LATENESS_S,
  SAMPLE_OUTCOMES,
  ACCEPTED,
  LATE,
  DUPLICATE,
  INVALID_TIME,
  type SampleOutcome,
  type SlidingWindowOptions,
  type WindowFeatures,
} from './sliding-window.js';
export { AGGRESSIVE_CLASS, ModelSlot, checkStyleModel, type StyleModel } from './model.js';
export {
  ModelWatcher,
  MODEL_WATCHER_DEFAULTS,
  type ModelResolver,
  type ModelWatcherOptions,
  type PublishedModel,
} from './model-watcher.js';
export { forestStyleModel } from './forest-model.js';
export {
  contentVersion,
  fileModelResolver,
  loadModelDir,
  loadModelFile,
  loadModelUri,
  modelFileOfDir,
  registryModelResolver,
} from './model-source.js';
export { parseEventTimeUs, parseEventTimeBytes } from './event-time.js';
export {
  TelemetryDecoder,
  MESSAGE_PROBLEMS,
  DECODED_KINDS,
  type DecodedKind,
  type DecodedMessage,
  type MessageProblem,
} from './telemetry-decoder.js';
export {
  FleetScorer,
  FLEET_SCORER_DEFAULTS,
  type FleetScorerOptions,
  type ScoreProgress,
  type ScoreSummary,
} from './fleet-scorer.js';
export { ScoreMetrics, SAMPLE_DROPS, type SampleDrop } from './metrics.js';
export {
  predictionMessage,
  PREDICTION_KIND,
  PREDICTION_SCHEMA_VERSION,
  type PredictionMessage,
} from './prediction-message.js';

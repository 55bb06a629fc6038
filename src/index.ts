// Pitwall's public API: `import { FleetRunner, SIGNALS } from 'pitwall'`.
export * from './sim/index.js';
export * from './telemetry/index.js';
export {
  PitwallError,
  UsageError,
  ProfileError,
  ScenarioError,
  SchemaError,
  ERROR_CODES,
  type ErrorCode,
} from './errors.js';
export { parseDuration, formatDuration } from './duration.js';
export * as lake from './lake/index.js';
export * as log from './log/index.js';
export * as ml from './ml/index.js';
export { RandomForestClassifier, featureMatrix, type FeatureMatrix } from './ml/forest/index.js';

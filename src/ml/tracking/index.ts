// MLflow-compatible tracking: the file store (default, `./mlruns`) and a tracking server's
// REST API behind one API. See docs/tracking.md.
export {
  openTracking,
  openTrackingStore,
  trackingTargetOf,
  Tracking,
  type OpenTrackingOptions,
  type StartRunOptions,
} from './tracking.js';
export {
  RunHandle,
  type LogModelOptions,
  type LoggedModel,
  type ParamValue,
} from './run-handle.js';
export {
  MLFLOW_ENV,
  DEFAULT_TRACKING_DIR,
  REST_DEFAULTS,
  parseTrackingUri,
  restSettingsFromEnv,
  type RestSettings,
  type RetrySettings,
  type TrackingTarget,
} from './settings.js';
export {
  RUN_STATUSES,
  LIFECYCLE_STAGES,
  type ArtifactInfo,
  type ArtifactRepository,
  type CreateRunRequest,
  type Experiment,
  type KeyValue,
  type LifecycleStage,
  type LogBatch,
  type Metric,
  type MetricInput,
  type Run,
  type RunData,
  type RunInfo,
  type RunStatus,
  type TrackingStore,
  type UpdateRunRequest,
} from './types.js';
export { MLFLOW_LIMITS } from './validation.js';
export {
  FileTrackingStore,
  DEFAULT_EXPERIMENT_ID,
  DEFAULT_EXPERIMENT_NAME,
} from './file/file-store.js';
export { LocalArtifactRepository, fileUriOfPath, localPathOfUri } from './file/local-artifacts.js';
export { RestTrackingStore } from './rest/rest-store.js';
export { MlflowHttpClient, type HttpMethod, type HttpResponse } from './rest/http-client.js';
export { ProxyArtifactRepository } from './rest/proxy-artifacts.js';
export { splitBatch, MLFLOW_BATCH_LIMITS, type BatchLimits } from './rest/batch.js';
export {
  MLMODEL_FILE,
  PITWALL_FLAVOR,
  mlmodelYaml,
  type MlmodelSpec,
  type ModelSignature,
  type SignatureColumn,
} from './mlmodel.js';
export { SYSTEM_TAGS, defaultRunTags } from './run-context.js';

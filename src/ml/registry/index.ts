// MLflow-compatible model registry: registered models, versions, aliases and tags, in the
// file store beside the runs or on a tracking server; model URIs resolved to folders.
export { openRegistry, registryFor } from './open.js';
export { FileModelRegistry } from './file-registry.js';
export { RestModelRegistry } from './rest-registry.js';
export {
  DEFAULT_MODEL_CACHE_DIR,
  parseModelUri,
  resolveModel,
  resolveModelUri,
  type ModelUri,
  type ResolveModelOptions,
  type ResolvedModel,
} from './model-uri.js';
export type {
  CreateModelVersionRequest,
  ModelRegistry,
  ModelVersion,
  RegisteredModel,
} from './types.js';

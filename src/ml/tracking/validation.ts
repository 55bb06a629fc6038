// MLflow's rules for names, ids and values (mlflow/utils/validation.py), checked before
// anything is written or sent, so a bad key fails with one clear line instead of a server
// error or a file in the wrong place (metric, param and tag keys become file paths).
import path from 'node:path';
import { ERROR_CODES, TrackingError } from '../../errors.js';

/** MLflow's limits per log-batch request and per value (mlflow/utils/validation.py). */
export const MLFLOW_LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  registryTagValueLength: 100_000,
  experimentNameLength: 500,
  aliasLength: 255,
} as const;

// Python's `\w` on str is Unicode letters and digits plus `_`; MLflow adds `/ . - space :`.
const KEY_CHARACTERS = /^[\p{L}\p{N}_/.\- :]*$/u;
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;
const ALIAS = /^[\p{L}\p{N}_-]+$/u;
const VERSION_ALIAS = /^[vV]\d+$/;

export function invalidArgument(message: string): TrackingError {
  return new TrackingError(ERROR_CODES.trackingInvalidArgument, message);
}

/**
 * True when `name` would name a different file than itself (`a//b`, `./a`, `a/`, `../a`,
 * `/a`): MLflow's `path_not_unique`, with Python's `posixpath.normpath` semantics.
 */
function pathNotUnique(name: string): boolean {
  let norm = path.posix.normalize(name);
  if (norm.length > 1 && norm.endsWith('/')) norm = norm.slice(0, -1);
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

/** A metric, param or tag key: what MLflow accepts, and safe as a relative file path. */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: unknown): string {
  if (typeof key !== 'string' || key === '') {
    throw invalidArgument(`${kind} key must be a non-empty string (got ${JSON.stringify(key)})`);
  }
  if (!KEY_CHARACTERS.test(key)) {
    throw invalidArgument(
      `${kind} key ${JSON.stringify(key)} is invalid: keys may only contain letters, digits, ` +
        `underscores, dashes, periods, spaces, colons and slashes`,
    );
  }
  if (pathNotUnique(key)) {
    throw invalidArgument(
      `${kind} key ${JSON.stringify(key)} is invalid: it must be a clean relative path ` +
        `(no leading or trailing /, no //, . or ..)`,
    );
  }
  if (key.length > MLFLOW_LIMITS.keyLength) {
    throw invalidArgument(
      `${kind} key ${JSON.stringify(key.slice(0, 40))}… is ${key.length} characters (at most ${MLFLOW_LIMITS.keyLength})`,
    );
  }
  return key;
}

export function validateParamValue(key: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw invalidArgument(`param ${key} must be a string (got ${typeof value})`);
  }
  if (value.length > MLFLOW_LIMITS.paramValueLength) {
    throw invalidArgument(
      `param ${key} is ${value.length} characters long (MLflow allows ${MLFLOW_LIMITS.paramValueLength})`,
    );
  }
  return value;
}

export function validateTagValue(key: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw invalidArgument(`tag ${key} must be a string (got ${typeof value})`);
  }
  if (value.length > MLFLOW_LIMITS.tagValueLength) {
    throw invalidArgument(
      `tag ${key} is ${value.length} characters long (MLflow allows ${MLFLOW_LIMITS.tagValueLength})`,
    );
  }
  return value;
}

/** A registered-model or model-version tag value (MLflow allows longer ones than run tags). */
export function validateRegistryTagValue(key: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw invalidArgument(`registry tag ${key} must be a string (got ${typeof value})`);
  }
  if (value.length > MLFLOW_LIMITS.registryTagValueLength) {
    throw invalidArgument(
      `registry tag ${key} is ${value.length} characters long (MLflow allows ${MLFLOW_LIMITS.registryTagValueLength})`,
    );
  }
  return value;
}

/** A metric's value (any double, NaN and ±Infinity included), timestamp and step (integers). */
export function validateMetricNumbers(
  key: string,
  value: unknown,
  timestamp: unknown,
  step: unknown,
): void {
  if (typeof value !== 'number') {
    throw invalidArgument(`metric ${key} must be a number (got ${typeof value})`);
  }
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp)) {
    throw invalidArgument(
      `metric ${key}: timestamp must be an integer of milliseconds (got ${String(timestamp)})`,
    );
  }
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) {
    throw invalidArgument(`metric ${key}: step must be an integer (got ${String(step)})`);
  }
}

export function validateRunId(runId: unknown): string {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) {
    throw invalidArgument(
      `invalid run id ${JSON.stringify(runId)}: expected letters, digits, _ or -`,
    );
  }
  return runId;
}

export function validateExperimentId(experimentId: unknown): string {
  if (typeof experimentId !== 'string' || !EXPERIMENT_ID.test(experimentId)) {
    throw invalidArgument(
      `invalid experiment id ${JSON.stringify(experimentId)}: expected letters, digits, _ or -`,
    );
  }
  return experimentId;
}

export function validateExperimentName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalidArgument(
      `experiment name must be a non-empty string (got ${JSON.stringify(name)})`,
    );
  }
  if (name.length > MLFLOW_LIMITS.experimentNameLength) {
    throw invalidArgument(
      `experiment name is ${name.length} characters long (at most ${MLFLOW_LIMITS.experimentNameLength})`,
    );
  }
  return name;
}

/** A registered model name: MLflow's rules plus the file store's (no `/`, `:`, `%`, clean path). */
export function validateModelName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalidArgument(
      `registered model name must be a non-empty string (got ${JSON.stringify(name)})`,
    );
  }
  if (/[/:%\\]/.test(name) || pathNotUnique(name) || name.includes('\n')) {
    throw invalidArgument(
      `invalid registered model name ${JSON.stringify(name)}: names cannot contain / : % \\ or a line break, nor be . or ..`,
    );
  }
  return name;
}

/** An alias: letters, digits, `_` and `-`; not `latest` and not a version alias like `v3`. */
export function validateAlias(alias: unknown): string {
  if (typeof alias !== 'string' || !ALIAS.test(alias)) {
    throw invalidArgument(
      `invalid alias ${JSON.stringify(alias)}: aliases may only contain letters, digits, _ and -`,
    );
  }
  if (alias.length > MLFLOW_LIMITS.aliasLength) {
    throw invalidArgument(
      `alias is ${alias.length} characters long (at most ${MLFLOW_LIMITS.aliasLength})`,
    );
  }
  if (alias.toLowerCase() === 'latest') {
    throw invalidArgument(
      `alias "latest" is reserved by MLflow (it always means the newest version)`,
    );
  }
  if (VERSION_ALIAS.test(alias)) {
    throw invalidArgument(
      `alias ${JSON.stringify(alias)} is reserved by MLflow for version ${alias.slice(1)}`,
    );
  }
  return alias;
}

/** A model version: a positive integer, given as a number or its decimal text. */
export function validateVersion(version: unknown): number {
  const text = typeof version === 'number' ? String(version) : version;
  if (typeof text !== 'string' || !/^[1-9]\d{0,15}$/.test(text.trim())) {
    throw invalidArgument(
      `model version must be a positive integer (got ${JSON.stringify(version)})`,
    );
  }
  return Number(text.trim());
}

/** An artifact path inside a run: relative, `/`-separated, without `..` (empty means the root). */
export function normalizeArtifactPath(artifactPath: string | undefined): string {
  if (artifactPath === undefined) return '';
  const trimmed = artifactPath.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  const parts = trimmed.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..' || part.includes('\\'))) {
    throw invalidArgument(
      `invalid artifact path ${JSON.stringify(artifactPath)}: use a relative path without ., .. or empty parts`,
    );
  }
  return trimmed;
}

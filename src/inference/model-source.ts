// Where the engine's models come from: a model file (`--model-file`), a model folder with
// an MLflow `MLmodel` file, or a model URI resolved through the registry
// (`models:/driving-style@production`, `models:/driving-style/3`, `runs:/<id>/model`). A URI
// becomes a ModelResolver, so a ModelWatcher can poll it and pick up a moved alias.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ERROR_CODES, IoError, MlError, TrackingError } from '../errors.js';
import { RandomForestClassifier } from '../ml/forest/index.js';
import { parseModelUri, resolveModel, type ResolveModelOptions } from '../ml/registry/index.js';
import { trackingTargetOf } from '../ml/tracking/tracking.js';
import { MLMODEL_FILE, PITWALL_FLAVOR } from '../ml/tracking/mlmodel.js';
import { forestStyleModel } from './forest-model.js';
import type { StyleModel } from './model.js';
import type { ModelResolver, PublishedModel } from './model-watcher.js';

async function readBytes(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new IoError(
      `cannot read ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** `sha256:` and the first 12 hex digits of the bytes: a version for an unregistered file. */
export function contentVersion(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
}

/**
 * Loads a model file written by `RandomForestClassifier.save`; its version is `version` or
 * else the file's content hash.
 */
export async function loadModelFile(file: string, version?: string): Promise<StyleModel> {
  const bytes = await readBytes(file, 'model file');
  let forest: RandomForestClassifier;
  try {
    forest = RandomForestClassifier.fromBuffer(bytes);
  } catch (error) {
    if (error instanceof MlError) throw new MlError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
  return forestStyleModel(forest, version ?? contentVersion(bytes));
}

/** The model file named by a model folder's `MLmodel` (the `pitwall` flavor's `model_file`). */
export async function modelFileOfDir(dir: string): Promise<string> {
  const mlmodel = path.join(dir, MLMODEL_FILE);
  const text = (await readBytes(mlmodel, 'the MLmodel file')).toString('utf8');
  let document: unknown;
  try {
    document = YAML.parse(text);
  } catch (error) {
    throw new MlError(`${mlmodel} is not YAML: ${error instanceof Error ? error.message : ''}`, {
      cause: error,
    });
  }
  const flavors = (document as { flavors?: Record<string, { model_file?: unknown }> } | null)
    ?.flavors;
  const file = flavors?.[PITWALL_FLAVOR]?.model_file;
  if (typeof file !== 'string' || file === '' || file.includes('/') || file.includes('\\')) {
    throw new MlError(
      `${mlmodel} has no ${PITWALL_FLAVOR} flavor with a model_file: not a Pitwall model folder`,
    );
  }
  return path.join(dir, file);
}

/** Loads the model of a model folder (MLflow layout, `pitwall` flavor). */
export async function loadModelDir(dir: string, version?: string): Promise<StyleModel> {
  return loadModelFile(await modelFileOfDir(dir), version);
}

/**
 * What a model URI publishes now: a registered version is `<name>/<version>`, a run's model
 * `runs:/<id>/<path>` with the model file's hash, a folder its model file's hash. Polled by
 * a ModelWatcher, an alias that moves to another version yields another version string.
 *
 * @example
 * const watcher = new ModelWatcher({ resolve: registryModelResolver('models:/driving-style@production'), slot });
 */
export function registryModelResolver(
  uri: string,
  options: ResolveModelOptions = {},
): ModelResolver {
  return async (): Promise<PublishedModel> => {
    // Reading must not create an empty store (the file store's open would).
    if (parseModelUri(uri).kind !== 'local') {
      const target = trackingTargetOf(options);
      if (target.kind === 'file' && !existsSync(target.root)) {
        throw new TrackingError(
          ERROR_CODES.trackingNotFound,
          `no model ${uri}: there is no tracking store at ${target.root} (train and register a model first)`,
        );
      }
    }
    const resolved = await resolveModel(uri, options);
    const registered = resolved.version;
    if (registered !== undefined) {
      const version = `${registered.name}/${registered.version}`;
      return { version, load: () => loadModelDir(resolved.localDir, version) };
    }
    // Unregistered (a run's folder, a local folder): the content decides.
    const file = await modelFileOfDir(resolved.localDir);
    const hash = contentVersion(await readBytes(file, 'model file'));
    const version = resolved.runId === undefined ? hash : `run:${resolved.runId}@${hash}`;
    return { version, load: () => loadModelFile(file, version) };
  };
}

/** A model file as a ModelResolver: its content hash is its version (a rewritten file swaps). */
export function fileModelResolver(file: string): ModelResolver {
  return async (): Promise<PublishedModel> => {
    const version = contentVersion(await readBytes(file, 'model file'));
    return { version, load: () => loadModelFile(file, version) };
  };
}

/** Loads whatever a model URI names now (see registryModelResolver for the version). */
export async function loadModelUri(
  uri: string,
  options: ResolveModelOptions = {},
): Promise<StyleModel> {
  return (await registryModelResolver(uri, options)()).load();
}

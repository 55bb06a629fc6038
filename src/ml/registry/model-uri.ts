// Model URIs as MLflow spells them, resolved to a local folder holding the model:
//   models:/<name>/<version>     a registered version
//   models:/<name>@<alias>       the version an alias points at
//   models:/<name>/latest        the newest version
//   runs:/<run_id>/<path>        a folder among a run's artifacts
// plus a local folder or `file:` URI as itself. Local sources are used in place; a
// server's artifacts are downloaded once into a cache folder (registered versions and
// ended runs never change, so a cached copy stays valid).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ERROR_CODES, TrackingError } from '../../errors.js';
import { localPathOfUri } from '../tracking/file/local-artifacts.js';
import { errnoCode } from '../tracking/file/store-files.js';
import {
  openTrackingStore,
  trackingTargetOf,
  type OpenTrackingOptions,
} from '../tracking/tracking.js';
import type { TrackingStore } from '../tracking/types.js';
import {
  normalizeArtifactPath,
  validateAlias,
  validateModelName,
  validateRunId,
  validateVersion,
} from '../tracking/validation.js';
import { registryFor } from './open.js';
import type { ModelRegistry, ModelVersion } from './types.js';

export type ModelUri =
  | { readonly kind: 'version'; readonly name: string; readonly version: number }
  | { readonly kind: 'alias'; readonly name: string; readonly alias: string }
  | { readonly kind: 'latest'; readonly name: string }
  | { readonly kind: 'run'; readonly runId: string; readonly artifactPath: string }
  | { readonly kind: 'local'; readonly path: string };

export const DEFAULT_MODEL_CACHE_DIR = '.pitwall/cache/models';
const STAGES = new Set(['none', 'staging', 'production', 'archived']);
const MAX_SOURCE_HOPS = 5;

function badUri(uri: string, why: string): TrackingError {
  return new TrackingError(
    ERROR_CODES.trackingInvalidArgument,
    `invalid model URI ${JSON.stringify(uri)}: ${why}`,
  );
}

/**
 * Parses a model URI without touching any store.
 *
 * @example
 * parseModelUri('models:/driving-style@production'); // { kind: 'alias', name: 'driving-style', alias: 'production' }
 * parseModelUri('runs:/4edd825e614245b1991fcd2d7f87971c/model');
 */
export function parseModelUri(uri: string): ModelUri {
  const text = uri.trim();
  const expected =
    'expected models:/<name>/<version>, models:/<name>@<alias>, runs:/<run_id>/<path> or a local folder';
  if (text === '') throw badUri(uri, expected);
  if (text.startsWith('models:')) {
    if (!text.startsWith('models:/') || text.startsWith('models://')) {
      throw badUri(uri, `${expected} (no host or profile after models:)`);
    }
    const rest = text.slice('models:/'.length);
    const at = rest.lastIndexOf('@');
    if (at >= 0) {
      const name = rest.slice(0, at);
      const alias = rest.slice(at + 1);
      if (name === '' || alias === '') throw badUri(uri, expected);
      try {
        validateModelName(name);
        if (alias.toLowerCase() === 'latest') return { kind: 'latest', name };
        return { kind: 'alias', name, alias: validateAlias(alias) };
      } catch (error) {
        throw badUri(uri, error instanceof Error ? error.message : String(error));
      }
    }
    const slash = rest.indexOf('/');
    if (slash < 0) {
      if (/^m-[0-9a-f]{32}$/.test(rest)) {
        throw badUri(
          uri,
          'MLflow 3 logged-model ids are not supported; use models:/<name>/<version> or runs:/<run_id>/model',
        );
      }
      throw badUri(uri, `${expected} (no version or alias)`);
    }
    const name = rest.slice(0, slash);
    const selector = rest.slice(slash + 1);
    if (name === '' || selector === '' || selector.includes('/')) throw badUri(uri, expected);
    try {
      validateModelName(name);
    } catch (error) {
      throw badUri(uri, error instanceof Error ? error.message : String(error));
    }
    if (selector.toLowerCase() === 'latest') return { kind: 'latest', name };
    if (/^\d+$/.test(selector)) {
      try {
        return { kind: 'version', name, version: validateVersion(selector) };
      } catch (error) {
        throw badUri(uri, error instanceof Error ? error.message : String(error));
      }
    }
    if (STAGES.has(selector.toLowerCase())) {
      throw badUri(
        uri,
        `stages are deprecated in MLflow and not supported; set an alias and use models:/${name}@<alias>`,
      );
    }
    throw badUri(uri, `${JSON.stringify(selector)} is neither a version number nor latest`);
  }
  if (text.startsWith('runs:')) {
    const match = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(text);
    if (match === null || text.startsWith('runs://'))
      throw badUri(uri, 'expected runs:/<run_id>/<artifact path>');
    try {
      return {
        kind: 'run',
        runId: validateRunId(match[1]),
        artifactPath: normalizeArtifactPath(match[2] ?? ''),
      };
    } catch (error) {
      throw badUri(uri, error instanceof Error ? error.message : String(error));
    }
  }
  if (text.startsWith('file:') || !/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(text)) {
    return { kind: 'local', path: localPathOfUri(text) };
  }
  throw badUri(uri, expected);
}

export interface ResolveModelOptions extends OpenTrackingOptions {
  /** Where downloaded models are kept; default `.pitwall/cache/models`. */
  readonly cacheDir?: string;
}

export interface ResolvedModel {
  /** The local folder holding the model (its MLmodel and model file). */
  readonly localDir: string;
  /** The artifact URI the folder came from. */
  readonly source: string;
  /** The registered version, for models:/ URIs. */
  readonly version: ModelVersion | undefined;
  /** The run that logged it, when known. */
  readonly runId: string | undefined;
  /** True when this call downloaded it (false: used in place or from the cache). */
  readonly downloaded: boolean;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return false;
    throw error;
  }
}

class Resolver {
  constructor(
    private readonly store: TrackingStore,
    private readonly registry: ModelRegistry,
    private readonly cacheDir: string,
  ) {}

  /** Downloads `fetch`'s result into the cache under `key` once; concurrent callers share it. */
  private async cached(
    key: string,
    reuse: boolean,
    fetch: (destDir: string) => Promise<string>,
  ): Promise<{ dir: string; downloaded: boolean }> {
    const dir = path.join(this.cacheDir, key);
    const marker = path.join(dir, '.pitwall-complete');
    if (
      reuse &&
      (await isDirectory(dir)) &&
      (await stat(marker).then(
        () => true,
        () => false,
      ))
    ) {
      return { dir: path.join(dir, 'model'), downloaded: false };
    }
    const staging = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(staging, { recursive: true });
      const fetched = await fetch(staging);
      await rename(fetched, path.join(staging, 'model'));
      await writeFile(path.join(staging, '.pitwall-complete'), new Date().toISOString());
      await rm(dir, { recursive: true, force: true });
      try {
        await rename(staging, dir);
      } catch (error) {
        // Another process finished the same download first: theirs is as good as ours.
        if (errnoCode(error) !== 'ENOTEMPTY' && errnoCode(error) !== 'EEXIST') throw error;
      }
    } finally {
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    }
    return { dir: path.join(dir, 'model'), downloaded: true };
  }

  /** An artifact URI (a version's source) → a local folder. */
  async sourceToLocal(
    source: string,
    cacheKey: string,
    immutable: boolean,
    hops: number,
  ): Promise<{ dir: string; downloaded: boolean; runId?: string }> {
    if (source.startsWith('file:') || path.isAbsolute(source)) {
      const dir = localPathOfUri(source);
      if (!(await isDirectory(dir))) {
        throw new TrackingError(
          ERROR_CODES.trackingNotFound,
          `model folder ${dir} (${source}) does not exist on this machine`,
        );
      }
      return { dir, downloaded: false };
    }
    if (source.startsWith('mlflow-artifacts:')) {
      const repo = this.store.artifactRepository(source);
      return this.cached(cacheKey, immutable, (dest) => repo.download(undefined, dest));
    }
    if (source.startsWith('runs:') || source.startsWith('models:')) {
      if (hops >= MAX_SOURCE_HOPS) throw badUri(source, 'model URIs refer to each other in a loop');
      const resolved = await this.resolve(parseModelUri(source), hops + 1);
      return {
        dir: resolved.localDir,
        downloaded: resolved.downloaded,
        ...(resolved.runId === undefined ? {} : { runId: resolved.runId }),
      };
    }
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(source)?.[1] ?? source;
    throw new TrackingError(
      ERROR_CODES.trackingInvalidArgument,
      `Pitwall cannot fetch models from ${scheme}: sources (${source}); serve artifacts through the tracking server (mlflow server --serve-artifacts)`,
    );
  }

  async resolve(uri: ModelUri, hops = 0): Promise<ResolvedModel> {
    switch (uri.kind) {
      case 'local':
        return localModel(uri.path);
      case 'run': {
        const run = await this.store.getRun(uri.runId);
        const source =
          uri.artifactPath === ''
            ? run.info.artifactUri
            : `${run.info.artifactUri.replace(/\/+$/, '')}/${uri.artifactPath}`;
        const ended = run.info.status !== 'RUNNING' && run.info.status !== 'SCHEDULED';
        const key = `run-${uri.runId}-${digest(this.store.uri, source)}`;
        let local: { dir: string; downloaded: boolean };
        if (source.startsWith('mlflow-artifacts:')) {
          const repo = this.store.artifactRepository(run.info.artifactUri);
          local = await this.cached(key, ended, (dest) => repo.download(uri.artifactPath, dest));
        } else {
          local = await this.sourceToLocal(source, key, ended, hops);
        }
        return {
          localDir: local.dir,
          source,
          version: undefined,
          runId: uri.runId,
          downloaded: local.downloaded,
        };
      }
      case 'version':
      case 'alias':
      case 'latest': {
        const version =
          uri.kind === 'version'
            ? await this.registry.getModelVersion(uri.name, uri.version)
            : await this.registry.getVersionByAlias(
                uri.name,
                uri.kind === 'alias' ? uri.alias : 'latest',
              );
        const key = `${uri.name.replace(/[^\w.-]+/g, '_')}-v${version.version}-${digest(this.store.uri, version.source)}`;
        const local = await this.sourceToLocal(version.source, key, true, hops);
        return {
          localDir: local.dir,
          source: version.source,
          version,
          runId: version.runId ?? local.runId,
          downloaded: local.downloaded,
        };
      }
    }
  }
}

async function localModel(dir: string): Promise<ResolvedModel> {
  if (!(await isDirectory(dir))) {
    throw new TrackingError(ERROR_CODES.trackingNotFound, `model folder ${dir} does not exist`);
  }
  return { localDir: dir, source: dir, version: undefined, runId: undefined, downloaded: false };
}

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 12);
}

/**
 * Resolves a model URI to a local folder and says where it came from. Uses the tracking
 * URI of `options` (default MLFLOW_TRACKING_URI, then ./mlruns) for runs and the registry.
 *
 * @example
 * const model = await resolveModel('models:/driving-style@production');
 * console.log(model.localDir, model.version?.version);
 */
export async function resolveModel(
  uri: string,
  options: ResolveModelOptions = {},
): Promise<ResolvedModel> {
  const parsed = parseModelUri(uri);
  if (parsed.kind === 'local') return localModel(parsed.path);
  const env = options.env ?? process.env;
  const { store, client } = await openTrackingStore(trackingTargetOf(options), env);
  const registry = await registryFor(store, client);
  try {
    const cacheDir = path.resolve(options.cacheDir ?? DEFAULT_MODEL_CACHE_DIR);
    return await new Resolver(store, registry, cacheDir).resolve(parsed);
  } finally {
    client?.close();
  }
}

/**
 * The local folder of a model URI (`models:/name@alias`, `models:/name/3`, `runs:/id/model`,
 * or a folder), downloading it from a server into the cache when needed.
 *
 * @example
 * const dir = await resolveModelUri('models:/driving-style@production', { trackingUri: './mlruns' });
 */
export async function resolveModelUri(
  uri: string,
  options: ResolveModelOptions = {},
): Promise<string> {
  return (await resolveModel(uri, options)).localDir;
}

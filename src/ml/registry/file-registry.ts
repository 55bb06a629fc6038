// The model registry in MLflow's file-store layout (mlflow/store/model_registry/file_store.py),
// beside the runs of the same `mlruns` folder, so MlflowClient and `mlflow migrate-filestore`
// read it:
//
//   <root>/models/<name>/
//     meta.yaml                  name, creation/last-updated timestamps, description, aliases
//     tags/<key>                 registered-model tags, one file each
//     aliases/<alias>            the version number the alias points at, as text
//     version-<n>/meta.yaml      name, version, source, storage_location, run_id, status, stage, …
//     version-<n>/tags/<key>     model-version tags
//
// Version numbers are claimed by creating `version-<n>` (mkdir fails if another writer took
// it), so two processes registering at once get different numbers.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ERROR_CODES, TrackingError } from '../../errors.js';
import {
  errnoCode,
  listSubdirs,
  numberField,
  readKeyValues,
  readMeta,
  readValue,
  storeError,
  stringField,
  writeAtomic,
  writeMeta,
} from '../tracking/file/store-files.js';
import { fileUriOfPath } from '../tracking/file/local-artifacts.js';
import {
  validateAlias,
  validateKey,
  validateModelName,
  validateRegistryTagValue,
  validateRunId,
  validateVersion,
} from '../tracking/validation.js';
import type {
  CreateModelVersionRequest,
  ModelRegistry,
  ModelVersion,
  RegisteredModel,
} from './types.js';

const MODELS = 'models';
/** The stage MLflow gives a deleted version in the file store; such versions are gone. */
const DELETED_STAGE = 'Deleted_Internal';

function notFound(message: string): TrackingError {
  return new TrackingError(ERROR_CODES.trackingNotFound, message);
}

/**
 * MLflow's file-store registry under a tracking root.
 *
 * @example
 * const registry = await FileModelRegistry.open('./mlruns');
 * const version = await registry.createModelVersion({ name: 'driving-style', source, runId });
 * await registry.setAlias('driving-style', 'production', version.version);
 */
export class FileModelRegistry implements ModelRegistry {
  readonly kind = 'file';
  readonly uri: string;
  readonly root: string;
  private readonly modelsDir: string;

  private constructor(root: string) {
    this.root = root;
    this.uri = fileUriOfPath(root);
    this.modelsDir = path.join(root, MODELS);
  }

  static async open(root: string): Promise<FileModelRegistry> {
    const registry = new FileModelRegistry(path.resolve(root));
    try {
      await mkdir(registry.modelsDir, { recursive: true });
    } catch (error) {
      throw storeError(`cannot create the model registry under ${registry.root}`, error);
    }
    return registry;
  }

  close(): void {}

  private modelDir(name: string): string {
    return path.join(this.modelsDir, validateModelName(name));
  }

  private async requireModelMeta(
    name: string,
  ): Promise<{ dir: string; meta: Record<string, unknown> }> {
    const dir = this.modelDir(name);
    const meta = await readMeta(dir);
    if (meta === undefined)
      throw notFound(`no registered model ${JSON.stringify(name)} in ${this.root}`);
    return { dir, meta };
  }

  private async readAliases(dir: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [alias, text] of Object.entries(await readKeyValues(path.join(dir, 'aliases')))) {
      const version = Number(text.trim());
      if (Number.isSafeInteger(version)) out[alias] = version;
    }
    return out;
  }

  /** Rewrites the model's meta.yaml with a new last-updated time and the current aliases. */
  private async touchModel(
    dir: string,
    meta: Record<string, unknown>,
    now = Date.now(),
  ): Promise<void> {
    const aliases = await this.readAliases(dir);
    await writeMeta(dir, {
      ...meta,
      aliases: Object.fromEntries(Object.entries(aliases).map(([alias, v]) => [alias, String(v)])),
      last_updated_timestamp: now,
    });
  }

  private async readVersionDirs(dir: string): Promise<ModelVersion[]> {
    const aliases = await this.readAliases(dir);
    const versions: ModelVersion[] = [];
    for (const sub of await listSubdirs(dir)) {
      if (!sub.startsWith('version-')) continue;
      const version = await this.readVersion(path.join(dir, sub), aliases);
      if (version !== undefined) versions.push(version);
    }
    return versions.sort((a, b) => b.version - a.version);
  }

  private async readVersion(
    dir: string,
    aliases: Readonly<Record<string, number>>,
  ): Promise<ModelVersion | undefined> {
    const meta = await readMeta(dir);
    if (meta === undefined) return undefined;
    const stage = stringField(meta, 'current_stage') ?? 'None';
    if (stage === DELETED_STAGE) return undefined;
    const version = numberField(meta, 'version');
    const name = stringField(meta, 'name');
    if (version === undefined || name === undefined) {
      throw new TrackingError(
        ERROR_CODES.tracking,
        `${path.join(dir, 'meta.yaml')} lacks name or version`,
      );
    }
    return {
      name,
      version,
      creationTimestamp: numberField(meta, 'creation_timestamp'),
      lastUpdatedTimestamp: numberField(meta, 'last_updated_timestamp'),
      source: stringField(meta, 'source') ?? '',
      runId: stringField(meta, 'run_id'),
      runLink: stringField(meta, 'run_link'),
      description: stringField(meta, 'description'),
      currentStage: stage,
      status: stringField(meta, 'status') ?? 'READY',
      tags: await readKeyValues(path.join(dir, 'tags')),
      aliases: Object.entries(aliases)
        .filter(([, v]) => v === version)
        .map(([alias]) => alias)
        .sort(),
    };
  }

  private async modelOf(dir: string, meta: Record<string, unknown>): Promise<RegisteredModel> {
    const versions = await this.readVersionDirs(dir);
    return {
      name: stringField(meta, 'name') ?? path.basename(dir),
      creationTimestamp: numberField(meta, 'creation_timestamp'),
      lastUpdatedTimestamp: numberField(meta, 'last_updated_timestamp'),
      description: stringField(meta, 'description'),
      tags: await readKeyValues(path.join(dir, 'tags')),
      aliases: await this.readAliases(dir),
      latestVersion: versions[0]?.version,
    };
  }

  async createRegisteredModel(
    name: string,
    options: { description?: string; tags?: Readonly<Record<string, string>> } = {},
  ): Promise<RegisteredModel> {
    const dir = this.modelDir(name);
    const tags = Object.entries(options.tags ?? {}).map(([key, value]) => [
      validateKey('tag', key),
      this.tagValue(key, value),
    ]);
    try {
      // Not recursive: an existing folder means the name is taken.
      await mkdir(dir);
    } catch (error) {
      if (errnoCode(error) === 'EEXIST' && (await readMeta(dir)) !== undefined) {
        throw new TrackingError(
          ERROR_CODES.trackingAlreadyExists,
          `registered model ${JSON.stringify(name)} already exists`,
        );
      }
      if (errnoCode(error) !== 'EEXIST') throw storeError(`cannot create ${dir}`, error);
    }
    const now = Date.now();
    const meta = {
      aliases: {},
      creation_timestamp: now,
      deployment_job_id: null,
      deployment_job_state: null,
      description: options.description ?? null,
      last_updated_timestamp: now,
      name,
      workspace: 'default',
    };
    await writeMeta(dir, meta);
    for (const [key, value] of tags)
      await writeAtomic(path.join(dir, 'tags', ...key!.split('/')), value!, dir);
    return this.modelOf(dir, meta);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const { dir, meta } = await this.requireModelMeta(name);
    return this.modelOf(dir, meta);
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    for (const sub of (await listSubdirs(this.modelsDir)).sort()) {
      const dir = path.join(this.modelsDir, sub);
      const meta = await readMeta(dir);
      if (meta !== undefined) out.push(await this.modelOf(dir, meta));
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  private tagValue(key: string, value: unknown): string {
    return validateRegistryTagValue(key, value);
  }

  async createModelVersion(request: CreateModelVersionRequest): Promise<ModelVersion> {
    validateModelName(request.name);
    if (typeof request.source !== 'string' || request.source.trim() === '') {
      throw new TrackingError(
        ERROR_CODES.trackingInvalidArgument,
        'a model version needs a source (the model folder URI)',
      );
    }
    if (request.runId !== undefined) validateRunId(request.runId);
    const tags = Object.entries(request.tags ?? {}).map(
      ([key, value]) => [validateKey('tag', key), this.tagValue(key, value)] as const,
    );
    let model = await readMeta(this.modelDir(request.name));
    if (model === undefined) {
      try {
        await this.createRegisteredModel(request.name);
      } catch (error) {
        if (!(error instanceof TrackingError) || error.code !== ERROR_CODES.trackingAlreadyExists)
          throw error;
      }
      model = await readMeta(this.modelDir(request.name));
    }
    const dir = this.modelDir(request.name);
    const taken = (await listSubdirs(dir))
      .map((sub) => /^version-(\d+)$/.exec(sub)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    let version = Math.max(0, ...taken) + 1;
    let versionDir: string;
    for (;;) {
      versionDir = path.join(dir, `version-${version}`);
      try {
        await mkdir(versionDir);
        break;
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw storeError(`cannot create ${versionDir}`, error);
        version++;
      }
    }
    const now = Date.now();
    try {
      await writeMeta(versionDir, {
        creation_timestamp: now,
        current_stage: 'None',
        deployment_job_state: null,
        description: request.description ?? null,
        last_updated_timestamp: now,
        model_id: null,
        name: request.name,
        run_id: request.runId ?? null,
        run_link: request.runLink ?? null,
        source: request.source,
        status: 'READY',
        status_message: null,
        storage_location: request.source,
        user_id: null,
        version,
        workspace: 'default',
      });
      for (const [key, value] of tags)
        await writeAtomic(path.join(versionDir, 'tags', ...key.split('/')), value, versionDir);
    } catch (error) {
      await rm(versionDir, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
    await this.touchModel(dir, model ?? {}, now);
    return this.getModelVersion(request.name, version);
  }

  private async requireVersionDir(name: string, version: number): Promise<string> {
    const { dir } = await this.requireModelMeta(name);
    const versionDir = path.join(dir, `version-${validateVersion(version)}`);
    const meta = await readMeta(versionDir);
    if (meta === undefined || stringField(meta, 'current_stage') === DELETED_STAGE) {
      throw notFound(`registered model ${JSON.stringify(name)} has no version ${version}`);
    }
    return versionDir;
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion> {
    const versionDir = await this.requireVersionDir(name, version);
    const found = await this.readVersion(
      versionDir,
      await this.readAliases(path.dirname(versionDir)),
    );
    if (found === undefined)
      throw notFound(`registered model ${JSON.stringify(name)} has no version ${version}`);
    return found;
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    const { dir } = await this.requireModelMeta(name);
    return this.readVersionDirs(dir);
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    validateAlias(alias);
    const versionDir = await this.requireVersionDir(name, version);
    const dir = path.dirname(versionDir);
    await writeAtomic(path.join(dir, 'aliases', alias), String(validateVersion(version)), dir);
    const { meta } = await this.requireModelMeta(name);
    await this.touchModel(dir, meta);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    validateAlias(alias);
    const { dir, meta } = await this.requireModelMeta(name);
    const file = path.join(dir, 'aliases', alias);
    if ((await readValue(file)) === undefined) return;
    try {
      await rm(file, { force: true });
    } catch (error) {
      throw storeError(`cannot remove ${file}`, error);
    }
    await this.touchModel(dir, meta);
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const { dir } = await this.requireModelMeta(name);
    if (alias.toLowerCase() === 'latest') {
      const newest = (await this.readVersionDirs(dir))[0];
      if (newest === undefined)
        throw notFound(`registered model ${JSON.stringify(name)} has no versions`);
      return newest;
    }
    validateAlias(alias);
    const text = await readValue(path.join(dir, 'aliases', alias));
    if (text === undefined)
      throw notFound(
        `registered model ${JSON.stringify(name)} has no alias ${JSON.stringify(alias)}`,
      );
    return this.getModelVersion(name, validateVersion(text.trim()));
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    validateKey('tag', key);
    const { dir, meta } = await this.requireModelMeta(name);
    await writeAtomic(path.join(dir, 'tags', ...key.split('/')), this.tagValue(key, value), dir);
    await this.touchModel(dir, meta);
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateKey('tag', key);
    const { dir, meta } = await this.requireModelMeta(name);
    await rm(path.join(dir, 'tags', ...key.split('/')), { force: true });
    await this.touchModel(dir, meta);
  }

  async setModelVersionTag(
    name: string,
    version: number,
    key: string,
    value: string,
  ): Promise<void> {
    validateKey('tag', key);
    const versionDir = await this.requireVersionDir(name, version);
    await writeAtomic(
      path.join(versionDir, 'tags', ...key.split('/')),
      this.tagValue(key, value),
      versionDir,
    );
    const { dir, meta } = await this.requireModelMeta(name);
    await this.touchModel(dir, meta);
  }

  async deleteModelVersionTag(name: string, version: number, key: string): Promise<void> {
    validateKey('tag', key);
    const versionDir = await this.requireVersionDir(name, version);
    await rm(path.join(versionDir, 'tags', ...key.split('/')), { force: true });
    const { dir, meta } = await this.requireModelMeta(name);
    await this.touchModel(dir, meta);
  }
}

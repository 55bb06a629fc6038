// The model registry of an MLflow server (mlflow/protos/model_registry.proto, served under
// /api/2.0/mlflow/registered-models/* and /model-versions/*).
import { ERROR_CODES, TrackingError } from '../../errors.js';
import type { MlflowHttpClient } from '../tracking/rest/http-client.js';
import { recordOf, type JsonKeyValue } from '../tracking/rest/rest-store.js';
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

const API = '/api/2.0/mlflow';
const PAGE_SIZE = 1000;

interface JsonModelVersion {
  readonly name?: string;
  readonly version?: string | number;
  readonly creation_timestamp?: string | number;
  readonly last_updated_timestamp?: string | number;
  readonly current_stage?: string;
  readonly description?: string;
  readonly source?: string;
  readonly run_id?: string;
  readonly run_link?: string;
  readonly status?: string;
  readonly tags?: readonly JsonKeyValue[];
  readonly aliases?: readonly string[];
}

interface JsonRegisteredModel {
  readonly name?: string;
  readonly creation_timestamp?: string | number;
  readonly last_updated_timestamp?: string | number;
  readonly description?: string;
  readonly tags?: readonly JsonKeyValue[];
  readonly aliases?: readonly { alias?: string; version?: string | number }[];
  readonly latest_versions?: readonly JsonModelVersion[];
}

function optionalNumber(value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function versionOf(json: JsonModelVersion | undefined): ModelVersion {
  const version = optionalNumber(json?.version);
  if (json?.name === undefined || version === undefined) {
    throw new TrackingError(
      ERROR_CODES.tracking,
      'MLflow server sent a model version without name or version',
    );
  }
  return {
    name: json.name,
    version,
    creationTimestamp: optionalNumber(json.creation_timestamp),
    lastUpdatedTimestamp: optionalNumber(json.last_updated_timestamp),
    source: json.source ?? '',
    runId: emptyToUndefined(json.run_id),
    runLink: emptyToUndefined(json.run_link),
    description: emptyToUndefined(json.description),
    currentStage: json.current_stage ?? 'None',
    status: json.status ?? 'READY',
    tags: recordOf(json.tags),
    aliases: [...(json.aliases ?? [])].sort(),
  };
}

function modelOf(json: JsonRegisteredModel | undefined): RegisteredModel {
  if (json?.name === undefined) {
    throw new TrackingError(
      ERROR_CODES.tracking,
      'MLflow server sent a registered model without a name',
    );
  }
  const aliases: Record<string, number> = {};
  for (const entry of json.aliases ?? []) {
    const version = optionalNumber(entry.version);
    if (entry.alias !== undefined && version !== undefined) aliases[entry.alias] = version;
  }
  const latest = (json.latest_versions ?? [])
    .map((v) => optionalNumber(v.version))
    .filter((v): v is number => v !== undefined);
  return {
    name: json.name,
    creationTimestamp: optionalNumber(json.creation_timestamp),
    lastUpdatedTimestamp: optionalNumber(json.last_updated_timestamp),
    description: emptyToUndefined(json.description),
    tags: recordOf(json.tags),
    aliases,
    latestVersion: latest.length === 0 ? undefined : Math.max(...latest),
  };
}

function tagList(
  tags: Readonly<Record<string, string>> | undefined,
): { key: string; value: string }[] {
  return Object.entries(tags ?? {}).map(([key, value]) => ({
    key: validateKey('tag', key),
    value: validateRegistryTagValue(key, value),
  }));
}

/**
 * MLflow's model registry over HTTP.
 *
 * @example
 * const registry = new RestModelRegistry(client);
 * await registry.setAlias('driving-style', 'production', 3);
 */
export class RestModelRegistry implements ModelRegistry {
  readonly kind = 'rest';
  readonly uri: string;
  private readonly client: MlflowHttpClient;
  private readonly ownsClient: boolean;

  constructor(client: MlflowHttpClient, options: { ownsClient?: boolean } = {}) {
    this.client = client;
    this.uri = client.baseUrl;
    this.ownsClient = options.ownsClient ?? false;
  }

  close(): void {
    if (this.ownsClient) this.client.close();
  }

  async createRegisteredModel(
    name: string,
    options: { description?: string; tags?: Readonly<Record<string, string>> } = {},
  ): Promise<RegisteredModel> {
    validateModelName(name);
    const answer = await this.client.callJson<{ registered_model?: JsonRegisteredModel }>(
      'POST',
      `${API}/registered-models/create`,
      {
        body: {
          name,
          tags: tagList(options.tags),
          ...(options.description === undefined ? {} : { description: options.description }),
        },
      },
    );
    return modelOf(answer.registered_model);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    validateModelName(name);
    const answer = await this.client.callJson<{ registered_model?: JsonRegisteredModel }>(
      'GET',
      `${API}/registered-models/get`,
      { query: { name } },
    );
    return modelOf(answer.registered_model);
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    let pageToken: string | undefined;
    do {
      const answer = await this.client.callJson<{
        registered_models?: JsonRegisteredModel[];
        next_page_token?: string;
      }>('GET', `${API}/registered-models/search`, {
        query: { max_results: PAGE_SIZE, page_token: pageToken },
      });
      out.push(...(answer.registered_models ?? []).map(modelOf));
      pageToken = answer.next_page_token === '' ? undefined : answer.next_page_token;
    } while (pageToken !== undefined);
    return out.sort((a, b) => a.name.localeCompare(b.name));
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
    const tags = tagList(request.tags);
    try {
      await this.createRegisteredModel(request.name);
    } catch (error) {
      if (!(error instanceof TrackingError) || error.code !== ERROR_CODES.trackingAlreadyExists)
        throw error;
    }
    const answer = await this.client.callJson<{ model_version?: JsonModelVersion }>(
      'POST',
      `${API}/model-versions/create`,
      {
        body: {
          name: request.name,
          source: request.source,
          ...(request.runId === undefined ? {} : { run_id: request.runId }),
          ...(request.runLink === undefined ? {} : { run_link: request.runLink }),
          ...(request.description === undefined ? {} : { description: request.description }),
          tags,
        },
      },
    );
    return versionOf(answer.model_version);
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion> {
    validateModelName(name);
    const answer = await this.client.callJson<{ model_version?: JsonModelVersion }>(
      'GET',
      `${API}/model-versions/get`,
      { query: { name, version: String(validateVersion(version)) } },
    );
    return versionOf(answer.model_version);
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    validateModelName(name);
    // Fails with trackingNotFound for an unknown model, as the file registry does.
    await this.getRegisteredModel(name);
    const out: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const answer = await this.client.callJson<{
        model_versions?: JsonModelVersion[];
        next_page_token?: string;
      }>('GET', `${API}/model-versions/search`, {
        query: {
          filter: `name = '${name.replace(/'/g, "\\'")}'`,
          max_results: PAGE_SIZE,
          page_token: pageToken,
        },
      });
      out.push(...(answer.model_versions ?? []).map(versionOf));
      pageToken = answer.next_page_token === '' ? undefined : answer.next_page_token;
    } while (pageToken !== undefined);
    // Search results carry no aliases; take them from the model.
    const aliases = (await this.getRegisteredModel(name)).aliases;
    return out
      .filter((v) => v.name === name)
      .map((v) => ({
        ...v,
        aliases: Object.entries(aliases)
          .filter(([, n]) => n === v.version)
          .map(([alias]) => alias)
          .sort(),
      }))
      .sort((a, b) => b.version - a.version);
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    await this.client.callJson('POST', `${API}/registered-models/alias`, {
      body: { name, alias, version: String(validateVersion(version)) },
    });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    await this.client.callJson('DELETE', `${API}/registered-models/alias`, {
      body: { name, alias },
    });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    const model = await this.getRegisteredModel(name);
    if (alias.toLowerCase() === 'latest') {
      if (model.latestVersion === undefined) {
        throw new TrackingError(
          ERROR_CODES.trackingNotFound,
          `registered model ${JSON.stringify(name)} has no versions`,
        );
      }
      return this.getModelVersion(name, model.latestVersion);
    }
    validateAlias(alias);
    // MLflow answers an unknown alias with INVALID_PARAMETER_VALUE; the model's alias list
    // tells "not set" apart without reading the message.
    const version = model.aliases[alias];
    if (version === undefined) {
      throw new TrackingError(
        ERROR_CODES.trackingNotFound,
        `registered model ${JSON.stringify(name)} has no alias ${JSON.stringify(alias)}`,
      );
    }
    const answer = await this.client.callJson<{ model_version?: JsonModelVersion }>(
      'GET',
      `${API}/registered-models/alias`,
      { query: { name, alias } },
    );
    return versionOf(answer.model_version);
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    validateModelName(name);
    await this.client.callJson('POST', `${API}/registered-models/set-tag`, {
      body: { name, key: validateKey('tag', key), value: validateRegistryTagValue(key, value) },
    });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    await this.client.callJson('DELETE', `${API}/registered-models/delete-tag`, {
      body: { name, key: validateKey('tag', key) },
    });
  }

  async setModelVersionTag(
    name: string,
    version: number,
    key: string,
    value: string,
  ): Promise<void> {
    validateModelName(name);
    await this.client.callJson('POST', `${API}/model-versions/set-tag`, {
      body: {
        name,
        version: String(validateVersion(version)),
        key: validateKey('tag', key),
        value: validateRegistryTagValue(key, value),
      },
    });
  }

  async deleteModelVersionTag(name: string, version: number, key: string): Promise<void> {
    validateModelName(name);
    await this.client.callJson('DELETE', `${API}/model-versions/delete-tag`, {
      body: { name, version: String(validateVersion(version)), key: validateKey('tag', key) },
    });
  }
}

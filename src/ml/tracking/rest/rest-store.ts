// Tracking against an MLflow server's REST API (mlflow/protos/service.proto, served under
// /api/2.0/mlflow/): experiments, runs, batched logging and run artifacts through the
// server's artifact proxy. Field names are the API's snake_case; entities are converted to
// Pitwall's camelCase types at this boundary.
import path from 'node:path';
import { ERROR_CODES, TrackingError } from '../../../errors.js';
import { LocalArtifactRepository } from '../file/local-artifacts.js';
import type {
  ArtifactRepository,
  CreateRunRequest,
  Experiment,
  KeyValue,
  LogBatch,
  Metric,
  Run,
  RunInfo,
  RunStatus,
  TrackingStore,
  UpdateRunRequest,
} from '../types.js';
import { RUN_STATUSES } from '../types.js';
import {
  invalidArgument,
  validateExperimentId,
  validateExperimentName,
  validateKey,
  validateMetricNumbers,
  validateParamValue,
  validateRunId,
  validateTagValue,
} from '../validation.js';
import { splitBatch, type BatchLimits, MLFLOW_BATCH_LIMITS } from './batch.js';
import type { MlflowHttpClient } from './http-client.js';
import { ProxyArtifactRepository } from './proxy-artifacts.js';

const API = '/api/2.0/mlflow';
const PAGE_SIZE = 1000;

// --- the API's JSON shapes (only the fields Pitwall reads) ---

export interface JsonKeyValue {
  readonly key?: string;
  readonly value?: string;
}

interface JsonExperiment {
  readonly experiment_id?: string;
  readonly name?: string;
  readonly artifact_location?: string;
  readonly lifecycle_stage?: string;
  readonly creation_time?: number | string;
  readonly last_update_time?: number | string;
  readonly tags?: readonly JsonKeyValue[];
}

interface JsonRunInfo {
  readonly run_id?: string;
  readonly run_uuid?: string;
  readonly experiment_id?: string;
  readonly run_name?: string;
  readonly user_id?: string;
  readonly status?: string;
  readonly start_time?: number | string;
  readonly end_time?: number | string;
  readonly artifact_uri?: string;
  readonly lifecycle_stage?: string;
}

interface JsonMetric {
  readonly key?: string;
  readonly value?: number | string;
  readonly timestamp?: number | string;
  readonly step?: number | string;
}

interface JsonRun {
  readonly info?: JsonRunInfo;
  readonly data?: {
    readonly metrics?: readonly JsonMetric[];
    readonly params?: readonly JsonKeyValue[];
    readonly tags?: readonly JsonKeyValue[];
  };
}

function optionalNumber(value: number | string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Protobuf JSON spells the special doubles as strings. */
export function jsonDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

function parseDouble(value: number | string | undefined): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return Number(value);
}

export function recordOf(pairs: readonly JsonKeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) if (pair.key !== undefined) out[pair.key] = pair.value ?? '';
  return out;
}

function badAnswer(what: string): TrackingError {
  return new TrackingError(ERROR_CODES.tracking, `MLflow server sent ${what}`);
}

function experimentOf(json: JsonExperiment | undefined): Experiment {
  if (json?.experiment_id === undefined || json.name === undefined) {
    throw badAnswer('an experiment without experiment_id or name');
  }
  return {
    experimentId: json.experiment_id,
    name: json.name,
    artifactLocation: json.artifact_location ?? '',
    lifecycleStage: json.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    creationTime: optionalNumber(json.creation_time),
    lastUpdateTime: optionalNumber(json.last_update_time),
    tags: recordOf(json.tags),
  };
}

function runInfoOf(json: JsonRunInfo | undefined): RunInfo {
  const runId = json?.run_id ?? json?.run_uuid;
  if (json === undefined || runId === undefined || json.experiment_id === undefined) {
    throw badAnswer('a run without run_id or experiment_id');
  }
  const status = (RUN_STATUSES as readonly string[]).includes(json.status ?? '')
    ? (json.status as RunStatus)
    : 'RUNNING';
  return {
    runId,
    experimentId: json.experiment_id,
    runName: json.run_name ?? '',
    userId: json.user_id ?? '',
    status,
    startTime: optionalNumber(json.start_time) ?? 0,
    endTime: optionalNumber(json.end_time),
    artifactUri: json.artifact_uri ?? '',
    lifecycleStage: json.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
}

function metricOf(json: JsonMetric): Metric {
  return {
    key: json.key ?? '',
    value: parseDouble(json.value),
    timestamp: optionalNumber(json.timestamp) ?? 0,
    step: optionalNumber(json.step) ?? 0,
  };
}

function runOf(json: JsonRun | undefined): Run {
  return {
    info: runInfoOf(json?.info),
    data: {
      metrics: (json?.data?.metrics ?? []).map(metricOf),
      params: recordOf(json?.data?.params),
      tags: recordOf(json?.data?.tags),
    },
  };
}

function keyValues(pairs: readonly KeyValue[]): { key: string; value: string }[] {
  return pairs.map((p) => ({ key: p.key, value: p.value }));
}

/**
 * MLflow's tracking service over HTTP.
 *
 * @example
 * const store = new RestTrackingStore(new MlflowHttpClient(restSettingsFromEnv(url)));
 * const runs = await store.searchRuns(['1']);
 */
export class RestTrackingStore implements TrackingStore {
  readonly kind = 'rest';
  readonly uri: string;
  readonly client: MlflowHttpClient;
  /** Per-request limits of `runs/log-batch`; smaller only in tests. */
  batchLimits: BatchLimits = MLFLOW_BATCH_LIMITS;

  constructor(client: MlflowHttpClient) {
    this.client = client;
    this.uri = client.baseUrl;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    validateExperimentId(experimentId);
    const answer = await this.client.callJson<{ experiment?: JsonExperiment }>(
      'GET',
      `${API}/experiments/get`,
      {
        query: { experiment_id: experimentId },
      },
    );
    return experimentOf(answer.experiment);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    validateExperimentName(name);
    try {
      const answer = await this.client.callJson<{ experiment?: JsonExperiment }>(
        'GET',
        `${API}/experiments/get-by-name`,
        { query: { experiment_name: name } },
      );
      return experimentOf(answer.experiment);
    } catch (error) {
      if (error instanceof TrackingError && error.code === ERROR_CODES.trackingNotFound)
        return undefined;
      throw error;
    }
  }

  async createExperiment(
    name: string,
    options: { artifactLocation?: string; tags?: readonly KeyValue[] } = {},
  ): Promise<string> {
    validateExperimentName(name);
    const tags = (options.tags ?? []).map((t) => ({
      key: validateKey('tag', t.key),
      value: validateTagValue(t.key, t.value),
    }));
    const answer = await this.client.callJson<{ experiment_id?: string }>(
      'POST',
      `${API}/experiments/create`,
      {
        body: {
          name,
          ...(options.artifactLocation === undefined
            ? {}
            : { artifact_location: options.artifactLocation }),
          ...(tags.length === 0 ? {} : { tags }),
        },
      },
    );
    if (answer.experiment_id === undefined)
      throw badAnswer('no experiment_id for a created experiment');
    return answer.experiment_id;
  }

  async listExperiments(): Promise<Experiment[]> {
    const out: Experiment[] = [];
    let pageToken: string | undefined;
    do {
      const answer = await this.client.callJson<{
        experiments?: JsonExperiment[];
        next_page_token?: string;
      }>('POST', `${API}/experiments/search`, {
        body: {
          max_results: PAGE_SIZE,
          view_type: 'ACTIVE_ONLY',
          ...(pageToken === undefined ? {} : { page_token: pageToken }),
        },
      });
      out.push(...(answer.experiments ?? []).map(experimentOf));
      pageToken = answer.next_page_token === '' ? undefined : answer.next_page_token;
    } while (pageToken !== undefined);
    return out;
  }

  async createRun(request: CreateRunRequest): Promise<RunInfo> {
    validateExperimentId(request.experimentId);
    const tags = request.tags.map((t) => ({
      key: validateKey('tag', t.key),
      value: validateTagValue(t.key, t.value),
    }));
    const answer = await this.client.callJson<{ run?: JsonRun }>('POST', `${API}/runs/create`, {
      body: {
        experiment_id: request.experimentId,
        user_id: request.userId,
        run_name: request.runName,
        start_time: request.startTime,
        tags,
      },
    });
    return runInfoOf(answer.run?.info);
  }

  async updateRun(runId: string, request: UpdateRunRequest): Promise<RunInfo> {
    validateRunId(runId);
    const answer = await this.client.callJson<{ run_info?: JsonRunInfo }>(
      'POST',
      `${API}/runs/update`,
      {
        body: {
          run_id: runId,
          status: request.status,
          ...(request.endTime === undefined ? {} : { end_time: request.endTime }),
          ...(request.runName === undefined ? {} : { run_name: request.runName }),
        },
      },
    );
    return runInfoOf(answer.run_info);
  }

  /**
   * Validates everything first, then sends it in as few `runs/log-batch` requests as MLflow's
   * limits allow. A param repeated with the same value is sent once; with another value it
   * fails here, before anything is sent.
   */
  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    validateRunId(runId);
    const metrics = (batch.metrics ?? []).map((m) => {
      validateKey('metric', m.key);
      validateMetricNumbers(m.key, m.value, m.timestamp, m.step);
      return m;
    });
    const params = new Map<string, string>();
    for (const p of batch.params ?? []) {
      validateKey('param', p.key);
      validateParamValue(p.key, p.value);
      const earlier = params.get(p.key);
      if (earlier !== undefined && earlier !== p.value) {
        throw invalidArgument(
          `param ${p.key} is given twice with different values (${JSON.stringify(earlier)}, ${JSON.stringify(p.value)})`,
        );
      }
      params.set(p.key, p.value);
    }
    const tags = (batch.tags ?? []).map((t) => ({
      key: validateKey('tag', t.key),
      value: validateTagValue(t.key, t.value),
    }));
    const parts = splitBatch(
      { metrics, params: [...params].map(([key, value]) => ({ key, value })), tags },
      this.batchLimits,
    );
    for (const part of parts) {
      await this.client.callJson('POST', `${API}/runs/log-batch`, {
        body: {
          run_id: runId,
          metrics: (part.metrics ?? []).map((m) => ({
            key: m.key,
            value: jsonDouble(m.value),
            timestamp: m.timestamp,
            step: m.step,
          })),
          params: keyValues(part.params ?? []),
          tags: keyValues(part.tags ?? []),
        },
      });
    }
  }

  async getRun(runId: string): Promise<Run> {
    validateRunId(runId);
    const answer = await this.client.callJson<{ run?: JsonRun }>('GET', `${API}/runs/get`, {
      query: { run_id: runId },
    });
    return runOf(answer.run);
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateRunId(runId);
    validateKey('metric', key);
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const answer = await this.client.callJson<{
        metrics?: JsonMetric[];
        next_page_token?: string;
      }>('GET', `${API}/metrics/get-history`, {
        query: { run_id: runId, metric_key: key, max_results: 25000, page_token: pageToken },
      });
      out.push(...(answer.metrics ?? []).map(metricOf));
      pageToken = answer.next_page_token === '' ? undefined : answer.next_page_token;
    } while (pageToken !== undefined);
    return out;
  }

  async searchRuns(
    experimentIds: readonly string[],
    options: { maxResults?: number } = {},
  ): Promise<Run[]> {
    experimentIds.forEach(validateExperimentId);
    const out: Run[] = [];
    let pageToken: string | undefined;
    const wanted = options.maxResults ?? Infinity;
    if (wanted <= 0) return out;
    do {
      const answer = await this.client.callJson<{ runs?: JsonRun[]; next_page_token?: string }>(
        'POST',
        `${API}/runs/search`,
        {
          body: {
            experiment_ids: experimentIds,
            run_view_type: 'ACTIVE_ONLY',
            max_results: Math.min(PAGE_SIZE, wanted - out.length),
            order_by: ['attributes.start_time DESC'],
            ...(pageToken === undefined ? {} : { page_token: pageToken }),
          },
        },
      );
      out.push(...(answer.runs ?? []).map(runOf));
      pageToken = answer.next_page_token === '' ? undefined : answer.next_page_token;
    } while (pageToken !== undefined && out.length < wanted);
    return out;
  }

  artifactRepository(artifactUri: string): ArtifactRepository {
    if (artifactUri.startsWith('mlflow-artifacts:'))
      return new ProxyArtifactRepository(this.client, artifactUri);
    // A server whose artifact root is a plain folder: reachable when it is on this machine
    // (MLflow's own client does the same).
    if (artifactUri.startsWith('file:') || path.isAbsolute(artifactUri))
      return new LocalArtifactRepository(artifactUri);
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(artifactUri)?.[1] ?? artifactUri;
    throw new TrackingError(
      ERROR_CODES.trackingInvalidArgument,
      `Pitwall reaches run artifacts through the tracking server's artifact proxy (mlflow-artifacts:) or a local folder, not ${scheme}: (${artifactUri}); start the server with --serve-artifacts`,
    );
  }
}

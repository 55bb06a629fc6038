// One run being logged: params, metrics, tags, artifacts and a model folder, then `end()`.
// Calls go straight to the store (the REST store batches and splits them); nothing is
// buffered, so what a call returned for is stored.
import { mkdtemp, copyFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ERROR_CODES, TrackingError } from '../../errors.js';
import { MLMODEL_FILE, mlmodelYaml, type ModelSignature } from './mlmodel.js';
import type { KeyValue, Metric, MetricInput, RunInfo, RunStatus, TrackingStore } from './types.js';
import { normalizeArtifactPath } from './validation.js';

export type ParamValue = string | number | boolean;

export interface LogModelOptions {
  /** The model file (Pitwall's forest file); its base name is recorded in MLmodel. */
  readonly modelFile: string;
  /** The version of the model file's format, recorded in the `pitwall` flavor. */
  readonly formatVersion: number | string;
  /** Where the model folder goes among the run's artifacts; default `model`. */
  readonly artifactPath?: string;
  /** Files stored beside the model (feature list, label map, metrics). */
  readonly extraFiles?: readonly string[];
  /** More fields of the `pitwall` flavor. */
  readonly flavorFields?: Readonly<Record<string, string | number | boolean>>;
  readonly signature?: ModelSignature;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly pitwallVersion?: string;
}

export interface LoggedModel {
  /** The run the model was logged to (a model version's `runId`). */
  readonly runId: string;
  /** The folder's place among the run's artifacts (`model`). */
  readonly artifactPath: string;
  /** `runs:/<run_id>/<artifactPath>`. */
  readonly modelUri: string;
  /** The folder's full artifact URI: what a registered model version names as its source. */
  readonly source: string;
}

/**
 * A run in progress. Get one from `Tracking.startRun`.
 *
 * @example
 * const run = await tracking.startRun({ experimentId, runName: 'forest-300' });
 * try {
 *   await run.logParams({ n_estimators: 300, max_depth: 12 });
 *   await run.logMetrics([{ key: 'accuracy', value: 0.93, step: 300 }]);
 *   const model = await run.logModel({ modelFile: 'out/forest.json', formatVersion: 1 });
 *   await run.end('FINISHED');
 * } catch (error) {
 *   await run.end('FAILED');
 *   throw error;
 * }
 */
export class RunHandle {
  private readonly store: TrackingStore;
  private current: RunInfo;

  constructor(store: TrackingStore, info: RunInfo) {
    this.store = store;
    this.current = info;
  }

  get info(): RunInfo {
    return this.current;
  }

  get runId(): string {
    return this.current.runId;
  }

  get experimentId(): string {
    return this.current.experimentId;
  }

  /** The root of the run's artifacts. */
  get artifactUri(): string {
    return this.current.artifactUri;
  }

  /** Params are immutable in MLflow: logging a key again with another value fails. */
  async logParams(params: Readonly<Record<string, ParamValue>>): Promise<void> {
    const list: KeyValue[] = Object.entries(params).map(([key, value]) => ({
      key,
      value: String(value),
    }));
    if (list.length > 0) await this.store.logBatch(this.runId, { params: list });
  }

  async logParam(key: string, value: ParamValue): Promise<void> {
    await this.logParams({ [key]: value });
  }

  /** Logs metric values; each keeps its own step (default 0) and timestamp (default now). */
  async logMetrics(metrics: readonly MetricInput[]): Promise<void> {
    if (metrics.length === 0) return;
    const now = Date.now();
    const list: Metric[] = metrics.map((m) => ({
      key: m.key,
      value: m.value,
      timestamp: m.timestamp ?? now,
      step: m.step ?? 0,
    }));
    await this.store.logBatch(this.runId, { metrics: list });
  }

  async logMetric(
    key: string,
    value: number,
    options: { step?: number; timestamp?: number } = {},
  ): Promise<void> {
    await this.logMetrics([{ key, value, ...options }]);
  }

  async setTags(tags: Readonly<Record<string, string>>): Promise<void> {
    const list: KeyValue[] = Object.entries(tags).map(([key, value]) => ({ key, value }));
    if (list.length > 0) await this.store.logBatch(this.runId, { tags: list });
  }

  async setTag(key: string, value: string): Promise<void> {
    await this.setTags({ [key]: value });
  }

  /** Copies a local file to `<artifactPath>/<its name>` among the run's artifacts. */
  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    await this.store.artifactRepository(this.artifactUri).logFile(localFile, artifactPath);
  }

  /** Copies a local folder's files, recursively, under `artifactPath` (default: the root). */
  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    await this.store.artifactRepository(this.artifactUri).logDir(localDir, artifactPath);
  }

  /**
   * Stores a model folder among the run's artifacts: the model file, any extra files and an
   * `MLmodel` file with the `pitwall` flavor. Register it with the returned `source`.
   */
  async logModel(options: LogModelOptions): Promise<LoggedModel> {
    const artifactPath = normalizeArtifactPath(options.artifactPath ?? 'model');
    if (artifactPath === '') {
      throw new TrackingError(
        ERROR_CODES.trackingInvalidArgument,
        'a model needs an artifact path (e.g. model)',
      );
    }
    let size: number;
    try {
      size = (await stat(options.modelFile)).size;
    } catch (error) {
      throw new TrackingError(
        ERROR_CODES.trackingInvalidArgument,
        `model file ${options.modelFile} is unreadable: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const staging = await mkdtemp(path.join(os.tmpdir(), 'pitwall-model-'));
    try {
      const modelName = path.basename(options.modelFile);
      if (modelName === MLMODEL_FILE) {
        throw new TrackingError(
          ERROR_CODES.trackingInvalidArgument,
          `the model file cannot be called ${MLMODEL_FILE}`,
        );
      }
      await copyFile(options.modelFile, path.join(staging, modelName));
      for (const extra of options.extraFiles ?? []) {
        const name = path.basename(extra);
        if (name === MLMODEL_FILE || name === modelName) {
          throw new TrackingError(
            ERROR_CODES.trackingInvalidArgument,
            `extra file ${extra} would overwrite ${name}`,
          );
        }
        await copyFile(extra, path.join(staging, name));
      }
      await writeFile(
        path.join(staging, MLMODEL_FILE),
        mlmodelYaml({
          modelFile: modelName,
          formatVersion: options.formatVersion,
          runId: this.runId,
          artifactPath,
          modelSizeBytes: size,
          ...(options.pitwallVersion === undefined
            ? {}
            : { pitwallVersion: options.pitwallVersion }),
          ...(options.flavorFields === undefined ? {} : { flavorFields: options.flavorFields }),
          ...(options.signature === undefined ? {} : { signature: options.signature }),
          ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
        }),
      );
      await this.logArtifacts(staging, artifactPath);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return {
      runId: this.runId,
      artifactPath,
      modelUri: `runs:/${this.runId}/${artifactPath}`,
      source: `${this.artifactUri.replace(/\/+$/, '')}/${artifactPath}`,
    };
  }

  /** Marks the run ended with `status` (default FINISHED) and now as its end time. */
  async end(status: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'> = 'FINISHED'): Promise<RunInfo> {
    this.current = await this.store.updateRun(this.runId, { status, endTime: Date.now() });
    return this.current;
  }
}

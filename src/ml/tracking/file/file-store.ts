// Tracking in MLflow's file-store layout (mlflow/store/tracking/file_store.py), so that
// `mlflow ui --backend-store-uri ./mlruns`, MlflowClient and `mlflow migrate-filestore` read
// what Pitwall writes:
//
//   <root>/
//     .trash/                          deleted experiments (created empty, as MLflow does)
//     <experiment_id>/meta.yaml        experiment_id, name, artifact_location, lifecycle_stage, …
//     <experiment_id>/tags/<key>       experiment tags, one file each
//     <experiment_id>/<run_id>/
//       meta.yaml                      run_id, run_uuid, status (1..5), start/end time, artifact_uri, …
//       params/<key>                   value, no newline
//       tags/<key>                     value, no newline
//       metrics/<key>                  "<timestamp ms> <value> <step>\n" per logged value
//       artifacts/                     the run's files (model/MLmodel, plots, …)
//
// One writer at a time: documents are replaced atomically (temporary file + rename) and
// metric lines appended; two processes writing the same run may interleave metric lines
// but never leave a half-written document.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ERROR_CODES, TrackingError } from '../../../errors.js';
import type {
  ArtifactRepository,
  CreateRunRequest,
  Experiment,
  KeyValue,
  LifecycleStage,
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
import { fileUriOfPath, LocalArtifactRepository, localPathOfUri } from './local-artifacts.js';
import { formatMetricLine, latestMetric, parseMetricLines } from './metric-lines.js';
import {
  appendText,
  errnoCode,
  listKeyFiles,
  listSubdirs,
  numberField,
  readKeyValues,
  readMeta,
  readValue,
  storeError,
  stringField,
  writeAtomic,
  writeMeta,
} from './store-files.js';

export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';
const TRASH = '.trash';
/** Folders inside an experiment that are not runs (FileStore.RESERVED_EXPERIMENT_FOLDERS). */
const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces', 'models']);
/** MLflow writes `source_type: 4` (SourceType.LOCAL) in every run's meta.yaml. */
const SOURCE_TYPE_LOCAL = 4;
const RUN_NAME_TAG = 'mlflow.runName';

/** `RUNNING` ↔ 1 … `KILLED` ↔ 5, as meta.yaml stores it. */
function statusNumber(status: RunStatus): number {
  return RUN_STATUSES.indexOf(status) + 1;
}

function statusOf(value: unknown, file: string): RunStatus {
  if (value === undefined || value === null) return 'RUNNING';
  if (typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value)) {
    return value as RunStatus;
  }
  const status = typeof value === 'number' ? RUN_STATUSES[value - 1] : undefined;
  if (status === undefined) {
    throw new TrackingError(
      ERROR_CODES.tracking,
      `${file}: unknown run status ${JSON.stringify(value)}`,
    );
  }
  return status;
}

function lifecycleOf(value: unknown): LifecycleStage {
  return value === 'deleted' ? 'deleted' : 'active';
}

/** An 18-digit id like MLflow's `_generate_unique_integer_id` (fits a signed 64-bit column). */
function newExperimentId(): string {
  const n = randomBytes(8).readBigUInt64BE() % 900_000_000_000_000_000n;
  return (n + 100_000_000_000_000_000n).toString();
}

/** `file:///a/b` + `c` → `file:///a/b/c` (MLflow's `append_to_uri_path`). */
function appendUriPath(uri: string, ...parts: string[]): string {
  return [uri.replace(/\/+$/, ''), ...parts].join('/');
}

interface RunLocation {
  readonly experimentId: string;
  readonly dir: string;
}

/**
 * MLflow's file store under a local folder.
 *
 * @example
 * const store = await FileTrackingStore.open('./mlruns');
 * const experimentId = await store.createExperiment('driving-style');
 */
export class FileTrackingStore implements TrackingStore {
  readonly kind = 'file';
  readonly uri: string;
  readonly root: string;
  private readonly runDirs = new Map<string, RunLocation>();

  private constructor(root: string) {
    this.root = root;
    this.uri = fileUriOfPath(root);
  }

  /** Opens the store at `root`, creating it with the default experiment `0` when missing. */
  static async open(root: string): Promise<FileTrackingStore> {
    const store = new FileTrackingStore(path.resolve(root));
    try {
      const info = await stat(store.root);
      if (!info.isDirectory()) {
        throw invalidArgument(`tracking store ${store.root} is not a folder`);
      }
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') {
        if (error instanceof TrackingError) throw error;
        throw storeError(`cannot open tracking store ${store.root}`, error);
      }
    }
    try {
      await mkdir(path.join(store.root, TRASH), { recursive: true });
    } catch (error) {
      throw storeError(`cannot create tracking store ${store.root}`, error);
    }
    if ((await readMeta(path.join(store.root, DEFAULT_EXPERIMENT_ID))) === undefined) {
      await store.writeNewExperiment(DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, undefined, []);
    }
    return store;
  }

  // --- experiments ---

  private async experimentDir(
    experimentId: string,
  ): Promise<{ dir: string; deleted: boolean } | undefined> {
    validateExperimentId(experimentId);
    for (const [parent, deleted] of [
      [this.root, false],
      [path.join(this.root, TRASH), true],
    ] as const) {
      const dir = path.join(parent, experimentId);
      if ((await readMeta(dir)) !== undefined) return { dir, deleted };
    }
    return undefined;
  }

  private async readExperiment(dir: string): Promise<Experiment | undefined> {
    const meta = await readMeta(dir);
    if (meta === undefined) return undefined;
    const file = path.join(dir, 'meta.yaml');
    const experimentId = stringField(meta, 'experiment_id');
    const name = stringField(meta, 'name');
    if (experimentId === undefined || name === undefined) {
      throw new TrackingError(ERROR_CODES.tracking, `${file} lacks experiment_id or name`);
    }
    return {
      experimentId,
      name,
      artifactLocation: stringField(meta, 'artifact_location') ?? fileUriOfPath(dir),
      lifecycleStage: lifecycleOf(meta['lifecycle_stage']),
      creationTime: numberField(meta, 'creation_time'),
      lastUpdateTime: numberField(meta, 'last_update_time'),
      tags: await readKeyValues(path.join(dir, 'tags')),
    };
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const found = await this.experimentDir(experimentId);
    const experiment = found === undefined ? undefined : await this.readExperiment(found.dir);
    if (experiment === undefined) {
      throw new TrackingError(
        ERROR_CODES.trackingNotFound,
        `no experiment with id ${experimentId} in ${this.root}`,
      );
    }
    return experiment;
  }

  private async allExperiments(includeDeleted: boolean): Promise<Experiment[]> {
    const parents = includeDeleted ? [this.root, path.join(this.root, TRASH)] : [this.root];
    const out: Experiment[] = [];
    for (const parent of parents) {
      for (const name of await listSubdirs(parent)) {
        // Only experiment folders: MLflow ignores `.trash` and the registry's `models`.
        if (name === TRASH || name === 'models' || name.startsWith('.')) continue;
        const experiment = await this.readExperiment(path.join(parent, name));
        if (experiment !== undefined && experiment.experimentId === name) out.push(experiment);
      }
    }
    return out;
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    validateExperimentName(name);
    return (await this.allExperiments(true)).find((e) => e.name === name);
  }

  async listExperiments(): Promise<Experiment[]> {
    const experiments = await this.allExperiments(false);
    return experiments
      .filter((e) => e.lifecycleStage === 'active')
      .sort(
        (a, b) =>
          (b.creationTime ?? 0) - (a.creationTime ?? 0) ||
          a.experimentId.localeCompare(b.experimentId),
      );
  }

  private async writeNewExperiment(
    experimentId: string,
    name: string,
    artifactLocation: string | undefined,
    tags: readonly KeyValue[],
  ): Promise<void> {
    const dir = path.join(this.root, experimentId);
    const now = Date.now();
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw storeError(`cannot create experiment folder ${dir}`, error);
    }
    // The fields MLflow 3.17's FileStore writes (tags live in files, not here).
    await writeMeta(dir, {
      artifact_location: artifactLocation ?? appendUriPath(this.uri, experimentId),
      creation_time: now,
      effective_trace_archival_retention: null,
      experiment_id: experimentId,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
      trace_location: null,
      workspace: 'default',
    });
    for (const tag of tags) {
      await writeAtomic(path.join(dir, 'tags', ...tag.key.split('/')), tag.value, dir);
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
    const existing = await this.getExperimentByName(name);
    if (existing !== undefined) {
      throw new TrackingError(
        ERROR_CODES.trackingAlreadyExists,
        `experiment ${JSON.stringify(name)} already exists (id ${existing.experimentId}${existing.lifecycleStage === 'deleted' ? ', deleted' : ''})`,
      );
    }
    let experimentId = newExperimentId();
    while ((await this.experimentDir(experimentId)) !== undefined) experimentId = newExperimentId();
    await this.writeNewExperiment(experimentId, name, options.artifactLocation, tags);
    return experimentId;
  }

  // --- runs ---

  private async locateRun(runId: string): Promise<RunLocation> {
    validateRunId(runId);
    const cached = this.runDirs.get(runId);
    if (cached !== undefined) return cached;
    for (const parent of [this.root, path.join(this.root, TRASH)]) {
      for (const experimentId of await listSubdirs(parent)) {
        if (experimentId === TRASH || experimentId === 'models') continue;
        const dir = path.join(parent, experimentId, runId);
        if ((await readMeta(dir)) !== undefined) {
          const location = { experimentId, dir };
          this.runDirs.set(runId, location);
          return location;
        }
      }
    }
    throw new TrackingError(ERROR_CODES.trackingNotFound, `no run ${runId} in ${this.root}`);
  }

  private async readRunMeta(
    dir: string,
  ): Promise<{ meta: Record<string, unknown>; info: RunInfo }> {
    const meta = await readMeta(dir);
    const file = path.join(dir, 'meta.yaml');
    if (meta === undefined) {
      throw new TrackingError(ERROR_CODES.tracking, `${file} is missing or empty`);
    }
    const runId = stringField(meta, 'run_id') ?? stringField(meta, 'run_uuid');
    const experimentId = stringField(meta, 'experiment_id');
    const startTime = numberField(meta, 'start_time');
    if (runId === undefined || experimentId === undefined) {
      throw new TrackingError(ERROR_CODES.tracking, `${file} lacks run_id or experiment_id`);
    }
    const info: RunInfo = {
      runId,
      experimentId,
      runName: stringField(meta, 'run_name') ?? '',
      userId: stringField(meta, 'user_id') ?? '',
      status: statusOf(meta['status'], file),
      startTime: startTime ?? 0,
      endTime: numberField(meta, 'end_time'),
      artifactUri: stringField(meta, 'artifact_uri') ?? fileUriOfPath(path.join(dir, 'artifacts')),
      lifecycleStage: lifecycleOf(meta['lifecycle_stage']),
    };
    return { meta, info };
  }

  /** meta.yaml of a run with the fields MLflow 3.17 writes, plus `run_uuid` for MLflow 1.x readers. */
  private async writeRunMeta(
    dir: string,
    info: RunInfo,
    deletedTime: number | null,
  ): Promise<void> {
    await writeMeta(dir, {
      artifact_uri: info.artifactUri,
      deleted_time: deletedTime,
      end_time: info.endTime ?? null,
      entry_point_name: '',
      experiment_id: info.experimentId,
      lifecycle_stage: info.lifecycleStage,
      run_id: info.runId,
      run_name: info.runName,
      run_uuid: info.runId,
      source_name: '',
      source_type: SOURCE_TYPE_LOCAL,
      source_version: '',
      start_time: info.startTime,
      status: statusNumber(info.status),
      tags: [],
      user_id: info.userId,
    });
  }

  async createRun(request: CreateRunRequest): Promise<RunInfo> {
    const experiment = await this.getExperiment(request.experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw invalidArgument(
        `experiment ${experiment.experimentId} is deleted: cannot add runs to it`,
      );
    }
    const tags = request.tags.map((t) => ({
      key: validateKey('tag', t.key),
      value: validateTagValue(t.key, t.value),
    }));
    const nameTag = tags.find((t) => t.key === RUN_NAME_TAG);
    if (nameTag !== undefined && nameTag.value !== request.runName) {
      throw invalidArgument(
        `run name ${JSON.stringify(request.runName)} and tag ${RUN_NAME_TAG}=${JSON.stringify(nameTag.value)} differ`,
      );
    }
    if (nameTag === undefined) tags.push({ key: RUN_NAME_TAG, value: request.runName });
    const runId = randomUUID().replace(/-/g, '');
    const dir = path.join(this.root, experiment.experimentId, runId);
    const info: RunInfo = {
      runId,
      experimentId: experiment.experimentId,
      runName: request.runName,
      userId: request.userId,
      status: 'RUNNING',
      startTime: request.startTime,
      endTime: undefined,
      artifactUri: appendUriPath(experiment.artifactLocation, runId, 'artifacts'),
      lifecycleStage: 'active',
    };
    try {
      // metrics/, params/ and artifacts/ must exist: MLflow's run lookup skips folders without them.
      for (const sub of ['metrics', 'params', 'tags']) {
        await mkdir(path.join(dir, sub), { recursive: true });
      }
      if (info.artifactUri.startsWith('file:')) {
        await mkdir(localPathOfUri(info.artifactUri), { recursive: true });
      }
      await mkdir(path.join(dir, 'artifacts'), { recursive: true });
    } catch (error) {
      throw storeError(`cannot create run folder ${dir}`, error);
    }
    await this.writeRunMeta(dir, info, null);
    for (const tag of tags) await this.writeTag(dir, tag);
    this.runDirs.set(runId, { experimentId: experiment.experimentId, dir });
    return info;
  }

  private async writeTag(dir: string, tag: KeyValue): Promise<void> {
    await writeAtomic(path.join(dir, 'tags', ...tag.key.split('/')), tag.value, dir);
  }

  private async activeRun(
    runId: string,
  ): Promise<{ dir: string; meta: Record<string, unknown>; info: RunInfo }> {
    const { dir } = await this.locateRun(runId);
    const { meta, info } = await this.readRunMeta(dir);
    if (info.lifecycleStage !== 'active') {
      throw invalidArgument(`run ${runId} is deleted: it cannot be changed`);
    }
    return { dir, meta, info };
  }

  async updateRun(runId: string, request: UpdateRunRequest): Promise<RunInfo> {
    const { dir, meta, info } = await this.activeRun(runId);
    const runName = request.runName ?? info.runName;
    const updated: RunInfo = {
      ...info,
      status: request.status,
      endTime: request.endTime ?? info.endTime,
      runName,
    };
    await this.writeRunMeta(dir, updated, numberField(meta, 'deleted_time') ?? null);
    if (request.runName !== undefined)
      await this.writeTag(dir, { key: RUN_NAME_TAG, value: runName });
    return updated;
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    const metrics = (batch.metrics ?? []).map((m) => {
      validateKey('metric', m.key);
      validateMetricNumbers(m.key, m.value, m.timestamp, m.step);
      return m;
    });
    const params = (batch.params ?? []).map((p) => ({
      key: validateKey('param', p.key),
      value: validateParamValue(p.key, p.value),
    }));
    const tags = (batch.tags ?? []).map((t) => ({
      key: validateKey('tag', t.key),
      value: validateTagValue(t.key, t.value),
    }));
    const { dir, meta, info } = await this.activeRun(runId);

    // Params are immutable in MLflow: the same value again is fine, a different one is not.
    const seen = new Map<string, string>();
    for (const param of params) {
      const earlier =
        seen.get(param.key) ?? (await readValue(path.join(dir, 'params', ...param.key.split('/'))));
      if (earlier !== undefined && earlier !== param.value) {
        throw invalidArgument(
          `param ${param.key} of run ${runId} is already ${JSON.stringify(earlier)}; MLflow params cannot change (got ${JSON.stringify(param.value)})`,
        );
      }
      seen.set(param.key, param.value);
    }
    for (const [key, value] of seen) {
      await writeAtomic(path.join(dir, 'params', ...key.split('/')), value, dir);
    }

    // One append per metric key: its lines land together.
    const lines = new Map<string, string>();
    for (const metric of metrics) {
      lines.set(metric.key, (lines.get(metric.key) ?? '') + formatMetricLine(metric));
    }
    for (const [key, text] of lines) {
      await appendText(path.join(dir, 'metrics', ...key.split('/')), text);
    }

    for (const tag of tags) {
      await this.writeTag(dir, tag);
      if (tag.key === RUN_NAME_TAG && tag.value !== info.runName) {
        await this.writeRunMeta(
          dir,
          { ...info, runName: tag.value },
          numberField(meta, 'deleted_time') ?? null,
        );
      }
    }
  }

  async getRun(runId: string): Promise<Run> {
    const { dir } = await this.locateRun(runId);
    const { info } = await this.readRunMeta(dir);
    const metrics: Metric[] = [];
    for (const key of await listKeyFiles(path.join(dir, 'metrics'))) {
      const latest = latestMetric(await this.readMetricFile(dir, key));
      if (latest !== undefined) metrics.push(latest);
    }
    const params = await readKeyValues(path.join(dir, 'params'));
    const tags = await readKeyValues(path.join(dir, 'tags'));
    const runName = info.runName !== '' ? info.runName : (tags[RUN_NAME_TAG] ?? '');
    return { info: { ...info, runName }, data: { metrics, params, tags } };
  }

  private async readMetricFile(dir: string, key: string): Promise<Metric[]> {
    const file = path.join(dir, 'metrics', ...key.split('/'));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw storeError(`cannot read ${file}`, error);
    }
    return parseMetricLines(key, text, file);
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateKey('metric', key);
    const { dir } = await this.locateRun(runId);
    return this.readMetricFile(dir, key);
  }

  async searchRuns(
    experimentIds: readonly string[],
    options: { maxResults?: number } = {},
  ): Promise<Run[]> {
    const runs: Run[] = [];
    for (const experimentId of experimentIds) {
      const found = await this.experimentDir(experimentId);
      if (found === undefined) continue;
      for (const name of await listSubdirs(found.dir)) {
        if (RESERVED_EXPERIMENT_FOLDERS.has(name) || name.startsWith('.')) continue;
        if ((await readMeta(path.join(found.dir, name))) === undefined) continue;
        this.runDirs.set(name, { experimentId, dir: path.join(found.dir, name) });
        const run = await this.getRun(name);
        if (run.info.lifecycleStage === 'active') runs.push(run);
      }
    }
    runs.sort(
      (a, b) => b.info.startTime - a.info.startTime || a.info.runId.localeCompare(b.info.runId),
    );
    return options.maxResults === undefined ? runs : runs.slice(0, options.maxResults);
  }

  artifactRepository(artifactUri: string): ArtifactRepository {
    if (!artifactUri.startsWith('file:') && !path.isAbsolute(artifactUri)) {
      throw new TrackingError(
        ERROR_CODES.trackingInvalidArgument,
        `the file store can only reach local artifacts, not ${artifactUri}`,
      );
    }
    return new LocalArtifactRepository(artifactUri);
  }
}

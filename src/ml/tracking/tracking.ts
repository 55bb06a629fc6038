// The tracking API Pitwall's commands use: experiments by name, runs with a handle to log
// into, reads of runs and their artifacts. One class over either backend, chosen by
// `openTracking` from the tracking URI.
import { ERROR_CODES, TrackingError } from '../../errors.js';
import { FileTrackingStore } from './file/file-store.js';
import { MlflowHttpClient } from './rest/http-client.js';
import { RestTrackingStore } from './rest/rest-store.js';
import { defaultRunName, defaultRunTags, SYSTEM_TAGS } from './run-context.js';
import { RunHandle } from './run-handle.js';
import { parseTrackingUri, restSettingsFromEnv, type TrackingTarget } from './settings.js';
import type { ArtifactInfo, Experiment, Metric, Run, TrackingStore } from './types.js';

export interface OpenTrackingOptions {
  /** A folder, `file:` URI or `http(s)://` server; default `MLFLOW_TRACKING_URI`, then `./mlruns`. */
  readonly trackingUri?: string;
  /** Where MLFLOW_* settings are read; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface StartRunOptions {
  /** Default: `experimentName`'s experiment, else the default experiment `0`. */
  readonly experimentId?: string;
  /** Used (and created when missing) when `experimentId` is not given. */
  readonly experimentName?: string;
  readonly runName?: string;
  /** Added to MLflow's system tags (user, source, git commit); given tags win on a clash. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch; default now. */
  readonly startTime?: number;
}

/** The tracking URI to use: the option, else MLFLOW_TRACKING_URI, else `./mlruns`. */
export function trackingTargetOf(options: OpenTrackingOptions = {}): TrackingTarget {
  const env = options.env ?? process.env;
  return parseTrackingUri(options.trackingUri ?? env['MLFLOW_TRACKING_URI']);
}

/** Opens the store a target names; REST stores share nothing and must be closed. */
export async function openTrackingStore(
  target: TrackingTarget,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ store: TrackingStore; client: MlflowHttpClient | undefined }> {
  if (target.kind === 'file')
    return { store: await FileTrackingStore.open(target.root), client: undefined };
  const client = new MlflowHttpClient(restSettingsFromEnv(target.baseUrl, env));
  return { store: new RestTrackingStore(client), client };
}

/**
 * Tracking over MLflow's file store or a tracking server.
 *
 * @example
 * const tracking = await openTracking(); // MLFLOW_TRACKING_URI, or ./mlruns
 * try {
 *   const experiment = await tracking.getOrCreateExperiment('driving-style');
 *   await tracking.withRun({ experimentId: experiment.experimentId, runName: 'forest' }, async (run) => {
 *     await run.logParams({ n_estimators: 300 });
 *     await run.logMetric('accuracy', 0.93);
 *   });
 * } finally {
 *   tracking.close();
 * }
 */
export class Tracking {
  readonly store: TrackingStore;
  private readonly client: MlflowHttpClient | undefined;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    store: TrackingStore,
    options: { client?: MlflowHttpClient; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.store = store;
    this.client = options.client;
    this.env = options.env ?? process.env;
  }

  /** `file:///…/mlruns` or the server's base URL. */
  get uri(): string {
    return this.store.uri;
  }

  get kind(): 'file' | 'rest' {
    return this.store.kind;
  }

  /** Drops a server's kept-alive connections; the file store holds nothing open. */
  close(): void {
    this.client?.close();
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.store.getExperiment(experimentId);
  }

  getExperimentByName(name: string): Promise<Experiment | undefined> {
    return this.store.getExperimentByName(name);
  }

  listExperiments(): Promise<Experiment[]> {
    return this.store.listExperiments();
  }

  /** The active experiment called `name`, created when missing. A deleted one is an error. */
  async getOrCreateExperiment(
    name: string,
    options: { tags?: Readonly<Record<string, string>> } = {},
  ): Promise<Experiment> {
    let experiment = await this.store.getExperimentByName(name);
    if (experiment === undefined) {
      const tags = Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value }));
      try {
        const id = await this.store.createExperiment(name, { tags });
        return await this.store.getExperiment(id);
      } catch (error) {
        // Another writer created it between our lookup and create.
        if (!(error instanceof TrackingError) || error.code !== ERROR_CODES.trackingAlreadyExists)
          throw error;
        experiment = await this.store.getExperimentByName(name);
        if (experiment === undefined) throw error;
      }
    }
    if (experiment.lifecycleStage !== 'active') {
      throw new TrackingError(
        ERROR_CODES.trackingInvalidArgument,
        `experiment ${JSON.stringify(name)} (id ${experiment.experimentId}) is deleted; restore it in MLflow or pick another name`,
      );
    }
    return experiment;
  }

  /** Starts a run; log into the returned handle and `end()` it. */
  async startRun(options: StartRunOptions = {}): Promise<RunHandle> {
    const experimentId =
      options.experimentId ??
      (options.experimentName === undefined
        ? '0'
        : (await this.getOrCreateExperiment(options.experimentName)).experimentId);
    const runName = options.runName ?? options.tags?.[SYSTEM_TAGS.runName] ?? defaultRunName();
    const tags: Record<string, string> = {
      ...defaultRunTags(this.env),
      ...(options.tags ?? {}),
      [SYSTEM_TAGS.runName]: runName,
    };
    const info = await this.store.createRun({
      experimentId,
      runName,
      userId: tags[SYSTEM_TAGS.user] ?? 'unknown',
      startTime: options.startTime ?? Date.now(),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    return new RunHandle(this.store, info);
  }

  /**
   * Runs `work` inside a new run and ends it FINISHED, or FAILED (and rethrows) when `work`
   * throws.
   */
  async withRun<T>(options: StartRunOptions, work: (run: RunHandle) => Promise<T>): Promise<T> {
    const run = await this.startRun(options);
    let result: T;
    try {
      result = await work(run);
    } catch (error) {
      await run.end('FAILED').catch(() => undefined);
      throw error;
    }
    await run.end('FINISHED');
    return result;
  }

  /** A handle to log more into an existing run (resuming it, as MLflow's `start_run(run_id=…)`). */
  async resumeRun(runId: string): Promise<RunHandle> {
    const run = await this.store.getRun(runId);
    return new RunHandle(this.store, run.info);
  }

  getRun(runId: string): Promise<Run> {
    return this.store.getRun(runId);
  }

  getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return this.store.getMetricHistory(runId, key);
  }

  searchRuns(
    experimentIds: readonly string[],
    options: { maxResults?: number } = {},
  ): Promise<Run[]> {
    return this.store.searchRuns(experimentIds, options);
  }

  /** The direct children of `path` among a run's artifacts. */
  async listArtifacts(runId: string, path?: string): Promise<ArtifactInfo[]> {
    const run = await this.store.getRun(runId);
    return this.store.artifactRepository(run.info.artifactUri).list(path);
  }

  /** Copies a run's artifact file or folder (default: all) into `destDir`; returns its local path. */
  async downloadArtifacts(
    runId: string,
    path: string | undefined,
    destDir: string,
  ): Promise<string> {
    const run = await this.store.getRun(runId);
    return this.store.artifactRepository(run.info.artifactUri).download(path, destDir);
  }
}

/**
 * Opens tracking where the URI says: a folder or `file:` URI is MLflow's file store
 * (created with the default experiment when missing); `http(s)://` is a tracking server,
 * with auth, TLS and retry settings from MLFLOW_* variables. A bad URI fails with one line.
 *
 * @example
 * const local = await openTracking({ trackingUri: './mlruns' });
 * const remote = await openTracking({ env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' } });
 */
export async function openTracking(options: OpenTrackingOptions = {}): Promise<Tracking> {
  const env = options.env ?? process.env;
  const { store, client } = await openTrackingStore(trackingTargetOf(options), env);
  return new Tracking(store, { ...(client === undefined ? {} : { client }), env });
}

// The entities of MLflow-compatible tracking (experiments, runs, metrics, params, tags,
// artifacts) and the two interfaces every backend implements: a TrackingStore for metadata
// and an ArtifactRepository for a run's files. Names follow MLflow's REST API
// (mlflow/protos/service.proto) in camelCase.

/** MLflow's run statuses (service.proto `RunStatus`), in enum order 1..5. */
export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const LIFECYCLE_STAGES = ['active', 'deleted'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export interface Experiment {
  /** Decimal digits in both stores (`0` is the default experiment). */
  readonly experimentId: string;
  readonly name: string;
  /** Where runs of this experiment keep artifacts (`file:///…/mlruns/<id>`, `mlflow-artifacts:/<id>`). */
  readonly artifactLocation: string;
  readonly lifecycleStage: LifecycleStage;
  /** Milliseconds since the epoch. */
  readonly creationTime: number | undefined;
  readonly lastUpdateTime: number | undefined;
  readonly tags: Readonly<Record<string, string>>;
}

export interface RunInfo {
  readonly runId: string;
  readonly experimentId: string;
  readonly runName: string;
  readonly userId: string;
  readonly status: RunStatus;
  /** Milliseconds since the epoch. */
  readonly startTime: number;
  readonly endTime: number | undefined;
  /** The root of the run's artifacts: `file:///…/artifacts` or `mlflow-artifacts:/<exp>/<run>/artifacts`. */
  readonly artifactUri: string;
  readonly lifecycleStage: LifecycleStage;
}

/** One metric value; a metric's history is the list of them. */
export interface Metric {
  readonly key: string;
  readonly value: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** An integer, 0 when not given (MLflow's default). */
  readonly step: number;
}

/** A metric to log: `timestamp` defaults to now, `step` to 0. */
export interface MetricInput {
  readonly key: string;
  readonly value: number;
  readonly timestamp?: number;
  readonly step?: number;
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

export interface RunData {
  /** The latest value of each metric: highest step, then timestamp, then value (as MLflow picks). */
  readonly metrics: readonly Metric[];
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

export interface Run {
  readonly info: RunInfo;
  readonly data: RunData;
}

/** One entry of an artifact listing; `path` is relative to the run's artifact root. */
export interface ArtifactInfo {
  readonly path: string;
  readonly isDir: boolean;
  /** Bytes; absent for directories. */
  readonly fileSize: number | undefined;
}

/** What `logBatch` writes in one call; a REST store splits it to MLflow's per-request limits. */
export interface LogBatch {
  readonly metrics?: readonly Metric[];
  readonly params?: readonly KeyValue[];
  readonly tags?: readonly KeyValue[];
}

export interface CreateRunRequest {
  readonly experimentId: string;
  readonly runName: string;
  readonly userId: string;
  readonly startTime: number;
  readonly tags: readonly KeyValue[];
}

export interface UpdateRunRequest {
  readonly status: RunStatus;
  readonly endTime?: number;
  readonly runName?: string;
}

/** A run's files: local folder, or a tracking server's artifact proxy. Paths use `/`. */
export interface ArtifactRepository {
  /** The root this repository writes under (the run's `artifactUri`). */
  readonly rootUri: string;
  /** Copies one local file to `<artifactPath>/<basename>` (or the root). */
  logFile(localFile: string, artifactPath?: string): Promise<void>;
  /** Copies a local folder's files, recursively, under `artifactPath` (or the root). */
  logDir(localDir: string, artifactPath?: string): Promise<void>;
  /** The direct children of `path` (default: the root). An absent path lists as empty. */
  list(path?: string): Promise<ArtifactInfo[]>;
  /**
   * Copies the file or folder at `path` (default: everything) into `destDir` and returns the
   * local path of what was copied.
   */
  download(path: string | undefined, destDir: string): Promise<string>;
}

/**
 * One tracking backend: the subset of MLflow's tracking service Pitwall uses. Both the file
 * store and the REST store implement it and pass the same shared tests.
 */
export interface TrackingStore {
  readonly kind: 'file' | 'rest';
  /** The tracking URI as normalised (`file:///abs/mlruns`, `https://host/prefix`). */
  readonly uri: string;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** Undefined when no experiment (active or deleted) has that name. */
  getExperimentByName(name: string): Promise<Experiment | undefined>;
  /** Creates an experiment and returns its id; fails with trackingAlreadyExists on a taken name. */
  createExperiment(
    name: string,
    options?: { artifactLocation?: string; tags?: readonly KeyValue[] },
  ): Promise<string>;
  /** Active experiments. */
  listExperiments(): Promise<Experiment[]>;
  createRun(request: CreateRunRequest): Promise<RunInfo>;
  updateRun(runId: string, request: UpdateRunRequest): Promise<RunInfo>;
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  getRun(runId: string): Promise<Run>;
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;
  /** Active runs of the experiments, newest first. */
  searchRuns(experimentIds: readonly string[], options?: { maxResults?: number }): Promise<Run[]>;
  /** The repository of files under `artifactUri` (a run's root, or a folder below it). */
  artifactRepository(artifactUri: string): ArtifactRepository;
}

// The model registry's entities and the interface both registries implement: MLflow's
// registered models, model versions, aliases and tags (mlflow/protos/model_registry.proto).

export interface ModelVersion {
  readonly name: string;
  /** 1, 2, … in creation order. */
  readonly version: number;
  /** Milliseconds since the epoch. */
  readonly creationTimestamp: number | undefined;
  readonly lastUpdatedTimestamp: number | undefined;
  /** The model folder's artifact URI (a run's `…/artifacts/model`). */
  readonly source: string;
  readonly runId: string | undefined;
  readonly runLink: string | undefined;
  readonly description: string | undefined;
  /** MLflow's deprecated stage (`None`, `Staging`, `Production`, `Archived`); aliases replace it. */
  readonly currentStage: string;
  /** `READY` for every version Pitwall creates. */
  readonly status: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The aliases pointing at this version. */
  readonly aliases: readonly string[];
}

export interface RegisteredModel {
  readonly name: string;
  readonly creationTimestamp: number | undefined;
  readonly lastUpdatedTimestamp: number | undefined;
  readonly description: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  /** alias → version. */
  readonly aliases: Readonly<Record<string, number>>;
  /** The newest version, if any (by number). */
  readonly latestVersion: number | undefined;
}

export interface CreateModelVersionRequest {
  readonly name: string;
  /** The model folder's artifact URI; `LoggedModel.source` from `RunHandle.logModel`. */
  readonly source: string;
  readonly runId?: string;
  readonly runLink?: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** One registry backend; both pass the same shared tests. */
export interface ModelRegistry {
  readonly kind: 'file' | 'rest';
  /** The tracking URI the registry lives at. */
  readonly uri: string;
  createRegisteredModel(
    name: string,
    options?: { description?: string; tags?: Readonly<Record<string, string>> },
  ): Promise<RegisteredModel>;
  /** Fails with trackingNotFound when there is no such model. */
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  /** All registered models, by name. */
  listRegisteredModels(): Promise<RegisteredModel[]>;
  /**
   * Registers a new version of `name` (created first when missing, as MLflow's
   * `register_model` does) and returns it.
   */
  createModelVersion(request: CreateModelVersionRequest): Promise<ModelVersion>;
  getModelVersion(name: string, version: number): Promise<ModelVersion>;
  /** The versions of one model, newest first. */
  listModelVersions(name: string): Promise<ModelVersion[]>;
  /** Points `alias` at `version` (moving it if it pointed elsewhere). */
  setAlias(name: string, alias: string, version: number): Promise<void>;
  /** Removes `alias`; removing an absent alias is not an error. */
  deleteAlias(name: string, alias: string): Promise<void>;
  /** The version `alias` points at; trackingNotFound when the alias is not set. */
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  setRegisteredModelTag(name: string, key: string, value: string): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;
  setModelVersionTag(name: string, version: number, key: string, value: string): Promise<void>;
  deleteModelVersionTag(name: string, version: number, key: string): Promise<void>;
  /** Drops kept-alive connections (REST); nothing for the file registry. */
  close(): void;
}

// Every error Pitwall raises on purpose: one closed list of codes, one base class.
// Callers branch on `code` or `canRetry`, never on message text.

export const ERROR_CODES = {
  /** A command-line option or argument is missing or malformed. */
  usage: 'PITWALL_ERR_USAGE',
  /** A setting from the environment or `.env` is malformed. */
  config: 'PITWALL_ERR_CONFIG',
  /** A car or driver profile file does not match its schema or is physically inconsistent. */
  profile: 'PITWALL_ERR_PROFILE',
  /** A scenario file does not match its schema. */
  scenario: 'PITWALL_ERR_SCENARIO',
  /** A value does not match the telemetry event schema. */
  schema: 'PITWALL_ERR_SCHEMA',
  /** Reading or writing a file failed. */
  io: 'PITWALL_ERR_IO',
  /** A lake table's log or files are unreadable or inconsistent, or a lake call was misused. */
  lake: 'PITWALL_ERR_LAKE',
  /** A lake table, URI or log uses something Pitwall does not implement (scheme, protocol version, feature). */
  lakeUnsupported: 'PITWALL_ERR_LAKE_UNSUPPORTED',
  /** No Delta table exists at the location. */
  lakeTableNotFound: 'PITWALL_ERR_LAKE_TABLE_NOT_FOUND',
  /** A Delta table already exists at the location. */
  lakeTableExists: 'PITWALL_ERR_LAKE_TABLE_EXISTS',
  /** Rows, a schema, table properties or options given to the lake are invalid. */
  lakeData: 'PITWALL_ERR_LAKE_DATA',
  /** A concurrent commit changed what this commit depended on; re-read the table and redo the work. */
  lakeConflict: 'PITWALL_ERR_LAKE_CONFLICT',
  /** A concurrent commit recorded a transaction for the same application id. */
  lakeConcurrentTransaction: 'PITWALL_ERR_LAKE_CONCURRENT_TRANSACTION',
  /** The log's storage failed (disk full, I/O error, unreadable database file). */
  logStorage: 'PITWALL_ERR_LOG_STORAGE',
  /** Another process held the log's write lock past the busy timeout; `canRetry` is true. */
  logBusy: 'PITWALL_ERR_LOG_BUSY',
  /** Stored log data failed its checksum or the database is malformed. */
  logCorrupt: 'PITWALL_ERR_LOG_CORRUPT',
  /** A log option or argument is malformed; the message names the bad path. */
  logInvalidArgument: 'PITWALL_ERR_LOG_INVALID_ARGUMENT',
  /** The topic does not exist. */
  logUnknownTopic: 'PITWALL_ERR_LOG_UNKNOWN_TOPIC',
  /** A topic with that name already exists. */
  logTopicExists: 'PITWALL_ERR_LOG_TOPIC_EXISTS',
  /** A message is larger than the producer's `maxMessageBytes`. */
  logMessageTooLarge: 'PITWALL_ERR_LOG_MESSAGE_TOO_LARGE',
  /** A consumer's position is outside the log and its `autoOffsetReset` is `none`. */
  logOffsetOutOfRange: 'PITWALL_ERR_LOG_OFFSET_OUT_OF_RANGE',
  /** A commit names a partition this group member no longer owns (rebalanced away, or the member expired). */
  logCommitFailed: 'PITWALL_ERR_LOG_COMMIT_FAILED',
  /** A seek names a partition not assigned to this consumer. */
  logNotAssigned: 'PITWALL_ERR_LOG_NOT_ASSIGNED',
  /** The producer, consumer, admin or transport was already closed. */
  logClosed: 'PITWALL_ERR_LOG_CLOSED',
  /** The log's servers (Kafka brokers) cannot be reached or did not answer in time; `canRetry` is true. */
  logUnavailable: 'PITWALL_ERR_LOG_UNAVAILABLE',
  /** A pipeline run failed a check it must pass (row reconciliation, a missing input table, a layer's gate). */
  pipeline: 'PITWALL_ERR_PIPELINE',
  /** A data-quality expectation suite file is unreadable or does not match the suite format; the message names the file and path. */
  dqSuite: 'PITWALL_ERR_DQ_SUITE',
  /** A dataset, model, training or tracking call got input it cannot use (empty split, bad model file, unknown run). */
  ml: 'PITWALL_ERR_ML',
  /** A tracking or registry call got a bad name, key, value, URI or state (MLflow's INVALID_PARAMETER_VALUE). */
  trackingInvalidArgument: 'PITWALL_ERR_TRACKING_INVALID_ARGUMENT',
  /** The experiment, run, registered model, model version, alias or artifact does not exist. */
  trackingNotFound: 'PITWALL_ERR_TRACKING_NOT_FOUND',
  /** An experiment or registered model with that name already exists. */
  trackingAlreadyExists: 'PITWALL_ERR_TRACKING_ALREADY_EXISTS',
  /** The tracking server refused the credentials (HTTP 401 or 403). */
  trackingUnauthorized: 'PITWALL_ERR_TRACKING_UNAUTHORIZED',
  /** The tracking server could not be reached, or kept answering 408/429/5xx after retries; `canRetry` is true. */
  trackingUnavailable: 'PITWALL_ERR_TRACKING_UNAVAILABLE',
  /** Any other tracking failure: a server error MLflow names in `mlflowErrorCode`, an unreadable local store. */
  tracking: 'PITWALL_ERR_TRACKING',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export interface PitwallErrorOptions {
  cause?: unknown;
  /** True when the same call may succeed if repeated (a transient failure). */
  canRetry?: boolean;
}

/** Base class of Pitwall's errors; `message` is one line meant for the user. */
export class PitwallError extends Error {
  readonly code: ErrorCode;
  readonly canRetry: boolean;

  constructor(code: ErrorCode, message: string, options: PitwallErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PitwallError';
    this.code = code;
    this.canRetry = options.canRetry ?? false;
  }
}

/** Bad command-line input: the CLI prints the message on one line and exits with status 2. */
export class UsageError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.usage, message, options);
    this.name = 'UsageError';
  }
}

export class ProfileError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.profile, message, options);
    this.name = 'ProfileError';
  }
}

export class ScenarioError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.scenario, message, options);
    this.name = 'ScenarioError';
  }
}

export class SchemaError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.schema, message, options);
    this.name = 'SchemaError';
  }
}

/** Reading or writing a file or stream failed; `message` names the path. */
export class IoError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.io, message, options);
    this.name = 'IoError';
  }
}

/** A lake table's log or files are unreadable or inconsistent; `canRetry` marks transient cases. */
export class LakeError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.lake, message, options);
    this.name = 'LakeError';
  }
}

/** The table, URI or log needs something Pitwall does not implement. */
export class LakeUnsupportedError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.lakeUnsupported, message, options);
    this.name = 'LakeUnsupportedError';
  }
}

export class TableNotFoundError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.lakeTableNotFound, message, options);
    this.name = 'TableNotFoundError';
  }
}

export class TableExistsError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.lakeTableExists, message, options);
    this.name = 'TableExistsError';
  }
}

/** Rows, a schema, table properties or call options are invalid; `message` names the bad path. */
export class LakeDataError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.lakeData, message, options);
    this.name = 'LakeDataError';
  }
}

/**
 * A concurrent commit made this one invalid (metadata or protocol change, a file removed
 * twice). Repeating the same commit cannot succeed: re-read the table and plan again.
 */
export class CommitConflictError extends PitwallError {
  /** The version of the winning commit that conflicts. */
  readonly conflictingVersion: number;

  constructor(message: string, conflictingVersion: number, options?: PitwallErrorOptions) {
    super(ERROR_CODES.lakeConflict, message, options);
    this.name = 'CommitConflictError';
    this.conflictingVersion = conflictingVersion;
  }
}

/**
 * Another writer committed a transaction for the same application id after this commit's
 * read version: two instances of one streaming writer are running. Read `txnVersion(appId)`
 * again before deciding whether the batch still needs writing.
 */
export class ConcurrentTransactionError extends PitwallError {
  readonly appId: string;
  /** The version of the winning commit that holds the other transaction. */
  readonly conflictingVersion: number;

  constructor(
    message: string,
    appId: string,
    conflictingVersion: number,
    options?: PitwallErrorOptions,
  ) {
    super(ERROR_CODES.lakeConcurrentTransaction, message, options);
    this.name = 'ConcurrentTransactionError';
    this.appId = appId;
    this.conflictingVersion = conflictingVersion;
  }
}

/** The codes a {@link LogError} may carry: those of the log layer (`PITWALL_ERR_LOG_*`). */
export type LogErrorCode = Extract<ErrorCode, `PITWALL_ERR_LOG_${string}`>;

/**
 * A failure of the log layer (producer, consumer, admin, transport). `code` says which;
 * retries branch on `canRetry` (true for a lock held too long by another process).
 */
export class LogError extends PitwallError {
  declare readonly code: LogErrorCode;

  constructor(code: LogErrorCode, message: string, options?: PitwallErrorOptions) {
    super(code, message, options);
    this.name = 'LogError';
  }
}

/** A pipeline run stopped: its rows do not reconcile, an input is missing, or a gate failed. */
export class PipelineError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.pipeline, message, options);
    this.name = 'PipelineError';
  }
}

/** An expectation suite file (`expectations/*.yml`) is unreadable or malformed. */
export class ExpectationSuiteError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.dqSuite, message, options);
    this.name = 'ExpectationSuiteError';
  }
}

/** A setting (environment variable or `.env` line) is malformed; the message names it. */
export class ConfigError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.config, message, options);
    this.name = 'ConfigError';
  }
}

/** A machine-learning step failed on its input: a dataset, a model file, a training call. */
export class MlError extends PitwallError {
  constructor(message: string, options?: PitwallErrorOptions) {
    super(ERROR_CODES.ml, message, options);
    this.name = 'MlError';
  }
}

/** The codes a {@link TrackingError} may carry: those of tracking and the registry (`PITWALL_ERR_TRACKING*`). */
export type TrackingErrorCode = Extract<ErrorCode, `PITWALL_ERR_TRACKING${string}`>;

/**
 * A failure of MLflow-compatible tracking or the model registry, local store or server.
 * `mlflowErrorCode` and `httpStatus` keep what a server answered (`RESOURCE_DOES_NOT_EXIST`, 404).
 */
export class TrackingError extends PitwallError {
  declare readonly code: TrackingErrorCode;
  readonly mlflowErrorCode: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(
    code: TrackingErrorCode,
    message: string,
    options: PitwallErrorOptions & { mlflowErrorCode?: string; httpStatus?: number } = {},
  ) {
    super(code, message, options);
    this.name = 'TrackingError';
    this.mlflowErrorCode = options.mlflowErrorCode;
    this.httpStatus = options.httpStatus;
  }
}

export function isPitwallError(error: unknown): error is PitwallError {
  return error instanceof PitwallError;
}

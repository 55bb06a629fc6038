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

export function isPitwallError(error: unknown): error is PitwallError {
  return error instanceof PitwallError;
}

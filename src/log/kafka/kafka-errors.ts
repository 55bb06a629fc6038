// Errors of the Kafka client → LogError with Pitwall's codes. Kafka answers with protocol
// error names (Kafka protocol guide, "Error Codes"); the client wraps them, and retries
// into MultipleErrors. Callers branch on our `code` and `canRetry`, never on the text.
import { ERROR_CODES, LogError, type LogErrorCode } from '../../errors.js';

interface ClientErrorLike {
  readonly message?: string;
  readonly code?: string;
  readonly apiId?: string;
  readonly canRetry?: boolean;
  readonly serverErrorMessage?: string | null;
  readonly errors?: readonly unknown[];
  readonly cause?: unknown;
}

/** Kafka protocol error names and the code each becomes. */
const PROTOCOL_CODES: Readonly<Record<string, LogErrorCode>> = {
  UNKNOWN_TOPIC_OR_PARTITION: ERROR_CODES.logUnknownTopic,
  UNKNOWN_TOPIC_ID: ERROR_CODES.logUnknownTopic,
  TOPIC_ALREADY_EXISTS: ERROR_CODES.logTopicExists,
  MESSAGE_TOO_LARGE: ERROR_CODES.logMessageTooLarge,
  RECORD_LIST_TOO_LARGE: ERROR_CODES.logMessageTooLarge,
  OFFSET_OUT_OF_RANGE: ERROR_CODES.logOffsetOutOfRange,
  INVALID_PARTITIONS: ERROR_CODES.logInvalidArgument,
  INVALID_REPLICATION_FACTOR: ERROR_CODES.logInvalidArgument,
  INVALID_REPLICA_ASSIGNMENT: ERROR_CODES.logInvalidArgument,
  INVALID_CONFIG: ERROR_CODES.logInvalidArgument,
  INVALID_TOPIC_EXCEPTION: ERROR_CODES.logInvalidArgument,
  POLICY_VIOLATION: ERROR_CODES.logInvalidArgument,
  INVALID_REQUEST: ERROR_CODES.logInvalidArgument,
  ILLEGAL_GENERATION: ERROR_CODES.logCommitFailed,
  UNKNOWN_MEMBER_ID: ERROR_CODES.logCommitFailed,
  REBALANCE_IN_PROGRESS: ERROR_CODES.logCommitFailed,
  FENCED_INSTANCE_ID: ERROR_CODES.logCommitFailed,
  CORRUPT_MESSAGE: ERROR_CODES.logCorrupt,
  KAFKA_STORAGE_ERROR: ERROR_CODES.logStorage,
};

/** Every error in the client's error tree, depth first. */
function* walk(error: unknown, depth = 0): Generator<ClientErrorLike> {
  if (depth > 8 || typeof error !== 'object' || error === null) return;
  const e = error as ClientErrorLike;
  yield e;
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* walk(inner, depth + 1);
  if (e.cause !== undefined) yield* walk(e.cause, depth + 1);
}

/** The first protocol error (a broker's answer) in the client's error tree. */
export function protocolErrorOf(error: unknown): ClientErrorLike | undefined {
  for (const e of walk(error)) if (typeof e.apiId === 'string') return e;
  return undefined;
}

/** True when the client could not reach a broker or a request timed out. */
export function isNetworkError(error: unknown): boolean {
  for (const e of walk(error)) {
    if (typeof e.apiId === 'string') return false;
    if (e.code === 'PLT_KFK_NETWORK' || e.code === 'PLT_KFK_TIMEOUT') return true;
  }
  return false;
}

function innermostMessage(error: unknown): string {
  let message = '';
  for (const e of walk(error)) {
    if (typeof e.message === 'string' && e.message !== '' && !Array.isArray(e.errors)) {
      message = e.message;
      break;
    }
  }
  return message || String(error);
}

/**
 * `error` as a LogError: kept when it already is one; a broker's protocol error by its
 * name; an unreachable or silent broker as UNAVAILABLE (naming `brokers`); the client's
 * validation errors as INVALID_ARGUMENT; anything else as STORAGE. `context` starts the
 * message ("send to telemetry").
 */
export function toLogError(error: unknown, context: string, brokers?: readonly string[]): LogError {
  if (error instanceof LogError) return error;
  const protocol = protocolErrorOf(error);
  if (protocol) {
    const name = protocol.apiId!;
    const detail = protocol.serverErrorMessage || protocol.message || name;
    const code = PROTOCOL_CODES[name];
    const retriable =
      name === 'REBALANCE_IN_PROGRESS' || (code === undefined && protocol.canRetry === true);
    return new LogError(
      code ?? (retriable ? ERROR_CODES.logUnavailable : ERROR_CODES.logStorage),
      `${context}: Kafka answered ${name} (${detail})`,
      { cause: error, canRetry: retriable },
    );
  }
  if (isNetworkError(error)) {
    const where = brokers && brokers.length > 0 ? ` at ${brokers.join(',')}` : '';
    return new LogError(
      ERROR_CODES.logUnavailable,
      `${context}: cannot reach the Kafka brokers${where} (${innermostMessage(error)})`,
      { cause: error, canRetry: true },
    );
  }
  for (const e of walk(error)) {
    // The client (1.35) turns a Metadata UNKNOWN_TOPIC_OR_PARTITION into a UserError whose
    // only mark is its text; nothing else in its errors says "unknown topic".
    if (e.code === 'PLT_KFK_USER' && /^Unknown topic /.test(e.message ?? '')) {
      return new LogError(ERROR_CODES.logUnknownTopic, `${context}: ${e.message ?? ''}`, {
        cause: error,
      });
    }
    if (e.code === 'PLT_KFK_USER') {
      return new LogError(ERROR_CODES.logInvalidArgument, `${context}: ${e.message ?? ''}`, {
        cause: error,
      });
    }
  }
  return new LogError(ERROR_CODES.logStorage, `${context}: ${innermostMessage(error)}`, {
    cause: error,
  });
}

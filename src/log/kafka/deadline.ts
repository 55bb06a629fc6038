// A bound on how long one client call may take in all (the client's own retries included),
// so an unreachable cluster fails within the connect timeout instead of hanging.
import { ERROR_CODES, LogError } from '../../errors.js';

/** Resolves as `promise` does, or rejects with UNAVAILABLE after `ms`. */
export async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  brokers: readonly string[],
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new LogError(
          ERROR_CODES.logUnavailable,
          `${what}: no answer from the Kafka brokers at ${brokers.join(',')} within ${ms} ms`,
          { canRetry: true },
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
    // The losing promise may still reject later; that must not become unhandled.
    promise.catch(() => undefined);
  }
}

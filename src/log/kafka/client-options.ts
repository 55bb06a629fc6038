// KafkaSettings → the options every @platformatic/kafka client (producer, consumer, admin)
// takes: brokers, client id, timeouts, TLS and SASL. One function, so the mapping is unit
// tested without a broker (a TLS or SASL broker is not available in the test setup).
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { KafkaSettings } from './settings.js';

/** Retry policy of one client: how often and how long to wait before each retry. */
export interface ClientRetryPolicy {
  readonly retries: number;
  readonly retryBackoffMs: number;
  /** Upper bound of one wait (Kafka's retry.backoff.max.ms). */
  readonly retryBackoffMaxMs: number;
}

/** The subset of the client's BaseOptions Pitwall sets. */
export interface KafkaClientOptions {
  readonly clientId: string;
  readonly bootstrapBrokers: string[];
  readonly connectTimeout: number;
  /** Per-request timeout of a connection. */
  readonly requestTimeout: number;
  /** The broker-side timeout sent with Produce / InitProducerId requests. */
  readonly timeout: number;
  readonly retries: number;
  readonly retryDelay: (client: unknown, operationId: string, attempt: number) => number;
  readonly metadataMaxAge: number;
  readonly autocreateTopics: false;
  /** The client validates its call options against JSON schemas. */
  readonly strict: boolean;
  readonly tls?: TlsConnectionOptions;
  readonly tlsServerName?: boolean;
  readonly sasl?: {
    readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
    readonly username: string;
    readonly password: string;
  };
}

export const CLIENT_RETRY_DEFAULTS = {
  retries: 3,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 1_000,
} as const satisfies ClientRetryPolicy;

/** Doubling backoff from `retryBackoffMs`, capped at `retryBackoffMaxMs` (attempt counts from 1). */
export function retryDelayMs(policy: ClientRetryPolicy, attempt: number): number {
  const delay = policy.retryBackoffMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(delay, Math.max(policy.retryBackoffMaxMs, policy.retryBackoffMs));
}

/**
 * The client options for `settings`. `clientId` overrides the settings' one (a producer or
 * consumer may name itself). TLS maps to Node's `tls.connect` options; with a host name
 * (not an IP) the server name (SNI) is sent too, as brokers behind proxies need.
 */
export function kafkaClientOptions(
  settings: KafkaSettings,
  clientId: string = settings.clientId,
  retry: ClientRetryPolicy = CLIENT_RETRY_DEFAULTS,
): KafkaClientOptions {
  const options: {
    -readonly [K in keyof KafkaClientOptions]: KafkaClientOptions[K];
  } = {
    clientId,
    bootstrapBrokers: [...settings.brokers],
    connectTimeout: settings.connectTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    timeout: settings.requestTimeoutMs,
    retries: retry.retries,
    retryDelay: (_client, _operationId, attempt) => retryDelayMs(retry, attempt),
    metadataMaxAge: 5_000,
    autocreateTopics: false,
    strict: true,
  };
  if (settings.tls) {
    const { ca, cert, key, rejectUnauthorized } = settings.tls;
    options.tls = {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      rejectUnauthorized: rejectUnauthorized ?? true,
    };
    const hosts = settings.brokers.map((b) => b.slice(0, b.lastIndexOf(':')));
    if (hosts.some((h) => !/^[\d.]+$|^\[/.test(h))) options.tlsServerName = true;
  }
  if (settings.sasl) {
    const { mechanism, username, password } = settings.sasl;
    options.sasl = { mechanism, username, password };
  }
  return options;
}

/** `client.close(true)` as a promise (the overloads type the boolean form as callback style). */
export function closeClient(client: {
  close(force: boolean, callback: (error?: Error | null) => void): void;
}): Promise<void> {
  return new Promise((resolve, reject) => {
    client.close(true, (error) => (error ? reject(error) : resolve()));
  });
}

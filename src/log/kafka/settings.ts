// Connection settings of a Kafka cluster, from environment variables (and CLI flags that
// override them). Validated here, at the boundary, so the transport can trust them.
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { UsageError } from '../../errors.js';

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * Record-batch compression codecs (Kafka's `compression.type`). All run in-process without
 * native addons: gzip and zstd through `node:zlib` (zstd needs Node ≥ 22.15), snappy and lz4
 * through the client's WebAssembly codecs.
 */
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** Whether this Node.js can compress with `codec` (zstd arrived in node:zlib with 22.15). */
export function compressionAvailable(codec: KafkaCompression): boolean {
  return (
    codec !== 'zstd' ||
    typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function'
  );
}

export interface KafkaTlsSettings {
  /** PEM certificate authorities to trust instead of Node's defaults. */
  readonly ca?: string;
  /** PEM client certificate and key, for mutual TLS. */
  readonly cert?: string;
  readonly key?: string;
  /** Check the broker's certificate (default true). */
  readonly rejectUnauthorized?: boolean;
}

export interface KafkaSaslSettings {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

export interface KafkaSettings {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** TLS to the brokers; absent means plaintext. */
  readonly tls?: KafkaTlsSettings;
  readonly sasl?: KafkaSaslSettings;
  /** Replication factor of topics Pitwall creates (default 1, or the broker's default with -1). */
  readonly replicationFactor: number;
  /** Connect / request timeout, ms. */
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Compression of produced record batches (default lz4: fastest to compress in pure JS). */
  readonly compression?: KafkaCompression;
  /**
   * Extra topic configs (Kafka names, e.g. `segment.bytes`) for every topic Pitwall creates;
   * `createTopic`'s own options (retention) win.
   */
  readonly topicConfigs?: Readonly<Record<string, string>>;
}

export const KAFKA_DEFAULTS = {
  clientId: 'pitwall',
  replicationFactor: 1,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  compression: 'lz4',
} as const satisfies Partial<KafkaSettings>;

/** The environment variables read by `kafkaSettingsFromEnv`, with what each means. */
export const KAFKA_ENV = {
  PITWALL_KAFKA_BROKERS: 'comma-separated bootstrap brokers, host:port',
  PITWALL_KAFKA_CLIENT_ID: `client id (default ${KAFKA_DEFAULTS.clientId})`,
  PITWALL_KAFKA_TLS: 'true to connect with TLS',
  PITWALL_KAFKA_TLS_CA_FILE: 'PEM file of certificate authorities to trust (implies TLS)',
  PITWALL_KAFKA_TLS_CERT_FILE: 'PEM client certificate for mutual TLS (implies TLS)',
  PITWALL_KAFKA_TLS_KEY_FILE: 'PEM client key for mutual TLS',
  PITWALL_KAFKA_TLS_INSECURE: 'true to skip checking the broker certificate (testing only)',
  PITWALL_KAFKA_SASL_MECHANISM: SASL_MECHANISMS.join(' | '),
  PITWALL_KAFKA_SASL_USERNAME: 'SASL user name',
  PITWALL_KAFKA_SASL_PASSWORD: 'SASL password',
  PITWALL_KAFKA_REPLICATION_FACTOR: `replication factor of created topics (default ${KAFKA_DEFAULTS.replicationFactor})`,
  PITWALL_KAFKA_COMPRESSION: `${KAFKA_COMPRESSIONS.join(' | ')} (default ${KAFKA_DEFAULTS.compression})`,
} as const;

export interface KafkaSettingsOverrides {
  readonly brokers?: string | undefined;
  readonly clientId?: string | undefined;
}

const BROKER = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Parses `host:port[,host:port...]`; throws a UsageError naming `where` on bad input. */
export function parseBrokers(text: string, where: string): string[] {
  const brokers = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (brokers.length === 0) throw new UsageError(`${where}: no brokers given (host:port,...)`);
  for (const broker of brokers) {
    const match = BROKER.exec(broker);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65_535)
      throw new UsageError(`${where}: '${broker}' is not host:port with a port 1-65535`);
  }
  return brokers;
}

function flag(env: NodeJS.ProcessEnv, name: keyof typeof KAFKA_ENV): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new UsageError(`${name}: expected true or false, got '${raw}'`);
}

function readPem(env: NodeJS.ProcessEnv, name: keyof typeof KAFKA_ENV): string | undefined {
  const path = env[name];
  if (path === undefined || path === '') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${name}: cannot read '${path}': ${(error as Error).message}`);
  }
}

/**
 * Kafka settings from `PITWALL_KAFKA_*` variables, with `overrides` (CLI flags) winning.
 * Throws a UsageError when no brokers are configured or a value is malformed.
 */
export function kafkaSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: KafkaSettingsOverrides = {},
): KafkaSettings {
  const brokersText = overrides.brokers ?? env.PITWALL_KAFKA_BROKERS;
  if (brokersText === undefined || brokersText.trim() === '')
    throw new UsageError(
      'Kafka needs brokers: pass --brokers host:port or set PITWALL_KAFKA_BROKERS',
    );
  const brokers = parseBrokers(
    brokersText,
    overrides.brokers === undefined ? 'PITWALL_KAFKA_BROKERS' : '--brokers',
  );
  const clientId = overrides.clientId ?? env.PITWALL_KAFKA_CLIENT_ID ?? KAFKA_DEFAULTS.clientId;
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(clientId))
    throw new UsageError(`client id '${clientId}': use letters, digits, '.', '_' or '-'`);

  const ca = readPem(env, 'PITWALL_KAFKA_TLS_CA_FILE');
  const cert = readPem(env, 'PITWALL_KAFKA_TLS_CERT_FILE');
  const key = readPem(env, 'PITWALL_KAFKA_TLS_KEY_FILE');
  if ((cert === undefined) !== (key === undefined))
    throw new UsageError('PITWALL_KAFKA_TLS_CERT_FILE and PITWALL_KAFKA_TLS_KEY_FILE go together');
  const insecure = flag(env, 'PITWALL_KAFKA_TLS_INSECURE') === true;
  const useTls =
    flag(env, 'PITWALL_KAFKA_TLS') ?? (ca !== undefined || cert !== undefined || insecure);
  const tls: KafkaTlsSettings | undefined = useTls
    ? {
        ...(ca === undefined ? {} : { ca }),
        ...(cert === undefined || key === undefined ? {} : { cert, key }),
        rejectUnauthorized: !insecure,
      }
    : undefined;

  let sasl: KafkaSaslSettings | undefined;
  const mechanismRaw = env.PITWALL_KAFKA_SASL_MECHANISM;
  if (mechanismRaw !== undefined && mechanismRaw !== '') {
    const mechanism = mechanismRaw.trim().toUpperCase();
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism))
      throw new UsageError(
        `PITWALL_KAFKA_SASL_MECHANISM: '${mechanismRaw}' is not one of ${SASL_MECHANISMS.join(', ')}`,
      );
    const username = env.PITWALL_KAFKA_SASL_USERNAME;
    const password = env.PITWALL_KAFKA_SASL_PASSWORD;
    if (username === undefined || password === undefined)
      throw new UsageError(
        'SASL needs PITWALL_KAFKA_SASL_USERNAME and PITWALL_KAFKA_SASL_PASSWORD',
      );
    sasl = { mechanism: mechanism as SaslMechanism, username, password };
  }

  const rfRaw = env.PITWALL_KAFKA_REPLICATION_FACTOR;
  const replicationFactor =
    rfRaw === undefined || rfRaw === '' ? KAFKA_DEFAULTS.replicationFactor : Number(rfRaw);
  if (!Number.isInteger(replicationFactor) || (replicationFactor < 1 && replicationFactor !== -1))
    throw new UsageError(
      `PITWALL_KAFKA_REPLICATION_FACTOR: expected a whole number ≥ 1 (or -1 for the broker default), got '${rfRaw}'`,
    );

  const compressionRaw = env.PITWALL_KAFKA_COMPRESSION;
  const compression =
    compressionRaw === undefined || compressionRaw === ''
      ? KAFKA_DEFAULTS.compression
      : compressionRaw.trim().toLowerCase();
  if (!(KAFKA_COMPRESSIONS as readonly string[]).includes(compression))
    throw new UsageError(
      `PITWALL_KAFKA_COMPRESSION: '${compressionRaw}' is not one of ${KAFKA_COMPRESSIONS.join(', ')}`,
    );
  if (!compressionAvailable(compression as KafkaCompression))
    throw new UsageError(
      `PITWALL_KAFKA_COMPRESSION: ${compression} needs Node.js 22.15 or later (this is ${process.version})`,
    );

  return {
    brokers,
    clientId,
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
    replicationFactor,
    connectTimeoutMs: KAFKA_DEFAULTS.connectTimeoutMs,
    requestTimeoutMs: KAFKA_DEFAULTS.requestTimeoutMs,
    compression: compression as KafkaCompression,
  };
}

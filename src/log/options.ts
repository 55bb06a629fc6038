// Options of log clients: defaults written once, and validation where options enter, so a
// typo or a nonsense value fails at construction with the bad path named, not mid-stream.
import { ERROR_CODES, LogError } from '../errors.js';
import {
  AUTO_OFFSET_RESETS,
  type ConsumerOptions,
  type CreateTopicOptions,
  type ProducerOptions,
} from './types.js';

const MiB = 1024 * 1024;

/** One option's rule; the spec of an options object maps every allowed key to one. */
export type OptionRule =
  | {
      readonly type: 'integer';
      readonly min: number;
      readonly max: number;
      readonly nullable?: boolean;
    }
  | { readonly type: 'string'; readonly nonEmpty?: boolean }
  | { readonly type: 'boolean' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'object' };

export type OptionSpec = Readonly<Record<string, OptionRule>>;

function invalid(message: string): LogError {
  return new LogError(ERROR_CODES.logInvalidArgument, message);
}

/**
 * Checks `value` against `spec`: unknown keys and values of the wrong type or range are
 * rejected with a message naming `where.key`. `undefined` counts as absent.
 */
export function checkOptions(where: string, value: unknown, spec: OptionSpec): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${where} must be an object`);
  }
  for (const [key, item] of Object.entries(value)) {
    const rule = Object.hasOwn(spec, key) ? spec[key] : undefined;
    if (!rule) throw invalid(`${where}: unknown option "${key}"`);
    if (item === undefined) continue;
    const path = `${where}.${key}`;
    switch (rule.type) {
      case 'integer':
        if (item === null && rule.nullable) break;
        if (typeof item !== 'number' || !Number.isSafeInteger(item)) {
          throw invalid(`${path} must be a whole number${rule.nullable ? ' or null' : ''}`);
        }
        if (item < rule.min || item > rule.max) {
          throw invalid(`${path} must be between ${rule.min} and ${rule.max}, got ${item}`);
        }
        break;
      case 'string':
        if (typeof item !== 'string') throw invalid(`${path} must be a string`);
        if (rule.nonEmpty && item.length === 0) throw invalid(`${path} must not be empty`);
        break;
      case 'boolean':
        if (typeof item !== 'boolean') throw invalid(`${path} must be true or false`);
        break;
      case 'enum':
        if (typeof item !== 'string' || !rule.values.includes(item)) {
          throw invalid(`${path} must be one of ${rule.values.join(', ')}`);
        }
        break;
      case 'object':
        if (typeof item !== 'object' || item === null) throw invalid(`${path} must be an object`);
        break;
    }
  }
}

export const PRODUCER_DEFAULTS = {
  clientId: 'pitwall-producer',
  lingerMs: 0,
  batchBytes: 1 * MiB,
  maxBufferedBytes: 64 * MiB,
  maxMessageBytes: 16 * MiB,
  retries: 3,
  retryBackoffMs: 100,
} as const satisfies Required<ProducerOptions>;

const PRODUCER_SPEC = {
  clientId: { type: 'string' },
  lingerMs: { type: 'integer', min: 0, max: 60_000 },
  batchBytes: { type: 'integer', min: 1, max: 256 * MiB },
  maxBufferedBytes: { type: 'integer', min: 1, max: 8192 * MiB },
  maxMessageBytes: { type: 'integer', min: 1, max: 512 * MiB },
  retries: { type: 'integer', min: 0, max: 1000 },
  retryBackoffMs: { type: 'integer', min: 0, max: 60_000 },
} as const satisfies OptionSpec;

export interface ResolvedProducerOptions {
  readonly clientId: string;
  readonly lingerMs: number;
  readonly batchBytes: number;
  readonly maxBufferedBytes: number;
  readonly maxMessageBytes: number;
  readonly retries: number;
  readonly retryBackoffMs: number;
}

export function resolveProducerOptions(
  options: ProducerOptions | undefined,
): ResolvedProducerOptions {
  checkOptions('producer options', options, PRODUCER_SPEC);
  return { ...PRODUCER_DEFAULTS, ...withoutUndefined(options ?? {}) };
}

export const CONSUMER_DEFAULTS = {
  clientId: 'pitwall-consumer',
  autoOffsetReset: 'earliest',
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  maxPollIntervalMs: 300_000,
  maxPollMessages: 500,
  maxPollBytes: 16 * MiB,
} as const satisfies Required<Omit<ConsumerOptions, 'groupId' | 'rebalanceListener'>>;

const CONSUMER_SPEC = {
  groupId: { type: 'string', nonEmpty: true },
  clientId: { type: 'string' },
  autoOffsetReset: { type: 'enum', values: AUTO_OFFSET_RESETS },
  sessionTimeoutMs: { type: 'integer', min: 10, max: 3_600_000 },
  heartbeatIntervalMs: { type: 'integer', min: 5, max: 3_600_000 },
  maxPollIntervalMs: { type: 'integer', min: 10, max: 86_400_000 },
  maxPollMessages: { type: 'integer', min: 1, max: 10_000_000 },
  maxPollBytes: { type: 'integer', min: 1, max: 8192 * MiB },
  rebalanceListener: { type: 'object' },
} as const satisfies OptionSpec;

export interface ResolvedConsumerOptions {
  readonly groupId: string;
  readonly clientId: string;
  readonly autoOffsetReset: (typeof AUTO_OFFSET_RESETS)[number];
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxPollIntervalMs: number;
  readonly maxPollMessages: number;
  readonly maxPollBytes: number;
  readonly rebalanceListener: ConsumerOptions['rebalanceListener'];
}

export function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  if (options === undefined || options === null) throw invalid('consumer options are required');
  checkOptions('consumer options', options, CONSUMER_SPEC);
  if (typeof options.groupId !== 'string') throw invalid('consumer options.groupId is required');
  const resolved: ResolvedConsumerOptions = {
    ...CONSUMER_DEFAULTS,
    ...withoutUndefined(options),
    groupId: options.groupId,
    rebalanceListener: options.rebalanceListener,
  };
  if (resolved.heartbeatIntervalMs >= resolved.sessionTimeoutMs) {
    throw invalid(
      `consumer options.heartbeatIntervalMs (${resolved.heartbeatIntervalMs}) must be below sessionTimeoutMs (${resolved.sessionTimeoutMs})`,
    );
  }
  return resolved;
}

const CREATE_TOPIC_SPEC = {
  partitions: { type: 'integer', min: 1, max: 10_000 },
  replicationFactor: { type: 'integer', min: 1, max: 32_767 },
  retentionMs: { type: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER, nullable: true },
  retentionBytes: { type: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER, nullable: true },
  ifNotExists: { type: 'boolean' },
} as const satisfies OptionSpec;

export interface ResolvedTopicOptions {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly retentionMs: number | null;
  readonly retentionBytes: number | null;
  readonly ifNotExists: boolean;
}

/** Kafka keeps messages 7 days unless told otherwise (retention.ms = 604800000). */
export const DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000;

export function resolveTopicOptions(
  topic: string,
  options: CreateTopicOptions,
): ResolvedTopicOptions {
  checkTopicName(topic);
  if (options === undefined || options === null) {
    throw invalid(`createTopic "${topic}" options are required`);
  }
  checkOptions(`createTopic "${topic}" options`, options, CREATE_TOPIC_SPEC);
  if (options.partitions === undefined) {
    throw invalid(`createTopic "${topic}" options.partitions is required`);
  }
  return {
    partitions: options.partitions,
    replicationFactor: options.replicationFactor ?? 1,
    retentionMs: options.retentionMs === undefined ? DEFAULT_RETENTION_MS : options.retentionMs,
    retentionBytes: options.retentionBytes ?? null,
    ifNotExists: options.ifNotExists ?? false,
  };
}

/** Kafka's rule for topic names: 1–249 of `[a-zA-Z0-9._-]`, and not `.` or `..`. */
export function checkTopicName(topic: unknown): asserts topic is string {
  if (
    typeof topic !== 'string' ||
    !/^[a-zA-Z0-9._-]{1,249}$/.test(topic) ||
    topic === '.' ||
    topic === '..'
  ) {
    throw invalid(
      `topic name ${JSON.stringify(topic)} is invalid: use 1 to 249 letters, digits, ".", "_" or "-"`,
    );
  }
}

export function checkPartition(
  topic: string,
  partition: unknown,
  partitions?: number,
): asserts partition is number {
  if (typeof partition !== 'number' || !Number.isSafeInteger(partition) || partition < 0) {
    throw invalid(`partition ${String(partition)} of topic "${topic}" must be a whole number ≥ 0`);
  }
  if (partitions !== undefined && partition >= partitions) {
    throw invalid(
      `topic "${topic}" has ${partitions} partitions; partition ${partition} does not exist`,
    );
  }
}

export function checkOffset(what: string, offset: unknown): asserts offset is number {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalid(`${what} must be a whole number ≥ 0, got ${String(offset)}`);
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

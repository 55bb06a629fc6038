// The embedded log transport: a folder holding one SQLite database that any number of
// processes open at once. Each producer, consumer and admin gets its own connection.
import path from 'node:path';
import { ERROR_CODES, LogError } from '../../errors.js';
import {
  checkOptions,
  resolveConsumerOptions,
  resolveProducerOptions,
  type OptionSpec,
} from '../options.js';
import type {
  ConsumerOptions,
  LogAdmin,
  LogConsumer,
  LogProducer,
  LogTransport,
  ProducerOptions,
} from '../types.js';
import {
  LOG_FILE_NAME,
  openDatabase,
  toLogError,
  writeTransaction,
  type DatabaseSettings,
} from './database.js';
import { EmbeddedAdmin } from './embedded-admin.js';
import { EmbeddedConsumer } from './embedded-consumer.js';
import { EmbeddedProducer } from './embedded-producer.js';
import { LogStore } from './log-store.js';

export interface EmbeddedLogOptions {
  /** The log's folder; created when missing. */
  readonly dir: string;
  /**
   * `normal` (default): an acknowledged message survives a crash of any process; an OS
   * crash or power cut may lose the last acknowledged writes, never corrupting the log
   * (Kafka's default durability on one broker). `full`: fsync at every write, surviving
   * power cuts too, at a cost in throughput. `off`: never waits for the disk, about twice
   * the produce rate; still safe from process crashes, but an OS crash or power cut can
   * corrupt the log: only for logs that can be thrown away (benchmarks, scratch runs).
   */
  readonly synchronous?: 'off' | 'normal' | 'full';
  /** How long a writer waits for another process's write lock before `PITWALL_ERR_LOG_BUSY`, ms. */
  readonly busyTimeoutMs?: number;
  /** How often producers apply retention to the partitions they write, ms. */
  readonly retentionCheckIntervalMs?: number;
  /** Page size of a new log file, bytes (a power of two, 4096–65536). */
  readonly pageSize?: number;
}

export const EMBEDDED_LOG_DEFAULTS = {
  synchronous: 'normal',
  busyTimeoutMs: 10_000,
  retentionCheckIntervalMs: 30_000,
  pageSize: 32_768,
} as const satisfies Required<Omit<EmbeddedLogOptions, 'dir'>>;

const EMBEDDED_LOG_SPEC = {
  dir: { type: 'string', nonEmpty: true },
  synchronous: { type: 'enum', values: ['off', 'normal', 'full'] },
  busyTimeoutMs: { type: 'integer', min: 0, max: 3_600_000 },
  retentionCheckIntervalMs: { type: 'integer', min: 0, max: 86_400_000 },
  pageSize: { type: 'integer', min: 4096, max: 65_536 },
} as const satisfies OptionSpec;

/** What one retention pass deleted. */
export interface RetentionReport {
  /** Messages deleted per `topic-partition`, only where some were. */
  readonly deleted: Readonly<Record<string, number>>;
}

interface Closable {
  close(): Promise<void>;
}

/**
 * The embedded, durable log: Kafka's model on a SQLite file, no server.
 *
 * @example
 * ```ts
 * const log = new EmbeddedLog({ dir: '.pitwall/log' });
 * const producer = log.createProducer({ lingerMs: 5 });
 * await producer.send('telemetry', [{ key: 'veh-1', value: line }]);
 * await producer.close();
 * await log.close();
 * ```
 */
export class EmbeddedLog implements LogTransport {
  readonly kind = 'embedded';
  /** The SQLite file of this log. */
  readonly file: string;
  readonly #settings: DatabaseSettings;
  readonly #retentionCheckIntervalMs: number;
  readonly #open = new Set<Closable>();
  #closed = false;

  constructor(options: EmbeddedLogOptions) {
    checkOptions('embedded log options', options, EMBEDDED_LOG_SPEC);
    if (options === undefined || typeof options.dir !== 'string') {
      throw new LogError(ERROR_CODES.logInvalidArgument, 'embedded log options.dir is required');
    }
    const pageSize = options.pageSize ?? EMBEDDED_LOG_DEFAULTS.pageSize;
    if ((pageSize & (pageSize - 1)) !== 0) {
      throw new LogError(
        ERROR_CODES.logInvalidArgument,
        `embedded log options.pageSize must be a power of two, got ${pageSize}`,
      );
    }
    this.file = path.resolve(options.dir, LOG_FILE_NAME);
    this.#settings = {
      file: this.file,
      synchronous: options.synchronous ?? EMBEDDED_LOG_DEFAULTS.synchronous,
      busyTimeoutMs: options.busyTimeoutMs ?? EMBEDDED_LOG_DEFAULTS.busyTimeoutMs,
      pageSize,
    };
    this.#retentionCheckIntervalMs =
      options.retentionCheckIntervalMs ?? EMBEDDED_LOG_DEFAULTS.retentionCheckIntervalMs;
    // Create the file and schema now, so that a bad folder fails here, not at first use.
    openDatabase(this.#settings).close();
  }

  createProducer(options?: ProducerOptions): LogProducer {
    this.#assertOpen();
    const producer: EmbeddedProducer = new EmbeddedProducer(
      this.#settings,
      resolveProducerOptions(options),
      this.#retentionCheckIntervalMs,
      () => this.#open.delete(producer),
    );
    this.#open.add(producer);
    return producer;
  }

  createConsumer(options: ConsumerOptions): LogConsumer {
    this.#assertOpen();
    const consumer: EmbeddedConsumer = new EmbeddedConsumer(
      this.#settings,
      resolveConsumerOptions(options),
      () => this.#open.delete(consumer),
    );
    this.#open.add(consumer);
    return consumer;
  }

  createAdmin(): LogAdmin {
    this.#assertOpen();
    const admin: EmbeddedAdmin = new EmbeddedAdmin(this.#settings, () => this.#open.delete(admin));
    this.#open.add(admin);
    return admin;
  }

  /**
   * Applies every topic's retention now (producers also do so every
   * `retentionCheckIntervalMs`). `nowMs` lets tests age the log without waiting.
   */
  enforceRetention(nowMs = Date.now()): RetentionReport {
    this.#assertOpen();
    const db = openDatabase(this.#settings);
    try {
      const store = new LogStore(db);
      const deleted: Record<string, number> = {};
      for (const name of store.topicNames()) {
        writeTransaction(db, () => {
          const topic = store.topic(name);
          if (!topic) return;
          for (let p = 0; p < topic.partitions; p++) {
            const n = store.applyRetention(topic, p, nowMs);
            if (n > 0) deleted[`${name}-${p}`] = n;
          }
        });
      }
      return { deleted };
    } catch (error) {
      throw toLogError(error, `cannot apply retention to the log at ${this.file}`);
    } finally {
      db.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const results = await Promise.allSettled([...this.#open].map((client) => client.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw toLogError(failed.reason, `closing the log at ${this.file}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new LogError(ERROR_CODES.logClosed, `the log at ${this.file} is closed`);
  }
}

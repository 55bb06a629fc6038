// The Kafka transport: LogTransport over an Apache Kafka cluster through @platformatic/kafka
// (pure TypeScript, no native addon). Producers are idempotent (acks=all), consumers use
// Kafka's consumer groups, admins Kafka's admin APIs. Passes the shared transport suite.
import { ERROR_CODES, LogError } from '../../errors.js';
import type {
  ConsumerOptions,
  LogAdmin,
  LogConsumer,
  LogProducer,
  LogTransport,
  ProducerOptions,
} from '../types.js';
import { KafkaAdmin } from './kafka-admin.js';
import { KafkaConsumer } from './kafka-consumer.js';
import { KafkaProducer } from './kafka-producer.js';
import type { KafkaSettings } from './settings.js';

/**
 * A Kafka cluster as a Pitwall log.
 *
 * @example
 * ```ts
 * const log = new KafkaTransport(kafkaSettingsFromEnv());
 * const producer = log.createProducer({ lingerMs: 5 });
 * await producer.send('telemetry', [{ key: 'veh-1', value: '{"speed_kmh":42}' }]);
 * await log.close();
 * ```
 */
export class KafkaTransport implements LogTransport {
  readonly kind = 'kafka';
  readonly settings: KafkaSettings;
  readonly #open = new Set<{ close(): Promise<void> }>();
  #closed = false;

  constructor(settings: KafkaSettings) {
    if (!settings || !Array.isArray(settings.brokers) || settings.brokers.length === 0) {
      throw new LogError(ERROR_CODES.logInvalidArgument, 'Kafka settings need at least one broker');
    }
    this.settings = settings;
  }

  createProducer(options?: ProducerOptions): LogProducer {
    this.#checkOpen();
    const producer: KafkaProducer = new KafkaProducer(this.settings, options, () =>
      this.#open.delete(producer),
    );
    this.#open.add(producer);
    return producer;
  }

  createConsumer(options: ConsumerOptions): LogConsumer {
    this.#checkOpen();
    const consumer: KafkaConsumer = new KafkaConsumer(this.settings, options, () =>
      this.#open.delete(consumer),
    );
    this.#open.add(consumer);
    return consumer;
  }

  createAdmin(): LogAdmin {
    this.#checkOpen();
    const admin: KafkaAdmin = new KafkaAdmin(this.settings, () => this.#open.delete(admin));
    this.#open.add(admin);
    return admin;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const results = await Promise.allSettled([...this.#open].map((c) => c.close()));
    this.#open.clear();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  #checkOpen(): void {
    if (this.#closed) throw new LogError(ERROR_CODES.logClosed, 'the Kafka transport is closed');
  }
}

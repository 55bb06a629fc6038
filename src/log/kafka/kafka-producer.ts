// The Kafka producer: Pitwall's BatchingProducer (checks, murmur2 partitioning, batching,
// backpressure) writing through an idempotent @platformatic/kafka Producer (acks=all, one
// request in flight, sequence numbers per partition so a retried request is not doubled).
import { Producer, type MessageToProduce } from '@platformatic/kafka';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERROR_CODES, LogError } from '../../errors.js';
import { BatchingProducer, type PendingSend } from '../batching-producer.js';
import { PRODUCER_DEFAULTS, resolveProducerOptions } from '../options.js';
import type { ProducerOptions } from '../types.js';
import {
  closeClient,
  kafkaClientOptions,
  retryDelayMs,
  type ClientRetryPolicy,
} from './client-options.js';
import { withDeadline } from './deadline.js';
import { toLogError } from './kafka-errors.js';
import { KAFKA_DEFAULTS, type KafkaSettings } from './settings.js';

/**
 * Payload bytes of one partition in one Produce request. The client writes a partition's
 * messages of a request as one record batch, and brokers refuse batches above
 * `message.max.bytes` (1 MiB by default), so larger writes are split over requests.
 */
const PARTITION_BATCH_BYTES = 900 * 1024;
/**
 * A record stores its timestamp as a varint delta from its batch's first timestamp; the
 * client (1.35) encodes and decodes that varint correctly only within 32 signed bits, so
 * messages further apart in time (~24 days) go into separate batches.
 */
const MAX_TIMESTAMP_DELTA_MS = 2 ** 31 - 1;
/** How long a partition count is trusted before it is looked up again. */
const PARTITION_COUNT_TTL_MS = 30_000;

type Outgoing = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

export class KafkaProducer extends BatchingProducer {
  readonly #settings: KafkaSettings;
  readonly #client: Producer;
  readonly #onClose: () => void;
  readonly #partitionCounts = new Map<string, { count: number; until: number }>();
  #resetProducerId = false;
  readonly #retries: number;
  readonly #retryPolicy: ClientRetryPolicy;

  constructor(settings: KafkaSettings, options: ProducerOptions | undefined, onClose: () => void) {
    const resolved = resolveProducerOptions(options);
    // Retries happen in writeBatch, which knows when a batch is given up (and only then
    // starts a new producer id); the batching layer must not retry on top.
    super({ ...resolved, retries: 0 });
    this.#settings = settings;
    this.#onClose = onClose;
    this.#retries = resolved.retries;
    this.#retryPolicy = {
      retries: resolved.retries,
      retryBackoffMs: resolved.retryBackoffMs,
      retryBackoffMaxMs: Math.max(1_000, resolved.retryBackoffMs),
    };
    const clientId =
      resolved.clientId === PRODUCER_DEFAULTS.clientId ? settings.clientId : resolved.clientId;
    this.#client = new Producer({
      // The client retries a request twice itself (an idempotent client with fewer retries
      // would retry forever); `retries` more rounds happen in writeBatch.
      ...kafkaClientOptions(settings, clientId, { ...this.#retryPolicy, retries: 2 }),
      idempotent: true,
      compression: settings.compression ?? KAFKA_DEFAULTS.compression,
    });
  }

  protected async partitionCount(topic: string): Promise<number> {
    const cached = this.#partitionCounts.get(topic);
    if (cached && cached.until > Date.now()) return cached.count;
    try {
      const metadata = await withDeadline(
        this.#client.metadata({ topics: [topic], forceUpdate: cached !== undefined }),
        this.#settings.connectTimeoutMs + this.#settings.requestTimeoutMs,
        `send("${topic}")`,
        this.#settings.brokers,
      );
      const count = metadata.topics.get(topic)?.partitionsCount;
      if (count === undefined) throw unknownTopic(topic);
      this.#partitionCounts.set(topic, { count, until: Date.now() + PARTITION_COUNT_TTL_MS });
      return count;
    } catch (error) {
      const logError = toLogError(error, `send("${topic}")`, this.#settings.brokers);
      if (logError.code === ERROR_CODES.logUnknownTopic) {
        this.#partitionCounts.delete(topic);
        throw unknownTopic(topic);
      }
      throw logError;
    }
  }

  protected async writeBatch(sends: readonly PendingSend[]): Promise<number[][]> {
    if (this.#resetProducerId) {
      // A request that failed for good may have been written anyway; continuing its
      // sequence numbers could make the broker take the next batch for a duplicate of it and
      // drop it. A new producer id starts the sequences afresh (as Kafka's Java producer does).
      await this.#client.initIdempotentProducer({});
      this.#resetProducerId = false;
    }
    const offsets = sends.map((send) => new Array<number>(send.messages.length));
    try {
      for (const request of this.#requests(sends)) {
        // A failed request is sent again as it was: same producer id and sequence numbers,
        // so a broker that had written it answers with the first write's offsets instead of
        // writing it twice (KIP-98 idempotence).
        for (let attempt = 0; ; attempt++) {
          try {
            await this.#produce(request.messages, request.slots, offsets);
            break;
          } catch (error) {
            const logError = toLogError(error, 'send', this.#settings.brokers);
            if (!logError.canRetry || attempt >= this.#retries) throw error;
            await sleep(retryDelayMs(this.#retryPolicy, attempt + 1));
          }
        }
      }
    } catch (error) {
      this.#resetProducerId = true;
      const topics = [...new Set(sends.map((s) => s.topic))].join(', ');
      const logError = toLogError(error, `send to ${topics}`, this.#settings.brokers);
      if (logError.code === ERROR_CODES.logUnknownTopic) {
        for (const send of sends) this.#partitionCounts.delete(send.topic);
      }
      throw logError;
    }
    return offsets;
  }

  /** The sends as Produce requests in which no partition exceeds PARTITION_BATCH_BYTES. */
  *#requests(
    sends: readonly PendingSend[],
  ): Generator<{ messages: Outgoing[]; slots: [number, number][] }> {
    let messages: Outgoing[] = [];
    let slots: [number, number][] = [];
    let partitionBytes = new Map<string, number>();
    let partitionFirstTimestamp = new Map<string, number>();
    for (let s = 0; s < sends.length; s++) {
      const send = sends[s]!;
      for (let i = 0; i < send.messages.length; i++) {
        const m = send.messages[i]!;
        const where = `${send.topic}\u0000${m.partition}`;
        const before = partitionBytes.get(where) ?? 0;
        const firstTimestamp = partitionFirstTimestamp.get(where) ?? m.timestamp;
        if (
          before > 0 &&
          (before + m.payloadBytes > PARTITION_BATCH_BYTES ||
            Math.abs(m.timestamp - firstTimestamp) > MAX_TIMESTAMP_DELTA_MS)
        ) {
          yield { messages, slots };
          messages = [];
          slots = [];
          partitionBytes = new Map();
          partitionFirstTimestamp = new Map();
        }
        if (!partitionFirstTimestamp.has(where)) partitionFirstTimestamp.set(where, m.timestamp);
        partitionBytes.set(where, (partitionBytes.get(where) ?? 0) + m.payloadBytes);
        messages.push({
          topic: send.topic,
          partition: m.partition,
          key: m.key ?? undefined,
          value: typeof m.value === 'string' ? Buffer.from(m.value, 'utf8') : m.value,
          timestamp: BigInt(Math.trunc(m.timestamp)),
          ...(m.headers
            ? { headers: new Map<Buffer, Buffer>(m.headers.map(([k, v]) => [k, v])) }
            : {}),
        });
        slots.push([s, i]);
      }
    }
    if (messages.length > 0) yield { messages, slots };
  }

  /** One Produce request; writes each message's offset into `offsets` via its slot. */
  async #produce(
    messages: Outgoing[],
    slots: readonly [number, number][],
    offsets: number[][],
  ): Promise<void> {
    const result = await this.#client.send({ messages });
    const base = new Map<string, number>();
    for (const o of result.offsets ?? [])
      base.set(`${o.topic}\u0000${o.partition}`, Number(o.offset));
    // Within a partition the request keeps the messages in order: base offset + index.
    const next = new Map<string, number>();
    messages.forEach((m, k) => {
      const where = `${m.topic}\u0000${m.partition!}`;
      const first = base.get(where);
      if (first === undefined) {
        throw new LogError(
          ERROR_CODES.logStorage,
          `Kafka did not acknowledge partition ${m.partition!} of ${m.topic}`,
        );
      }
      const index = next.get(where) ?? 0;
      next.set(where, index + 1);
      const [s, i] = slots[k]!;
      offsets[s]![i] = first + index;
    });
  }

  protected async release(): Promise<void> {
    try {
      await closeClient(this.#client);
    } finally {
      this.#onClose();
    }
  }
}

function unknownTopic(topic: string): LogError {
  return new LogError(ERROR_CODES.logUnknownTopic, `topic "${topic}" does not exist`);
}

// The transport-independent half of a producer: checks and partitions messages, queues
// them, writes them in batches (by size, or after `lingerMs`), holds callers back while the
// queue is full, retries writes that failed with a `canRetry` error, and resolves each
// `send` with its offsets. A transport supplies partition counts and the batch write.
import { setTimeout as sleep } from 'node:timers/promises';
import { ERROR_CODES, LogError, isPitwallError } from '../errors.js';
import { headerEntries, isLogBytes, toBuffer, type HeaderEntry } from './bytes.js';
import { murmur2 } from './murmur2.js';
import { checkPartition, checkTopicName, type ResolvedProducerOptions } from './options.js';
import type { LogProducer, ProducerMessage, RecordMetadata } from './types.js';

/** A message checked and placed on a partition, ready to encode. */
export interface OutgoingMessage {
  readonly partition: number;
  readonly key: Buffer | null;
  /** Strings are encoded straight into the batch, saving a copy. */
  readonly value: Buffer | string;
  readonly valueBytes: number;
  readonly headers: readonly HeaderEntry[] | null;
  readonly timestamp: number;
  /** Key + value + header bytes: what `maxMessageBytes` limits. */
  readonly payloadBytes: number;
}

/** One `send` call waiting to be written. */
export interface PendingSend {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
  readonly bytes: number;
  resolve(metadata: RecordMetadata[]): void;
  reject(error: unknown): void;
}

/** Keys seen recently: their bytes and hash, so a fleet's vehicle ids are hashed once. */
const KEY_CACHE_LIMIT = 16_384;

export abstract class BatchingProducer implements LogProducer {
  protected readonly options: ResolvedProducerOptions;
  #queue: PendingSend[] = [];
  #queuedBytes = 0;
  #writing: Promise<void> | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #lingerImmediate: NodeJS.Immediate | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;
  #roundRobin = 0;
  readonly #keyCache = new Map<string, { bytes: Buffer; hash: number }>();

  protected constructor(options: ResolvedProducerOptions) {
    this.options = options;
  }

  /** Partitions of `topic`; throws `PITWALL_ERR_LOG_UNKNOWN_TOPIC` when it does not exist. */
  protected abstract partitionCount(topic: string): number | Promise<number>;

  /**
   * Appends the sends atomically or not at all, in order, and returns for each send the
   * offset of each of its messages.
   */
  protected abstract writeBatch(sends: readonly PendingSend[]): number[][] | Promise<number[][]>;

  /** Releases the transport's resources after the last write. */
  protected abstract release(): void | Promise<void>;

  async send(topic: string, messages: readonly ProducerMessage[]): Promise<RecordMetadata[]> {
    if (this.#closing) throw closedError();
    checkTopicName(topic);
    if (!Array.isArray(messages)) {
      throw new LogError(
        ERROR_CODES.logInvalidArgument,
        `send("${topic}") needs an array of messages`,
      );
    }
    const partitions = await this.partitionCount(topic);
    const outgoing = this.#prepare(topic, partitions, messages);
    if (outgoing.length === 0) return [];
    let bytes = 0;
    for (const m of outgoing) bytes += m.payloadBytes;

    // Backpressure: wait while the queue would grow past its bound (an empty queue always
    // takes the send, however large, so one oversized send cannot wait forever).
    while (this.#queuedBytes > 0 && this.#queuedBytes + bytes > this.options.maxBufferedBytes) {
      this.#startWriting();
      await this.#writing;
    }
    if (this.#closing) throw closedError();

    const done = new Promise<RecordMetadata[]>((resolve, reject) => {
      this.#queue.push({ topic, messages: outgoing, bytes, resolve, reject });
    });
    this.#queuedBytes += bytes;
    if (this.#queuedBytes >= this.options.batchBytes) this.#startWriting();
    else this.#scheduleLinger();
    return done;
  }

  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#writing) {
      this.#startWriting();
      await this.#writing;
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      try {
        await this.flush();
      } finally {
        await this.release();
      }
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #prepare(
    topic: string,
    partitions: number,
    messages: readonly ProducerMessage[],
  ): OutgoingMessage[] {
    const now = Date.now();
    // Messages without key or partition go to one partition per send, rotating between
    // sends (Kafka's sticky partitioning keeps them together to make larger batches).
    const stickyPartition = this.#roundRobin++ % partitions;
    return messages.map((message, index) => {
      const what = `send("${topic}") message ${index}`;
      if (typeof message !== 'object' || message === null) {
        throw new LogError(ERROR_CODES.logInvalidArgument, `${what} must be an object`);
      }
      const { key, value, headers, timestamp, partition } = message;
      if (!isLogBytes(value)) {
        throw new LogError(
          ERROR_CODES.logInvalidArgument,
          `${what}.value must be a string, Buffer or Uint8Array`,
        );
      }
      if (key !== undefined && key !== null && !isLogBytes(key)) {
        throw new LogError(
          ERROR_CODES.logInvalidArgument,
          `${what}.key must be a string, Buffer, Uint8Array or null`,
        );
      }
      if (
        timestamp !== undefined &&
        (typeof timestamp !== 'number' || !Number.isFinite(timestamp))
      ) {
        throw new LogError(
          ERROR_CODES.logInvalidArgument,
          `${what}.timestamp must be a finite number of ms`,
        );
      }
      const keyInfo = key === undefined || key === null ? null : this.#keyInfo(key);
      let target: number;
      if (partition !== undefined) {
        checkPartition(topic, partition, partitions);
        target = partition;
      } else if (keyInfo) {
        target = (keyInfo.hash & 0x7fffffff) % partitions;
      } else {
        target = stickyPartition;
      }
      const valueBuffer = typeof value === 'string' ? value : toBuffer(value);
      const valueBytes =
        typeof valueBuffer === 'string'
          ? Buffer.byteLength(valueBuffer, 'utf8')
          : valueBuffer.length;
      const entries = headerEntries(headers, what);
      let payloadBytes = valueBytes + (keyInfo ? keyInfo.bytes.length : 0);
      if (entries) for (const [name, v] of entries) payloadBytes += name.length + v.length;
      if (payloadBytes > this.options.maxMessageBytes) {
        throw new LogError(
          ERROR_CODES.logMessageTooLarge,
          `${what} has ${payloadBytes} bytes, more than maxMessageBytes (${this.options.maxMessageBytes})`,
        );
      }
      return {
        partition: target,
        key: keyInfo ? keyInfo.bytes : null,
        value: valueBuffer,
        valueBytes,
        headers: entries,
        timestamp: timestamp ?? now,
        payloadBytes,
      };
    });
  }

  #keyInfo(key: string | Uint8Array): { bytes: Buffer; hash: number } {
    if (typeof key !== 'string') {
      const bytes = toBuffer(key);
      return { bytes, hash: murmur2(bytes) };
    }
    let info = this.#keyCache.get(key);
    if (!info) {
      if (this.#keyCache.size >= KEY_CACHE_LIMIT) this.#keyCache.clear();
      const bytes = Buffer.from(key, 'utf8');
      info = { bytes, hash: murmur2(bytes) };
      this.#keyCache.set(key, info);
    }
    return info;
  }

  #scheduleLinger(): void {
    if (this.#writing || this.#lingerTimer || this.#lingerImmediate) return;
    // lingerMs 0 still waits for the current turn of the event loop, so that sends made
    // together (a loop of `send` calls without await) share one write.
    if (this.options.lingerMs === 0) {
      this.#lingerImmediate = setImmediate(() => {
        this.#lingerImmediate = undefined;
        this.#startWriting();
      });
    } else {
      this.#lingerTimer = setTimeout(() => {
        this.#lingerTimer = undefined;
        this.#startWriting();
      }, this.options.lingerMs);
    }
  }

  #startWriting(): void {
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    if (this.#lingerImmediate) clearImmediate(this.#lingerImmediate);
    this.#lingerTimer = this.#lingerImmediate = undefined;
    if (this.#writing || this.#queue.length === 0) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
      // Sends that arrived during the last write and were below batchBytes.
      if (this.#queue.length > 0) this.#scheduleLinger();
    });
  }

  /** Writes queued sends, one batch at a time, until the queue is empty. Never rejects. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      let bytes = 0;
      for (const send of batch) bytes += send.bytes;
      try {
        const offsets = await this.#writeWithRetries(batch);
        batch.forEach((send, i) => {
          const sendOffsets = offsets[i]!;
          send.resolve(
            send.messages.map((m, j) => ({
              topic: send.topic,
              partition: m.partition,
              offset: sendOffsets[j]!,
              timestamp: m.timestamp,
            })),
          );
        });
      } catch (error) {
        for (const send of batch) send.reject(error);
      } finally {
        this.#queuedBytes -= bytes;
      }
    }
  }

  async #writeWithRetries(batch: readonly PendingSend[]): Promise<number[][]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.writeBatch(batch);
      } catch (error) {
        const retry = isPitwallError(error) && error.canRetry && attempt < this.options.retries;
        if (!retry) throw error;
        await sleep(this.options.retryBackoffMs * 2 ** attempt);
      }
    }
  }
}

function closedError(): LogError {
  return new LogError(ERROR_CODES.logClosed, 'the producer is closed');
}

// A TelemetrySink that produces the simulator's batches to a log topic, keyed by vehicle
// id so each vehicle's events stay in order on one partition.
import type { RecordBatch, TelemetrySink } from '../telemetry/sink.js';
import { ERROR_CODES, LogError } from '../errors.js';
import type { LogBytes, LogProducer, LogTransport, ProducerMessage } from './types.js';

/** A batch as the simulator (or a replay) hands it over: values as JSON text or bytes. */
export interface KeyedBatch {
  /** Message keys; `null` spreads that message over the partitions. */
  readonly keys: readonly (string | Buffer | null)[];
  readonly values: readonly (string | Uint8Array)[];
}

export interface LogSinkOptions {
  readonly topic: string;
  /** Headers put on every message (for example a content type). */
  readonly headers?: Readonly<Record<string, LogBytes>>;
  /** Batches sent but not yet acknowledged before `write` makes the caller wait. */
  readonly maxInFlight?: number;
  /** Close the producer when the sink closes (true when the sink made it). */
  readonly ownsProducer?: boolean;
}

export class LogSink implements TelemetrySink {
  readonly topic: string;
  readonly #producer: LogProducer;
  readonly #headers: Readonly<Record<string, LogBytes>> | undefined;
  readonly #maxInFlight: number;
  readonly #ownsProducer: boolean;
  readonly #inFlight = new Set<Promise<void>>();
  #error: Error | undefined;
  #closed = false;
  /** Messages acknowledged by the log. */
  messagesWritten = 0;

  constructor(producer: LogProducer, options: LogSinkOptions) {
    this.#producer = producer;
    this.topic = options.topic;
    this.#headers = options.headers;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.#ownsProducer = options.ownsProducer ?? false;
  }

  /**
   * Makes the topic when missing (`partitions` of them) and a sink with its own producer.
   *
   * @example
   * ```ts
   * const sink = await LogSink.open(log, { topic: 'telemetry', partitions: 4 });
   * await new FleetRunner(options).run(sink);
   * await sink.close();
   * ```
   */
  static async open(
    transport: LogTransport,
    options: Omit<LogSinkOptions, 'ownsProducer'> & { readonly partitions: number },
  ): Promise<LogSink> {
    const admin = transport.createAdmin();
    try {
      await admin.createTopic(options.topic, { partitions: options.partitions, ifNotExists: true });
    } finally {
      await admin.close();
    }
    return new LogSink(transport.createProducer({ clientId: 'pitwall-log-sink' }), {
      topic: options.topic,
      headers: options.headers,
      maxInFlight: options.maxInFlight,
      ownsProducer: true,
    });
  }

  /** Sends the batch; waits (backpressure) only while `maxInFlight` batches are unacknowledged. */
  write(batch: RecordBatch | KeyedBatch): void | Promise<void> {
    if (this.#error) throw this.#error;
    const { keys, values } = batch;
    if (values.length === 0) return;
    // Byte values may be views into a buffer the caller reuses once `write` returns
    // (see RecordBatch), while these sends complete later: copy them into one new buffer.
    let size = 0;
    for (const value of values) if (typeof value !== 'string') size += value.length;
    const owned = size > 0 ? Buffer.allocUnsafe(size) : undefined;
    let at = 0;
    const messages: ProducerMessage[] = new Array<ProducerMessage>(values.length);
    for (let i = 0; i < values.length; i++) {
      let value = values[i]!;
      if (typeof value !== 'string' && owned) {
        owned.set(value, at);
        value = owned.subarray(at, at + value.length);
        at += value.length;
      }
      messages[i] = { key: keys[i] ?? null, value, headers: this.#headers };
    }
    const sent: Promise<void> = this.#producer.send(this.topic, messages).then(
      () => {
        this.messagesWritten += messages.length;
        this.#inFlight.delete(sent);
      },
      (error: unknown) => {
        this.#error ??=
          error instanceof Error
            ? error
            : new LogError(
                ERROR_CODES.logStorage,
                `writing to topic "${this.topic}" failed: ${String(error)}`,
              );
        this.#inFlight.delete(sent);
      },
    );
    this.#inFlight.add(sent);
    if (this.#inFlight.size >= this.#maxInFlight) return this.#drainOne();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#inFlight);
    try {
      if (this.#ownsProducer) await this.#producer.close();
      else await this.#producer.flush();
    } finally {
      // A failed send is reported here even when the producer closed cleanly.
      // eslint-disable-next-line no-unsafe-finally
      if (this.#error) throw this.#error;
    }
  }

  async #drainOne(): Promise<void> {
    await Promise.race(this.#inFlight);
    if (this.#error) throw this.#error;
  }
}

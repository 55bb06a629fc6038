// Where encoded events go: a file, stdout, or (later) a log transport.

/**
 * A batch of encoded events in delivery order: `values[k]` is one event's JSON text as
 * UTF-8 bytes (no newline), `keys[k]` its vehicle id (the Kafka message key). Values
 * may be views into a buffer the producer reuses: a sink must copy what it keeps after
 * `write` resolves.
 */
export interface RecordBatch {
  readonly keys: string[];
  readonly values: Uint8Array[];
}

export interface TelemetrySink {
  /** Accepts a batch; a returned promise means "wait before sending more" (backpressure). */
  write(batch: RecordBatch): void | Promise<void>;
  /** Flushes and releases the destination. */
  close(): Promise<void>;
}

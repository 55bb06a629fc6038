// Where encoded events go: a file, stdout, or (later) a log transport.

/** A batch of encoded events in delivery order; `keys[k]` is the vehicle id of `values[k]`. */
export interface RecordBatch {
  readonly keys: string[];
  readonly values: string[];
}

export interface TelemetrySink {
  /** Accepts a batch; a returned promise means "wait before sending more" (backpressure). */
  write(batch: RecordBatch): void | Promise<void>;
  /** Flushes and releases the destination. */
  close(): Promise<void>;
}

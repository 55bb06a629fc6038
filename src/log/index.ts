// The log layer: one producer/consumer interface (Kafka's model), its embedded SQLite
// implementation, and a telemetry sink on top.
export type * from './types.js';
export { AUTO_OFFSET_RESETS } from './types.js';
export { murmur2, partitionForKey } from './murmur2.js';
export { rangeAssign } from './range-assignor.js';
export { PRODUCER_DEFAULTS, CONSUMER_DEFAULTS, DEFAULT_RETENTION_MS } from './options.js';
export { BatchingProducer, type OutgoingMessage, type PendingSend } from './batching-producer.js';
export { LogSink, type LogSinkOptions, type KeyedBatch } from './log-sink.js';
export {
  EmbeddedLog,
  EMBEDDED_LOG_DEFAULTS,
  type EmbeddedLogOptions,
  type RetentionReport,
} from './embedded/embedded-log.js';
export { LOG_FILE_NAME } from './embedded/database.js';

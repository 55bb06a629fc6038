// Event schema v1: types, signals, encoding, validation, sinks.
export * from './events.js';
export {
  SIGNALS,
  SIGNAL_INDEX,
  SIGNAL_COUNT,
  decimalsFor,
  type SignalName,
  type SignalSpec,
} from './signals.js';
export { encodeEvent, encodeTelemetry, IsoTimeFormatter } from './encode.js';
export { eventSchemaProblem, assertEvent } from './validate.js';
export { buildEventJsonSchema, EVENT_SCHEMA_FILE } from './json-schema.js';
export { uuidV5, PITWALL_NAMESPACE } from './uuid.js';
export { NdjsonSink } from './ndjson-sink.js';
export type { RecordBatch, TelemetrySink } from './sink.js';

// Bronze ingest: log topics → the bronze Delta table, raw and exactly once.
export {
  BronzeIngestor,
  type BronzeIngestorOptions,
  type CommittedBatch,
  type IngestSummary,
} from './bronze-ingestor.js';
export { BronzeMetrics, type BatchReport } from './metrics.js';
export { classifyValue, VALUE_CLASSES, type ValueClass } from './classify.js';
export {
  BRONZE_SCHEMA,
  BRONZE_PARTITION_COLUMNS,
  BRONZE_TABLE_PATH,
  BRONZE_TABLE_PROPERTIES,
  bronzeAppId,
} from './schema.js';
export { bronzeTableLocation, openBronzeTable } from './table.js';

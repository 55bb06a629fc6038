// The bronze table: every log message as received (raw key, value and headers bytes) with
// where it came from in the log and when it was ingested, partitioned by ingest date.
import type { TableSchema } from '../../lake/index.js';

/** Where the bronze table lives under a lake root. */
export const BRONZE_TABLE_PATH = 'bronze/telemetry';

/**
 * Columns, after Spark's Kafka source (`key`, `value`, `topic`, `partition`, `offset`,
 * `headers`) plus what bronze adds. `headers` is a JSON object of name → base64 bytes (the
 * lake has no map type); `value_class` is the cheap shape check of `value` (see classify.ts).
 */
export const BRONZE_SCHEMA = {
  fields: [
    { name: 'ingest_date', type: 'date', nullable: false },
    { name: 'topic', type: 'string', nullable: false },
    { name: 'partition', type: 'integer', nullable: false },
    { name: 'offset', type: 'long', nullable: false },
    { name: 'key', type: 'binary' },
    { name: 'value', type: 'binary', nullable: false },
    { name: 'headers', type: 'string' },
    { name: 'log_timestamp', type: 'timestamp', nullable: false },
    { name: 'ingest_time', type: 'timestamp', nullable: false },
    { name: 'value_class', type: 'string', nullable: false },
    { name: 'value_size', type: 'integer', nullable: false },
  ],
} as const satisfies TableSchema;

export const BRONZE_PARTITION_COLUMNS = ['ingest_date'] as const;

/**
 * Properties of a new bronze table: appends only; a checkpoint every 20 commits; gzip pages
 * (~18× smaller than uncompressed bronze, compressed on the thread pool, so ingest does not
 * slow down: docs/benchmarks.md, "ingest").
 */
export const BRONZE_TABLE_PROPERTIES = {
  'delta.appendOnly': 'true',
  'delta.checkpointInterval': '20',
  'pitwall.parquet.compression': 'gzip',
} as const;

const APP_ID_PREFIX = 'pitwall-bronze';

/**
 * The Delta application id recording how far one log partition has been written: its
 * `txn` version is the last offset of that partition in the table.
 */
export function bronzeAppId(topic: string, partition: number): string {
  return `${APP_ID_PREFIX}:${topic}:${partition}`;
}

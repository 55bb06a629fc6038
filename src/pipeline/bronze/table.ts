// Opening the bronze table under a lake root, creating it on first use.
import path from 'node:path';
import { DeltaTable, type DeltaTableOptions } from '../../lake/index.js';
import {
  BRONZE_PARTITION_COLUMNS,
  BRONZE_SCHEMA,
  BRONZE_TABLE_PATH,
  BRONZE_TABLE_PROPERTIES,
} from './schema.js';

/** The bronze table's folder under `lakeRoot`. */
export function bronzeTableLocation(lakeRoot: string): string {
  return path.join(lakeRoot, BRONZE_TABLE_PATH);
}

/** Opens (or creates) `<lakeRoot>/bronze/telemetry`; safe when several processes race. */
export function openBronzeTable(
  lakeRoot: string,
  options: DeltaTableOptions = {},
): Promise<DeltaTable> {
  return DeltaTable.openOrCreate(bronzeTableLocation(lakeRoot), BRONZE_SCHEMA, {
    ...options,
    partitionColumns: BRONZE_PARTITION_COLUMNS,
    configuration: BRONZE_TABLE_PROPERTIES,
    name: 'bronze_telemetry',
    description:
      'Raw log messages (key, value, headers bytes) with their topic, partition and offset',
  });
}

// The lake layer: Delta Lake tables (the protocol subset Pitwall needs) on swappable
// storage, with Parquet written by Pitwall's encoder (./parquet) and read through DuckDB.
export {
  DeltaTable,
  type AppendOptions,
  type AppendResult,
  type CommitOptions,
  type CommitResult,
  type CreateTableOptions,
  type DeltaTableOptions,
} from './delta-table.js';
export { Snapshot, READER_VERSION, WRITER_VERSION } from './snapshot.js';
export type { SnapshotOptions } from './delta-log.js';
export {
  LOG_DIR,
  LAST_CHECKPOINT_KEY,
  commitKey,
  checkpointKey,
  type Action,
  type AddAction,
  type RemoveAction,
  type MetadataAction,
  type ProtocolAction,
  type TxnAction,
  type CommitInfoAction,
  type PartitionValues,
} from './actions.js';
export type { LastCheckpoint } from './checkpoint.js';
export {
  LAKE_TYPES,
  DUCKDB_TYPES,
  type LakeType,
  type LakeField,
  type TableSchema,
} from './schema.js';
export type { LakeRow, ColumnBatch, ColumnValues } from './batch.js';
export type { LakeValue } from './values.js';
export type { TxnId } from './options.js';
export { decodeStats, type FileStats, type StatValue } from './stats.js';
export {
  readTable,
  scanSql,
  activeFilePaths,
  type ReadRow,
  type ReadValue,
  type ReadTableOptions,
} from './read-table.js';
export { DuckDbEngine, type DuckDbEngineOptions } from './duckdb-engine.js';
export type { LakeStorage, StorageEntry } from './storage.js';
export { LocalStorage } from './local-storage.js';
export { MemoryStorage } from './memory-storage.js';
export { openStorage } from './open-storage.js';
export { parseLocation, type TableLocation } from './location.js';
export { TABLE_PROPERTY_DEFAULTS } from './table-config.js';
export {
  copyQueryToTable,
  commitStaged,
  snapshotWithFiles,
  filesAddedSince,
  type StagedParquet,
  type CommitStagedOptions,
} from './parquet-commit.js';

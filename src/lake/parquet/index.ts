// A Parquet writer for flat lake columns (the read side is DuckDB's).
export {
  encodeParquet,
  encodeParquetSync,
  compareCodePoints,
  PARQUET_COMPRESSIONS,
  PARQUET_DEFAULTS,
  type ColumnBound,
  type ColumnSummary,
  type EncodedParquet,
  type ParquetColumn,
  type ParquetCompression,
  type ParquetWriteOptions,
} from './writer.js';

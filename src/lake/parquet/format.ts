// The enum values of the Apache Parquet format (parquet-format, src/main/thrift/parquet.thrift)
// that Pitwall's writer uses, and the file's framing bytes.

/** `PAR1`: the first and the last four bytes of every Parquet file. */
export const MAGIC = Buffer.from('PAR1', 'latin1');

/** parquet.thrift `Type`: physical types. */
export const PhysicalType = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
} as const;
export type PhysicalType = (typeof PhysicalType)[keyof typeof PhysicalType];

/** parquet.thrift `ConvertedType` (the legacy annotations, written next to LogicalType). */
export const ConvertedType = {
  UTF8: 0,
  DATE: 6,
  TIMESTAMP_MICROS: 10,
} as const;

/** parquet.thrift `FieldRepetitionType`. */
export const Repetition = { REQUIRED: 0, OPTIONAL: 1 } as const;

/** parquet.thrift `Encoding`. */
export const Encoding = { PLAIN: 0, RLE: 3 } as const;

/** parquet.thrift `CompressionCodec`. */
export const Codec = { UNCOMPRESSED: 0, GZIP: 2 } as const;

/** parquet.thrift `PageType`. */
export const PageType = { DATA_PAGE: 0 } as const;

/** Field ids of parquet.thrift `LogicalType` (a union) used here. */
export const LogicalTypeField = { STRING: 1, DATE: 6, TIMESTAMP: 8 } as const;

/** Field id of `TimeUnit.MICROS`. */
export const TIME_UNIT_MICROS = 2;

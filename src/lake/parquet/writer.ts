// Encodes flat lake columns as one Parquet file in memory (Apache Parquet format,
// parquet.thrift): PLAIN-encoded v1 data pages, definition levels for optional columns, row
// groups of bounded rows, pages of bounded bytes, min/max/null-count statistics in the footer,
// and, from the same pass over the values, the per-column summary Delta statistics need.
// Pages are PLAIN or gzip (parquet.thrift CompressionCodec GZIP: one RFC 1952 member per page);
// `encodeParquet` compresses them on libuv's thread pool, `encodeParquetSync` on this thread.
// Values go from the lake's column batches (typed arrays, arrays of strings or byte arrays)
// straight into one output buffer: no object per value.
import { endianness } from 'node:os';
import { promisify } from 'node:util';
import { gzip, gzipSync, type ZlibOptions } from 'node:zlib';
import { LakeUnsupportedError } from '../../errors.js';
import type { CanonicalColumn } from '../batch.js';
import type { LakeType } from '../schema.js';
import {
  Codec,
  ConvertedType,
  Encoding,
  LogicalTypeField,
  MAGIC,
  PageType,
  PhysicalType,
  Repetition,
  TIME_UNIT_MICROS,
} from './format.js';
import { CompactType, CompactWriter } from './thrift.js';

export interface ParquetColumn {
  readonly name: string;
  readonly type: LakeType;
  /** Optional (definition levels) when true; required, and nulls refused, when false. */
  readonly nullable: boolean;
  readonly values: CanonicalColumn;
}

export const PARQUET_COMPRESSIONS = ['uncompressed', 'gzip'] as const;
export type ParquetCompression = (typeof PARQUET_COMPRESSIONS)[number];

export interface ParquetWriteOptions {
  /** Which rows of the columns to write, in this order; all of them when absent. */
  readonly rows?: Int32Array;
  /** Page codec: `uncompressed` (default) or `gzip` (node:zlib). */
  readonly compression?: ParquetCompression;
  /** zlib level for gzip, 1 (fastest) to 9; default 1. */
  readonly gzipLevel?: number;
  /** Most gzip pages `encodeParquet` has compressing on the thread pool at once; default 4. */
  readonly pagesInFlight?: number;
  /** Most rows per row group. */
  readonly rowGroupRows?: number;
  /** Target uncompressed bytes of a data page (a single larger value gets a page of its own). */
  readonly pageBytes?: number;
  /** The footer's `created_by`. */
  readonly createdBy?: string;
  /**
   * Memory to encode into when it is large enough (an earlier result's `output`): a big
   * fresh buffer costs more in page faults than the encoding itself.
   */
  readonly output?: Buffer;
}

/** A bound of a column: bigint for long/timestamp, number for integer/date/double. */
export type ColumnBound = number | bigint | string | boolean;

/** What one column holds over the whole file (for Delta statistics). */
export interface ColumnSummary {
  readonly nullCount: number;
  /** Smallest and largest non-null value (NaN ignored); undefined without any. Not for binary. */
  readonly min: ColumnBound | undefined;
  readonly max: ColumnBound | undefined;
  /** NaN values of a double column. */
  readonly nanCount: number;
}

export interface EncodedParquet {
  /** The file: a view of `output`. */
  readonly bytes: Buffer;
  /** The whole buffer `bytes` lies in, to pass as `options.output` once `bytes` is used. */
  readonly output: Buffer;
  readonly numRows: number;
  readonly rowGroups: number;
  /** Data pages over all column chunks. */
  readonly pages: number;
  /** In the order of the columns given. */
  readonly columns: readonly ColumnSummary[];
}

export const PARQUET_DEFAULTS = {
  compression: 'uncompressed',
  gzipLevel: 1,
  // libuv's default thread pool size; with ~1 MiB pages, at most ~4 MiB of pages wait on zlib.
  pagesInFlight: 4,
  // DuckDB's default row group size: big enough for fast scans, small enough for parallel ones.
  rowGroupRows: 122_880,
  // parquet-mr's default page size.
  pageBytes: 1024 * 1024,
  createdBy: 'pitwall',
} as const satisfies Required<Omit<ParquetWriteOptions, 'rows' | 'output'>>;

/** String bounds longer than this stay out of the footer (they would bloat it). */
const FOOTER_STRING_STAT_BYTES = 64;
/** Room for one data page header: every field at its longest varint. */
const PAGE_HEADER_MAX = 40;

const PHYSICAL = {
  string: PhysicalType.BYTE_ARRAY,
  binary: PhysicalType.BYTE_ARRAY,
  long: PhysicalType.INT64,
  timestamp: PhysicalType.INT64,
  integer: PhysicalType.INT32,
  date: PhysicalType.INT32,
  double: PhysicalType.DOUBLE,
  boolean: PhysicalType.BOOLEAN,
} as const satisfies Record<LakeType, PhysicalType>;

/** Bytes per value of fixed-width types; 0 for byte arrays, booleans are bit-packed. */
const WIDTH = {
  string: 0,
  binary: 0,
  long: 8,
  timestamp: 8,
  integer: 4,
  date: 4,
  double: 8,
  boolean: 0,
} as const satisfies Record<LakeType, number>;

/** A column's non-null values, densely, in the forms the page writer and statistics read. */
interface Dense {
  readonly column: ParquetColumn;
  /** Per written row, 1 when the value is present; undefined when none is null. */
  readonly defined: Uint8Array | undefined;
  readonly nullCount: number;
  /** Fixed-width values as little-endian bytes. */
  readonly bytes: Uint8Array | undefined;
  /** The same memory as 32-bit words (int32 values, or int64 as low/high word pairs). */
  readonly words: Int32Array | undefined;
  readonly doubles: Float64Array | undefined;
  /** Booleans, one byte (0/1) per value. */
  readonly bools: Uint8Array | undefined;
  /** Byte arrays (strings as UTF-8), with their lengths. */
  readonly items: readonly Uint8Array[] | undefined;
  readonly lengths: Int32Array | undefined;
  /** The strings of a string column (for their bounds). */
  readonly texts: readonly string[] | undefined;
}

function bytesOf(array: Int32Array | Float64Array | BigInt64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Gathers `rows` of a fixed-width typed array by 32-bit words (no BigInt per value). */
function gatherWords(
  source: Int32Array | Float64Array | BigInt64Array,
  rows: Int32Array,
): Int32Array {
  const perValue = source.BYTES_PER_ELEMENT / 4;
  const from = new Int32Array(source.buffer, source.byteOffset, source.length * perValue);
  const out = new Int32Array(rows.length * perValue);
  if (perValue === 1) {
    for (let i = 0; i < rows.length; i++) out[i] = from[rows[i]!]!;
  } else {
    for (let i = 0; i < rows.length; i++) {
      const at = rows[i]! * 2;
      out[2 * i] = from[at]!;
      out[2 * i + 1] = from[at + 1]!;
    }
  }
  return out;
}

function prepare(column: ParquetColumn, rows: Int32Array | undefined, n: number): Dense {
  const { type, values } = column;
  const base = {
    column,
    bytes: undefined,
    words: undefined,
    doubles: undefined,
    bools: undefined,
    items: undefined,
    lengths: undefined,
    texts: undefined,
  };
  if (!Array.isArray(values)) {
    // A typed array: fixed-width values without nulls (batch.ts checked its type).
    const typed = values as Int32Array | Float64Array | BigInt64Array;
    let words: Int32Array;
    if (rows === undefined) {
      const perValue = typed.BYTES_PER_ELEMENT / 4;
      words = new Int32Array(typed.buffer, typed.byteOffset, n * perValue);
    } else {
      words = gatherWords(typed, rows);
    }
    return {
      ...base,
      defined: undefined,
      nullCount: 0,
      bytes: bytesOf(words),
      words,
      doubles: type === 'double' ? new Float64Array(words.buffer, words.byteOffset, n) : undefined,
    };
  }
  const list = values as readonly unknown[];
  const at = (i: number): number => (rows === undefined ? i : rows[i]!);
  let nullCount = 0;
  for (let i = 0; i < n; i++) if (list[at(i)] === null || list[at(i)] === undefined) nullCount++;
  if (nullCount > 0 && !column.nullable) {
    throw new RangeError(`column '${column.name}' is required but holds ${nullCount} nulls`);
  }
  let defined: Uint8Array | undefined;
  if (nullCount > 0) {
    defined = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = list[at(i)];
      defined[i] = v === null || v === undefined ? 0 : 1;
    }
  }
  const count = n - nullCount;
  const common = { ...base, defined, nullCount };
  switch (type) {
    case 'long':
    case 'timestamp': {
      const dense = new BigInt64Array(count);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const v = list[at(i)];
        if (v !== null && v !== undefined) dense[k++] = v as bigint;
      }
      return { ...common, bytes: bytesOf(dense), words: new Int32Array(dense.buffer) };
    }
    case 'integer':
    case 'date': {
      const dense = new Int32Array(count);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const v = list[at(i)];
        if (v !== null && v !== undefined) dense[k++] = v as number;
      }
      return { ...common, bytes: bytesOf(dense), words: dense };
    }
    case 'double': {
      const dense = new Float64Array(count);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const v = list[at(i)];
        if (v !== null && v !== undefined) dense[k++] = v as number;
      }
      return { ...common, bytes: bytesOf(dense), doubles: dense };
    }
    case 'boolean': {
      const dense = new Uint8Array(count);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const v = list[at(i)];
        if (v !== null && v !== undefined) dense[k++] = v === true ? 1 : 0;
      }
      return { ...common, bools: dense };
    }
    case 'string': {
      const texts = new Array<string>(count);
      const items = new Array<Uint8Array>(count);
      const lengths = new Int32Array(count);
      // Runs of one string (a topic, a class name) are encoded once.
      let last: string | undefined;
      let lastBytes: Uint8Array = EMPTY;
      let k = 0;
      for (let i = 0; i < n; i++) {
        const v = list[at(i)] as string | null | undefined;
        if (v === null || v === undefined) continue;
        if (v !== last) {
          last = v;
          lastBytes = Buffer.from(v, 'utf8');
        }
        texts[k] = v;
        items[k] = lastBytes;
        lengths[k++] = lastBytes.length;
      }
      return { ...common, items, lengths, texts };
    }
    case 'binary': {
      const items = new Array<Uint8Array>(count);
      const lengths = new Int32Array(count);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const v = list[at(i)] as Uint8Array | null | undefined;
        if (v === null || v === undefined) continue;
        items[k] = v;
        lengths[k++] = v.length;
      }
      return { ...common, items, lengths };
    }
  }
}

// ---- statistics ----

/** -1/0/1 by Unicode code point, which is the order of the strings' UTF-8 bytes. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (code points ≥ U+10000) below U+E000–U+FFFF; move them above.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

interface RangeStats {
  min: ColumnBound | undefined;
  max: ColumnBound | undefined;
  nanCount: number;
}

/** Min and max of the dense values [d0, d1) of a column (none for binary). */
function rangeStats(dense: Dense, d0: number, d1: number): RangeStats {
  const out: RangeStats = { min: undefined, max: undefined, nanCount: 0 };
  if (d1 <= d0) return out;
  switch (dense.column.type) {
    case 'integer':
    case 'date': {
      const w = dense.words!;
      let min = w[d0]!;
      let max = min;
      for (let k = d0 + 1; k < d1; k++) {
        const v = w[k]!;
        if (v < min) min = v;
        else if (v > max) max = v;
      }
      out.min = min;
      out.max = max;
      return out;
    }
    case 'long':
    case 'timestamp': {
      // Compare (high word signed, low word unsigned) to find the indexes, then make two BigInts.
      const w = dense.words!;
      let minAt = d0;
      let maxAt = d0;
      let minHi = w[2 * d0 + 1]!;
      let minLo = w[2 * d0]! >>> 0;
      let maxHi = minHi;
      let maxLo = minLo;
      for (let k = d0 + 1; k < d1; k++) {
        const hi = w[2 * k + 1]!;
        const lo = w[2 * k]! >>> 0;
        if (hi < minHi || (hi === minHi && lo < minLo)) {
          minHi = hi;
          minLo = lo;
          minAt = k;
        } else if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
          maxHi = hi;
          maxLo = lo;
          maxAt = k;
        }
      }
      const view = new BigInt64Array(dense.bytes!.buffer, dense.bytes!.byteOffset);
      out.min = view[minAt]!;
      out.max = view[maxAt]!;
      return out;
    }
    case 'double': {
      const f = dense.doubles!;
      let min = Infinity;
      let max = -Infinity;
      let nan = 0;
      let seen = false;
      for (let k = d0; k < d1; k++) {
        const v = f[k]!;
        if (v !== v) {
          nan++;
          continue;
        }
        seen = true;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      out.nanCount = nan;
      if (seen) {
        // -0 and +0 compare equal: make the bounds cover both (the Parquet spec's rule).
        out.min = min === 0 ? -0 : min;
        out.max = max === 0 ? 0 : max;
      }
      return out;
    }
    case 'boolean': {
      const b = dense.bools!;
      let any = 0;
      let all = 1;
      for (let k = d0; k < d1; k++) {
        any |= b[k]!;
        all &= b[k]!;
      }
      out.min = all === 1;
      out.max = any === 1;
      return out;
    }
    case 'string': {
      const items = dense.texts!;
      let min = items[d0]!;
      let max = min;
      for (let k = d0 + 1; k < d1; k++) {
        const v = items[k]!;
        if (v === min || v === max) continue;
        if (compareCodePoints(v, min) < 0) min = v;
        else if (compareCodePoints(v, max) > 0) max = v;
      }
      out.min = min;
      out.max = max;
      return out;
    }
    case 'binary':
      return out;
  }
}

function mergeStats(type: LakeType, into: RangeStats, next: RangeStats): void {
  into.nanCount += next.nanCount;
  if (next.min === undefined || next.max === undefined) return;
  if (into.min === undefined || into.max === undefined) {
    into.min = next.min;
    into.max = next.max;
    return;
  }
  if (type === 'string') {
    if (compareCodePoints(next.min as string, into.min as string) < 0) into.min = next.min;
    if (compareCodePoints(next.max as string, into.max as string) > 0) into.max = next.max;
  } else {
    if (next.min < into.min) into.min = next.min;
    if (next.max > into.max) into.max = next.max;
  }
}

/** A bound PLAIN-encoded for the footer (byte arrays without their length prefix). */
function plainBound(type: LakeType, value: ColumnBound): Buffer | undefined {
  switch (type) {
    case 'integer':
    case 'date': {
      const b = Buffer.allocUnsafe(4);
      b.writeInt32LE(value as number);
      return b;
    }
    case 'long':
    case 'timestamp': {
      const b = Buffer.allocUnsafe(8);
      b.writeBigInt64LE(value as bigint);
      return b;
    }
    case 'double': {
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleLE(value as number);
      return b;
    }
    case 'boolean':
      return Buffer.from([value === true ? 1 : 0]);
    case 'string': {
      const b = Buffer.from(value as string, 'utf8');
      return b.length <= FOOTER_STRING_STAT_BYTES ? b : undefined;
    }
    case 'binary':
      return undefined;
  }
}

// ---- pages ----

/** The output: one buffer, sized up front for the uncompressed data, grown only if needed. */
class Output {
  buffer: Buffer;
  length = 0;

  constructor(bytes: number, reuse: Buffer | undefined) {
    // Whole MiB plus an eighth, so that a reused buffer also fits the next, slightly larger file.
    this.buffer =
      reuse !== undefined && reuse.length >= bytes
        ? reuse
        : Buffer.allocUnsafe(Math.ceil((bytes * 1.125) / MIB) * MIB);
  }

  ensure(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  append(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }
}

function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

function writeVarint(target: Buffer, at: number, value: number): number {
  let v = value;
  let p = at;
  while (v >= 0x80) {
    target[p++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  target[p++] = v;
  return p;
}

/** One data page: rows [r0, r1) of the written rows, dense values [d0, d1). */
interface Page {
  readonly r0: number;
  readonly r1: number;
  readonly d0: number;
  readonly d1: number;
  /** Uncompressed body bytes: definition levels (with their length) and values. */
  readonly size: number;
}

/** Definition levels of rows [r0, r1), RLE/bit-packed hybrid with bit width 1: its size. */
function levelsSize(rows: number, present: number): number {
  if (present === rows || present === 0) return varintLength(rows * 2) + 1;
  const groups = Math.ceil(rows / 8);
  return varintLength(groups * 2 + 1) + groups;
}

/** Splits a row group's rows [r0, r1) into pages of about `pageBytes`. */
function planPages(
  dense: Dense,
  optional: boolean,
  r0: number,
  r1: number,
  d0: number,
  pageBytes: number,
): Page[] {
  const pages: Page[] = [];
  const { defined, lengths } = dense;
  const type = dense.column.type;
  const width = WIDTH[type];
  let r = r0;
  let d = d0;
  while (r < r1) {
    const start = r;
    const dStart = d;
    let valueBytes = 0;
    if (lengths !== undefined) {
      // Byte arrays: 4-byte length prefix + bytes, until the page is full.
      while (r < r1) {
        if (defined !== undefined && defined[r] === 0) {
          r++;
          continue;
        }
        const next = 4 + lengths[d]!;
        if (valueBytes > 0 && valueBytes + next > pageBytes) break;
        valueBytes += next;
        d++;
        r++;
      }
    } else {
      const perPage = width === 0 ? pageBytes * 8 : Math.max(1, Math.floor(pageBytes / width));
      r = Math.min(r1, start + perPage);
      if (defined === undefined) {
        d += r - start;
      } else {
        for (let i = start; i < r; i++) d += defined[i]!;
      }
      valueBytes = width === 0 ? Math.ceil((d - dStart) / 8) : (d - dStart) * width;
    }
    const levels = optional ? 4 + levelsSize(r - start, d - dStart) : 0;
    pages.push({ r0: start, r1: r, d0: dStart, d1: d, size: levels + valueBytes });
  }
  return pages;
}

const LITTLE_ENDIAN = endianness() === 'LE';
const EMPTY = new Uint8Array(0);
const MIB = 1024 * 1024;

/** Writes a page body at `at` of `target`; returns where it ends. */
function writeBody(
  target: Buffer,
  at: number,
  dense: Dense,
  optional: boolean,
  page: Page,
): number {
  const { r0, r1, d0, d1 } = page;
  let p = at;
  if (optional) {
    const lengthAt = p;
    p += 4;
    const rows = r1 - r0;
    const present = d1 - d0;
    if (present === rows || present === 0) {
      // One RLE run: header (count << 1), then the level in one byte.
      p = writeVarint(target, p, rows * 2);
      target[p++] = present === 0 ? 0 : 1;
    } else {
      // One bit-packed run: header (groups of 8 << 1 | 1), then the levels, LSB first.
      const defined = dense.defined!;
      const groups = Math.ceil(rows / 8);
      p = writeVarint(target, p, groups * 2 + 1);
      target.fill(0, p, p + groups);
      for (let i = r0; i < r1; i++) {
        if (defined[i] === 1) {
          const bit = i - r0;
          target[p + (bit >> 3)]! |= 1 << (bit & 7);
        }
      }
      p += groups;
    }
    target.writeInt32LE(p - lengthAt - 4, lengthAt);
  }
  const { bytes, bools, items, lengths } = dense;
  if (bytes !== undefined) {
    const width = WIDTH[dense.column.type];
    target.set(bytes.subarray(d0 * width, d1 * width), p);
    p += (d1 - d0) * width;
  } else if (bools !== undefined) {
    // PLAIN booleans are bit-packed, LSB first.
    const n = Math.ceil((d1 - d0) / 8);
    target.fill(0, p, p + n);
    for (let k = d0; k < d1; k++) {
      if (bools[k] === 1) {
        const bit = k - d0;
        target[p + (bit >> 3)]! |= 1 << (bit & 7);
      }
    }
    p += n;
  } else {
    const list = items!;
    const sizes = lengths!;
    for (let k = d0; k < d1; k++) {
      const n = sizes[k]!;
      target[p] = n & 0xff;
      target[p + 1] = (n >>> 8) & 0xff;
      target[p + 2] = (n >>> 16) & 0xff;
      target[p + 3] = n >>> 24;
      p += 4;
      target.set(list[k]!, p);
      p += n;
    }
  }
  return p;
}

function writePageHeader(
  header: CompactWriter,
  numValues: number,
  uncompressed: number,
  compressed: number,
): Buffer {
  header.reset();
  header
    .beginStruct()
    .i32(1, PageType.DATA_PAGE)
    .i32(2, uncompressed)
    .i32(3, compressed)
    .beginStruct(5)
    .i32(1, numValues)
    .i32(2, Encoding.PLAIN)
    .i32(3, Encoding.RLE)
    .i32(4, Encoding.RLE)
    .endStruct()
    .endStruct();
  return header.bytes();
}

// ---- footer ----

/** A column chunk's footer entry; offset and sizes grow as its pages are appended. */
interface ChunkMeta {
  /** Where its first page starts; -1 until that page is appended. */
  offset: number;
  uncompressed: number;
  compressed: number;
  readonly numValues: number;
  readonly nullCount: number;
  readonly stats: RangeStats;
}

function writeSchemaElement(footer: CompactWriter, column: ParquetColumn): void {
  footer.beginStruct();
  footer.i32(1, PHYSICAL[column.type]);
  footer.i32(3, column.nullable ? Repetition.OPTIONAL : Repetition.REQUIRED);
  footer.string(4, column.name);
  switch (column.type) {
    case 'string':
      footer.i32(6, ConvertedType.UTF8);
      footer.beginStruct(10).beginStruct(LogicalTypeField.STRING).endStruct().endStruct();
      break;
    case 'date':
      footer.i32(6, ConvertedType.DATE);
      footer.beginStruct(10).beginStruct(LogicalTypeField.DATE).endStruct().endStruct();
      break;
    case 'timestamp':
      footer.i32(6, ConvertedType.TIMESTAMP_MICROS);
      footer
        .beginStruct(10)
        .beginStruct(LogicalTypeField.TIMESTAMP)
        .bool(1, true)
        .beginStruct(2)
        .beginStruct(TIME_UNIT_MICROS)
        .endStruct()
        .endStruct()
        .endStruct()
        .endStruct();
      break;
    default:
      break;
  }
  footer.endStruct();
}

function writeChunk(
  footer: CompactWriter,
  column: ParquetColumn,
  codec: number,
  chunk: ChunkMeta,
): void {
  footer.beginStruct();
  footer.i64(2, chunk.offset);
  footer.beginStruct(3);
  footer.i32(1, PHYSICAL[column.type]);
  if (column.nullable) {
    footer.beginList(2, CompactType.I32, 2).elementI32(Encoding.PLAIN).elementI32(Encoding.RLE);
  } else {
    footer.beginList(2, CompactType.I32, 1).elementI32(Encoding.PLAIN);
  }
  footer.beginList(3, CompactType.BINARY, 1).elementString(column.name);
  footer.i32(4, codec);
  footer.i64(5, chunk.numValues);
  footer.i64(6, chunk.uncompressed);
  footer.i64(7, chunk.compressed);
  footer.i64(9, chunk.offset);
  footer.beginStruct(12);
  footer.i64(3, chunk.nullCount);
  const { min, max } = chunk.stats;
  const maxBytes = max === undefined ? undefined : plainBound(column.type, max);
  const minBytes = min === undefined ? undefined : plainBound(column.type, min);
  if (maxBytes !== undefined && minBytes !== undefined) {
    footer.binary(5, maxBytes);
    footer.binary(6, minBytes);
  }
  footer.endStruct();
  footer.endStruct();
  footer.endStruct();
}

function checkPositive(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`parquet option ${name}: ${value} is not an integer in 1..${max}`);
  }
  return value;
}

/** Everything decided before the first byte is written: values, pages, chunks, options. */
interface FilePlan {
  readonly columns: readonly ParquetColumn[];
  readonly dense: readonly Dense[];
  readonly numRows: number;
  readonly compression: ParquetCompression;
  readonly gzipLevel: number;
  readonly pagesInFlight: number;
  readonly createdBy: string;
  /** Per row group, per column: its pages. */
  readonly pages: readonly (readonly Page[])[][];
  /** Per row group, per column: its footer entry (statistics already computed). */
  readonly chunks: readonly ChunkMeta[][];
  readonly groupRows: readonly number[];
  /** Per-column statistics over the whole file. */
  readonly summaries: readonly RangeStats[];
  /** Bytes of the file if no page were compressed (footer aside). */
  readonly uncompressedBytes: number;
}

function planFile(columns: readonly ParquetColumn[], options: ParquetWriteOptions): FilePlan {
  if (!LITTLE_ENDIAN) {
    throw new LakeUnsupportedError('the Parquet writer needs a little-endian machine');
  }
  if (columns.length === 0) throw new RangeError('a Parquet file needs at least one column');
  const compression = options.compression ?? PARQUET_DEFAULTS.compression;
  if (!PARQUET_COMPRESSIONS.includes(compression)) {
    throw new RangeError(`parquet option compression: '${String(compression)}' is not supported`);
  }
  const gzipLevel = checkPositive('gzipLevel', options.gzipLevel ?? PARQUET_DEFAULTS.gzipLevel, 9);
  const pagesInFlight = checkPositive(
    'pagesInFlight',
    options.pagesInFlight ?? PARQUET_DEFAULTS.pagesInFlight,
    64,
  );
  const rowGroupRows = checkPositive(
    'rowGroupRows',
    options.rowGroupRows ?? PARQUET_DEFAULTS.rowGroupRows,
    2 ** 31 - 1,
  );
  const pageBytes = checkPositive(
    'pageBytes',
    options.pageBytes ?? PARQUET_DEFAULTS.pageBytes,
    2 ** 30,
  );
  const { rows } = options;
  const numRows = rows?.length ?? columns[0]!.values.length;
  for (const column of columns) {
    if (rows === undefined && column.values.length !== numRows) {
      throw new RangeError(
        `column '${column.name}' has ${column.values.length} values, expected ${numRows}`,
      );
    }
  }
  const dense = columns.map((column) => prepare(column, rows, numRows));

  // Plan every page first: the uncompressed size is then known and allocated once.
  const pages: Page[][][] = [];
  const chunks: ChunkMeta[][] = [];
  const groupRows: number[] = [];
  const summaries: RangeStats[] = dense.map(() => ({
    min: undefined,
    max: undefined,
    nanCount: 0,
  }));
  const denseAt = dense.map(() => 0);
  let uncompressedBytes = MAGIC.length;
  // No rows, no row groups (a row group with empty column chunks would have no pages).
  for (let r0 = 0; r0 < numRows; r0 += rowGroupRows) {
    const r1 = Math.min(numRows, r0 + rowGroupRows);
    const groupPages: Page[][] = [];
    const groupChunks: ChunkMeta[] = [];
    dense.forEach((d, c) => {
      const d0 = denseAt[c]!;
      const columnPages = planPages(d, d.column.nullable, r0, r1, d0, pageBytes);
      const d1 = columnPages[columnPages.length - 1]?.d1 ?? d0;
      denseAt[c] = d1;
      for (const page of columnPages) uncompressedBytes += PAGE_HEADER_MAX + page.size;
      const stats = rangeStats(d, d0, d1);
      mergeStats(d.column.type, summaries[c]!, stats);
      groupPages.push(columnPages);
      groupChunks.push({
        offset: -1,
        uncompressed: 0,
        compressed: 0,
        numValues: r1 - r0,
        nullCount: r1 - r0 - (d1 - d0),
        stats,
      });
    });
    pages.push(groupPages);
    chunks.push(groupChunks);
    groupRows.push(r1 - r0);
  }
  return {
    columns,
    dense,
    numRows,
    compression,
    gzipLevel,
    pagesInFlight,
    createdBy: options.createdBy ?? PARQUET_DEFAULTS.createdBy,
    pages,
    chunks,
    groupRows,
    summaries,
    uncompressedBytes,
  };
}

/** One page to write, with the column chunk it belongs to. */
interface PageJob {
  readonly dense: Dense;
  readonly page: Page;
  readonly chunk: ChunkMeta;
}

/** The pages of a file in file order: row group by row group, column by column. */
function* pageJobs(plan: FilePlan): Generator<PageJob> {
  for (let g = 0; g < plan.pages.length; g++) {
    for (let c = 0; c < plan.dense.length; c++) {
      const chunk = plan.chunks[g]![c]!;
      for (const page of plan.pages[g]![c]!) yield { dense: plan.dense[c]!, page, chunk };
    }
  }
}

/** Writes a page uncompressed, its body encoded straight into the output. */
function appendPlainPage(out: Output, header: CompactWriter, job: PageJob): void {
  const { dense, page, chunk } = job;
  const head = writePageHeader(header, page.r1 - page.r0, page.size, page.size);
  out.ensure(head.length + page.size);
  if (chunk.offset < 0) chunk.offset = out.length;
  out.append(head);
  const end = writeBody(out.buffer, out.length, dense, dense.column.nullable, page);
  if (end - out.length !== page.size) {
    throw new Error(
      `parquet page of '${dense.column.name}' is ${end - out.length} bytes, planned ${page.size}`,
    );
  }
  out.length = end;
  chunk.uncompressed += head.length + page.size;
  chunk.compressed += head.length + page.size;
}

/** Appends a compressed page body under its header (sizes per parquet.thrift `PageHeader`). */
function appendCompressedPage(
  out: Output,
  header: CompactWriter,
  job: PageJob,
  body: Uint8Array,
): void {
  const { page, chunk } = job;
  const head = writePageHeader(header, page.r1 - page.r0, page.size, body.length);
  if (chunk.offset < 0) chunk.offset = out.length;
  out.append(head);
  out.append(body);
  chunk.uncompressed += head.length + page.size;
  chunk.compressed += head.length + body.length;
}

/** The footer (FileMetaData, parquet.thrift), its length and the magic; then the result. */
function finishFile(plan: FilePlan, out: Output): EncodedParquet {
  const { columns, chunks } = plan;
  const codec = plan.compression === 'gzip' ? Codec.GZIP : Codec.UNCOMPRESSED;
  const footer = new CompactWriter(1024 + columns.length * 256 * chunks.length);
  footer.beginStruct();
  footer.i32(1, 1);
  footer.beginList(2, CompactType.STRUCT, columns.length + 1);
  footer.beginStruct().string(4, 'schema').i32(5, columns.length).endStruct();
  for (const column of columns) writeSchemaElement(footer, column);
  footer.i64(3, plan.numRows);
  footer.beginList(4, CompactType.STRUCT, chunks.length);
  chunks.forEach((group, g) => {
    footer.beginStruct();
    footer.beginList(1, CompactType.STRUCT, columns.length);
    group.forEach((chunk, c) => writeChunk(footer, columns[c]!, codec, chunk));
    footer.i64(
      2,
      group.reduce((sum, chunk) => sum + chunk.uncompressed, 0),
    );
    footer.i64(3, plan.groupRows[g]!);
    footer.i64(5, group[0]!.offset);
    footer.i64(
      6,
      group.reduce((sum, chunk) => sum + chunk.compressed, 0),
    );
    footer.endStruct();
  });
  footer.string(6, plan.createdBy);
  // TYPE_ORDER for every column: min_value/max_value follow each type's sort order.
  footer.beginList(7, CompactType.STRUCT, columns.length);
  for (let c = 0; c < columns.length; c++)
    footer.beginStruct().beginStruct(1).endStruct().endStruct();
  footer.endStruct();
  const meta = footer.bytes();
  out.ensure(meta.length + 8);
  out.append(meta);
  out.buffer.writeInt32LE(meta.length, out.length);
  out.length += 4;
  out.append(MAGIC);

  return {
    bytes: out.buffer.subarray(0, out.length),
    output: out.buffer,
    numRows: plan.numRows,
    rowGroups: chunks.length,
    pages: plan.pages.reduce((sum, group) => sum + group.reduce((s, p) => s + p.length, 0), 0),
    columns: plan.summaries.map((s, c) => ({
      nullCount: plan.dense[c]!.nullCount,
      min: s.min,
      max: s.max,
      nanCount: s.nanCount,
    })),
  };
}

/** First guess of a gzip file's size (the output grows if needed). */
function gzipOutputGuess(plan: FilePlan): number {
  return Math.max(64 * 1024, Math.ceil(plan.uncompressedBytes / 4));
}

/**
 * Encodes columns of equal length as a Parquet file, blocking: gzip pages are compressed on
 * the calling thread. `encodeParquet` compresses them on the thread pool instead.
 *
 * @example
 * const { bytes, columns } = encodeParquetSync([
 *   { name: 'id', type: 'long', nullable: false, values: new BigInt64Array([1n, 2n]) },
 *   { name: 'name', type: 'string', nullable: true, values: ['a', null] },
 * ]);
 */
export function encodeParquetSync(
  columns: readonly ParquetColumn[],
  options: ParquetWriteOptions = {},
): EncodedParquet {
  return encodePlanSync(planFile(columns, options), options.output);
}

function encodePlanSync(plan: FilePlan, output: Buffer | undefined): EncodedParquet {
  const gzip = plan.compression === 'gzip';
  const out = new Output(gzip ? gzipOutputGuess(plan) : plan.uncompressedBytes + 4096, output);
  out.append(MAGIC);
  const header = new CompactWriter(64);
  let scratch = EMPTY_BUFFER;
  for (const job of pageJobs(plan)) {
    if (!gzip) {
      appendPlainPage(out, header, job);
      continue;
    }
    const { size } = job.page;
    if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, PAGE_BUFFER_BYTES));
    writeBody(scratch, 0, job.dense, job.dense.column.nullable, job.page);
    appendCompressedPage(
      out,
      header,
      job,
      gzipSync(scratch.subarray(0, size), gzipOptions(plan, size)),
    );
  }
  return finishFile(plan, out);
}

const gzipAsync = promisify(gzip);
const EMPTY_BUFFER = Buffer.alloc(0);

/** A page buffer of the default page size plus room for definition levels. */
const PAGE_BUFFER_BYTES = PARQUET_DEFAULTS.pageBytes + 64 * 1024;
/** Page buffers kept between files (they are reused, not faulted in afresh per page). */
const sparePageBuffers: Buffer[] = [];
const MAX_SPARE_PAGE_BUFFERS = 16;

function takePageBuffer(size: number): Buffer {
  if (size > PAGE_BUFFER_BYTES) return Buffer.allocUnsafe(size);
  return sparePageBuffers.pop() ?? Buffer.allocUnsafe(PAGE_BUFFER_BYTES);
}

function releasePageBuffer(buffer: Buffer): void {
  if (buffer.length === PAGE_BUFFER_BYTES && sparePageBuffers.length < MAX_SPARE_PAGE_BUFFERS) {
    sparePageBuffers.push(buffer);
  }
}

function gzipOptions(plan: FilePlan, size: number): ZlibOptions {
  // One output chunk for a page that compresses at least 4:1 (the usual case for telemetry):
  // each chunk of an async zlib call is a round trip between the thread pool and this thread.
  return { level: plan.gzipLevel, chunkSize: Math.max(64 * 1024, Math.ceil(size / 4)) };
}

/** A page being compressed on the thread pool. */
interface PendingPage {
  readonly job: PageJob;
  readonly input: Buffer;
  readonly body: Promise<Buffer>;
}

/**
 * Encodes columns of equal length as a Parquet file. With gzip, this thread encodes each page
 * into a buffer of its own and node:zlib compresses up to `pagesInFlight` pages at a time on
 * libuv's thread pool (another core) while this thread encodes the next ones and, when it
 * waits, serves the event loop; pages are appended in file order as they finish. Uncompressed
 * files are encoded as by `encodeParquetSync`. The column values must stay unchanged until the
 * promise settles.
 *
 * @example
 * const { bytes, columns } = await encodeParquet(
 *   [
 *     { name: 'id', type: 'long', nullable: false, values: new BigInt64Array([1n, 2n]) },
 *     { name: 'name', type: 'string', nullable: true, values: ['a', null] },
 *   ],
 *   { compression: 'gzip' },
 * );
 */
export async function encodeParquet(
  columns: readonly ParquetColumn[],
  options: ParquetWriteOptions = {},
): Promise<EncodedParquet> {
  const plan = planFile(columns, options);
  if (plan.compression !== 'gzip') return encodePlanSync(plan, options.output);
  const out = new Output(gzipOutputGuess(plan), options.output);
  out.append(MAGIC);
  const header = new CompactWriter(64);
  const queue: PendingPage[] = [];
  const appendOldest = async (): Promise<void> => {
    const pending = queue[0]!;
    const body = await pending.body;
    queue.shift();
    releasePageBuffer(pending.input);
    appendCompressedPage(out, header, pending.job, body);
  };
  try {
    for (const job of pageJobs(plan)) {
      if (queue.length >= plan.pagesInFlight) await appendOldest();
      const { size } = job.page;
      const input = takePageBuffer(size);
      writeBody(input, 0, job.dense, job.dense.column.nullable, job.page);
      const body = gzipAsync(input.subarray(0, size), gzipOptions(plan, size));
      // Observed in file order by appendOldest, or by the cleanup below on failure.
      body.catch(() => undefined);
      queue.push({ job, input, body });
    }
    while (queue.length > 0) await appendOldest();
  } finally {
    // On failure, zlib may still read page buffers: let it finish before they are dropped.
    if (queue.length > 0) await Promise.allSettled(queue.map((pending) => pending.body));
  }
  return finishFile(plan, out);
}

// The rows of one bronze micro-batch, kept as columns while messages arrive, and per log
// partition the offset range buffered, for its txn version. Value and key bytes are kept as
// the views the consumer delivered, not copied: both transports hand out messages whose
// memory is never reused (the embedded log decodes fresh SQLite blobs, the Kafka client
// fresh socket or decompression buffers), and the Parquet encoder copies each value once,
// into the file. Offsets and timestamps go straight into the int64 columns the lake takes.
import type { ColumnBatch } from '../../lake/index.js';
import type { ConsumedMessage } from '../../log/index.js';
import { classifyValue, VALUE_CLASSES, type ValueClass } from './classify.js';

const MS_PER_DAY = 86_400_000;
const TWO_32 = 4_294_967_296;

/** One log partition's share of a micro-batch. */
export interface PartitionRange {
  readonly topic: string;
  readonly partition: number;
  /** First and last offset buffered (offsets of one partition arrive in order). */
  firstOffset: number;
  lastOffset: number;
  records: number;
}

export type ClassCounts = Record<ValueClass, number>;

export function emptyClassCounts(): ClassCounts {
  return Object.fromEntries(VALUE_CLASSES.map((c) => [c, 0])) as ClassCounts;
}

export const partitionKey = (topic: string, partition: number): string =>
  `${topic}\u0000${partition}`;

/** Headers as a JSON object of name → base64, or null when there are none. */
function encodeHeaders(headers: ReadonlyMap<string, Buffer>): string | null {
  if (headers.size === 0) return null;
  const out: Record<string, string> = {};
  for (const [name, value] of headers) out[name] = value.toString('base64');
  return JSON.stringify(out);
}

/** Writes a safe integer into an int64 column as two 32-bit words (no BigInt per value). */
function setInt64(words: Int32Array, i: number, value: number): void {
  const high = Math.floor(value / TWO_32);
  words[2 * i] = value - high * TWO_32;
  words[2 * i + 1] = high;
}

export class MicroBatch {
  readonly capacity: number;
  /** Epoch ms the first message was added; undefined while empty. */
  startedMs: number | undefined;
  count = 0;
  /** Value bytes buffered. */
  bytes = 0;
  readonly partitions = new Map<string, PartitionRange>();
  readonly classes: ClassCounts = emptyClassCounts();

  readonly #topics: string[];
  readonly #partition: Int32Array;
  readonly #offset: BigInt64Array;
  readonly #offsetWords: Int32Array;
  readonly #timestampMs: Float64Array;
  readonly #logTimestamp: BigInt64Array;
  readonly #logTimestampWords: Int32Array;
  readonly #size: Int32Array;
  readonly #keys: (Uint8Array | null)[];
  readonly #values: Uint8Array[];
  readonly #headers: (string | null)[];
  readonly #class: ValueClass[];
  /** Per-batch constants, filled when the batch is written. */
  readonly #ingestDate: Int32Array;
  readonly #ingestTime: BigInt64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#topics = new Array<string>(capacity);
    this.#partition = new Int32Array(capacity);
    this.#offset = new BigInt64Array(capacity);
    this.#offsetWords = new Int32Array(this.#offset.buffer);
    this.#timestampMs = new Float64Array(capacity);
    this.#logTimestamp = new BigInt64Array(capacity);
    this.#logTimestampWords = new Int32Array(this.#logTimestamp.buffer);
    this.#size = new Int32Array(capacity);
    this.#keys = new Array<Uint8Array | null>(capacity);
    this.#values = new Array<Uint8Array>(capacity);
    this.#headers = new Array<string | null>(capacity);
    this.#class = new Array<ValueClass>(capacity);
    this.#ingestDate = new Int32Array(capacity);
    this.#ingestTime = new BigInt64Array(capacity);
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Room left, in messages. */
  get room(): number {
    return this.capacity - this.count;
  }

  /** Adds messages (at most `room`); returns how many value bytes were added. */
  add(messages: readonly ConsumedMessage[], nowMs: number): number {
    if (messages.length > this.room) {
      throw new RangeError(
        `micro-batch overflow: ${messages.length} messages, room for ${this.room}`,
      );
    }
    if (this.count === 0 && messages.length > 0) this.startedMs = nowMs;
    let added = 0;
    // Messages come in runs of one partition: look its range up once per run.
    let range: PartitionRange | undefined;
    for (const message of messages) {
      const i = this.count++;
      const { topic, partition, offset, value } = message;
      this.#topics[i] = topic;
      this.#partition[i] = partition;
      setInt64(this.#offsetWords, i, offset);
      this.#timestampMs[i] = message.timestamp;
      setInt64(this.#logTimestampWords, i, Math.round(message.timestamp * 1000));
      this.#size[i] = value.length;
      this.#values[i] = value;
      this.#keys[i] = message.key;
      this.#headers[i] = message.headers.size === 0 ? null : encodeHeaders(message.headers);
      const kind = classifyValue(value);
      this.#class[i] = kind;
      this.classes[kind]++;
      added += value.length;
      if (range !== undefined && range.partition === partition && range.topic === topic) {
        range.lastOffset = offset;
        range.records++;
        continue;
      }
      const key = partitionKey(topic, partition);
      range = this.partitions.get(key);
      if (range === undefined) {
        range = { topic, partition, firstOffset: offset, lastOffset: offset, records: 1 };
        this.partitions.set(key, range);
      } else {
        range.lastOffset = offset;
        range.records++;
      }
    }
    this.bytes += added;
    return added;
  }

  /** Log timestamps (epoch ms) of the buffered rows. */
  timestampsMs(): Float64Array {
    return this.#timestampMs.subarray(0, this.count);
  }

  /**
   * The rows whose offset is above `floor(topic, partition)` (the table's txn version of
   * their partition; -1 keeps all) as a bronze column batch, stamped with `ingestMs`. The
   * typed columns are views of the batch's memory: valid until `clear()`.
   */
  toColumns(ingestMs: number, floor: (range: PartitionRange) => number): ColumnBatch {
    const n = this.count;
    const floors = new Map<string, number>();
    let dropped = 0;
    for (const [key, range] of this.partitions) {
      const below = floor(range);
      floors.set(key, below);
      if (below >= range.firstOffset) dropped++;
    }
    let rows: number[] | undefined;
    if (dropped > 0) {
      rows = [];
      for (let i = 0; i < n; i++) {
        const below = floors.get(partitionKey(this.#topics[i]!, this.#partition[i]!)) ?? -1;
        if (Number(this.#offset[i]!) > below) rows.push(i);
      }
    }
    const numRows = rows === undefined ? n : rows.length;
    const pick = <T>(column: readonly T[]): T[] =>
      rows === undefined ? column.slice(0, n) : rows.map((i) => column[i]!);
    const pickTyped = <A extends Int32Array | BigInt64Array>(column: A): A =>
      rows === undefined ? (column.subarray(0, n) as A) : gather(column, rows);
    const ingestDate = this.#ingestDate.subarray(0, numRows);
    ingestDate.fill(Math.floor(ingestMs / MS_PER_DAY));
    const ingestTime = this.#ingestTime.subarray(0, numRows);
    ingestTime.fill(BigInt(Math.round(ingestMs)) * 1000n);
    return {
      numRows,
      columns: {
        ingest_date: ingestDate,
        topic: pick(this.#topics),
        partition: pickTyped(this.#partition),
        offset: pickTyped(this.#offset),
        key: pick(this.#keys),
        value: pick(this.#values),
        headers: pick(this.#headers),
        log_timestamp: pickTyped(this.#logTimestamp),
        ingest_time: ingestTime,
        value_class: pick(this.#class),
        value_size: pickTyped(this.#size),
      },
    };
  }

  /** Empties the batch for reuse, dropping its references to consumed messages. */
  clear(): void {
    this.#keys.fill(null, 0, this.count);
    this.#values.fill(EMPTY, 0, this.count);
    this.#headers.fill(null, 0, this.count);
    this.count = 0;
    this.bytes = 0;
    this.startedMs = undefined;
    this.partitions.clear();
    for (const kind of VALUE_CLASSES) this.classes[kind] = 0;
  }
}

/** The rows `rows` of a typed column, as a new array of its type. */
function gather<A extends Int32Array | BigInt64Array>(column: A, rows: readonly number[]): A {
  if (column instanceof Int32Array) return Int32Array.from(rows, (i) => column[i]!) as A;
  const out = new BigInt64Array(rows.length);
  rows.forEach((i, r) => {
    out[r] = column[i]!;
  });
  return out as A;
}

const EMPTY = new Uint8Array(0);

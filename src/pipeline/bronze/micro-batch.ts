// The rows of one bronze micro-batch, kept as columns while messages arrive: value and key
// bytes are copied into large arena buffers (consumed messages are views into the log's
// fetch buffers), and per log partition the offset range is tracked for its txn version.
import type { ColumnBatch } from '../../lake/index.js';
import type { ConsumedMessage } from '../../log/index.js';
import { classifyValue, VALUE_CLASSES, type ValueClass } from './classify.js';

const ARENA_BYTES = 4 * 1024 * 1024;
const MS_PER_DAY = 86_400_000;

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
  readonly #offset: Float64Array;
  readonly #timestampMs: Float64Array;
  readonly #size: Int32Array;
  readonly #keys: (Uint8Array | null)[];
  readonly #values: Uint8Array[];
  readonly #headers: (string | null)[];
  readonly #class: ValueClass[];
  #arena: Buffer = Buffer.alloc(0);
  #arenaUsed = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#topics = new Array<string>(capacity);
    this.#partition = new Int32Array(capacity);
    this.#offset = new Float64Array(capacity);
    this.#timestampMs = new Float64Array(capacity);
    this.#size = new Int32Array(capacity);
    this.#keys = new Array<Uint8Array | null>(capacity);
    this.#values = new Array<Uint8Array>(capacity);
    this.#headers = new Array<string | null>(capacity);
    this.#class = new Array<ValueClass>(capacity);
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
    for (const message of messages) {
      const i = this.count++;
      const { topic, partition, offset, value } = message;
      this.#topics[i] = topic;
      this.#partition[i] = partition;
      this.#offset[i] = offset;
      this.#timestampMs[i] = message.timestamp;
      this.#size[i] = value.length;
      this.#values[i] = this.#copy(value);
      this.#keys[i] = message.key === null ? null : this.#copy(message.key);
      this.#headers[i] = encodeHeaders(message.headers);
      const kind = classifyValue(value);
      this.#class[i] = kind;
      this.classes[kind]++;
      added += value.length;
      const key = partitionKey(topic, partition);
      const range = this.partitions.get(key);
      if (range === undefined) {
        this.partitions.set(key, {
          topic,
          partition,
          firstOffset: offset,
          lastOffset: offset,
          records: 1,
        });
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
   * their partition; -1 keeps all) as a bronze column batch, stamped with `ingestMs`.
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
        if (this.#offset[i]! > below) rows.push(i);
      }
    }
    const numRows = rows === undefined ? n : rows.length;
    const pick = <T>(column: readonly T[]): T[] =>
      rows === undefined ? column.slice(0, n) : rows.map((i) => column[i]!);
    const partition =
      rows === undefined
        ? this.#partition.subarray(0, n)
        : Int32Array.from(rows, (i) => this.#partition[i]!);
    const size =
      rows === undefined ? this.#size.subarray(0, n) : Int32Array.from(rows, (i) => this.#size[i]!);
    const offset = new BigInt64Array(numRows);
    const logTimestamp = new BigInt64Array(numRows);
    for (let r = 0; r < numRows; r++) {
      const i = rows === undefined ? r : rows[r]!;
      offset[r] = BigInt(this.#offset[i]!);
      logTimestamp[r] = BigInt(Math.round(this.#timestampMs[i]! * 1000));
    }
    const ingestMicros = BigInt(Math.round(ingestMs)) * 1000n;
    return {
      numRows,
      columns: {
        ingest_date: new Int32Array(numRows).fill(Math.floor(ingestMs / MS_PER_DAY)),
        topic: pick(this.#topics),
        partition,
        offset,
        key: pick(this.#keys),
        value: pick(this.#values),
        headers: pick(this.#headers),
        log_timestamp: logTimestamp,
        ingest_time: new BigInt64Array(numRows).fill(ingestMicros),
        value_class: pick(this.#class),
        value_size: size,
      },
    };
  }

  /** Empties the batch for reuse (the arena's current buffer is dropped: rows may still be read). */
  clear(): void {
    this.count = 0;
    this.bytes = 0;
    this.startedMs = undefined;
    this.partitions.clear();
    for (const kind of VALUE_CLASSES) this.classes[kind] = 0;
    this.#keys.fill(null);
    this.#values.fill(EMPTY);
    this.#arena = Buffer.alloc(0);
    this.#arenaUsed = 0;
  }

  #copy(bytes: Uint8Array): Uint8Array {
    const n = bytes.length;
    if (n === 0) return EMPTY;
    if (this.#arenaUsed + n > this.#arena.length) {
      this.#arena = Buffer.allocUnsafe(Math.max(ARENA_BYTES, n));
      this.#arenaUsed = 0;
    }
    const at = this.#arenaUsed;
    this.#arena.set(bytes, at);
    this.#arenaUsed = at + n;
    return this.#arena.subarray(at, at + n);
  }
}

const EMPTY = new Uint8Array(0);

// The stored form of a batch of messages of one partition: one SQLite row holds one batch,
// as Kafka's log holds record batches. Storing batches, not messages, makes one write and
// one read per batch instead of per message, and lets consumers slice values out of one
// buffer without copies.
//
// Layout (little-endian), version 1:
//   u8 magic = 1 · u8 attributes = 0 (reserved: compression) · u32 CRC-32 of the bytes
//   after this field · u32 record count · records
// Record: u32 length of the rest · f64 timestamp ms · i32 key length (-1: null key) · key
//   · u32 value length · value · u32 header count · per header: u32 name length, UTF-8
//   name, u32 value length, value
import zlib from 'node:zlib';
import { ERROR_CODES, LogError } from '../../errors.js';
import type { OutgoingMessage } from '../batching-producer.js';
import type { ConsumedMessage } from '../types.js';

const MAGIC = 1;
const CRC_AT = 2;
const COUNT_AT = 6;
export const BATCH_HEADER_BYTES = 10;

/** Bytes `message` takes inside a batch. */
export function encodedSize(message: OutgoingMessage): number {
  let size = 4 + 8 + 4 + (message.key ? message.key.length : 0) + 4 + message.valueBytes + 4;
  if (message.headers)
    for (const [name, value] of message.headers) size += 8 + name.length + value.length;
  return size;
}

/** Encodes `messages[from, to)`, whose encoded sizes add up to `bytes`, as one batch. */
export function encodeBatch(
  messages: readonly OutgoingMessage[],
  from: number,
  to: number,
  bytes: number,
): Buffer {
  const buf = Buffer.allocUnsafe(BATCH_HEADER_BYTES + bytes);
  buf[0] = MAGIC;
  buf[1] = 0;
  buf.writeUInt32LE(to - from, COUNT_AT);
  let at = BATCH_HEADER_BYTES;
  for (let i = from; i < to; i++) {
    const m = messages[i]!;
    const start = at;
    at += 4;
    buf.writeDoubleLE(m.timestamp, at);
    at += 8;
    if (m.key) {
      buf.writeInt32LE(m.key.length, at);
      at += 4 + m.key.copy(buf, at + 4);
    } else {
      buf.writeInt32LE(-1, at);
      at += 4;
    }
    buf.writeUInt32LE(m.valueBytes, at);
    at += 4;
    at += typeof m.value === 'string' ? buf.write(m.value, at, 'utf8') : m.value.copy(buf, at);
    const headers = m.headers;
    buf.writeUInt32LE(headers ? headers.length : 0, at);
    at += 4;
    if (headers) {
      for (const [name, value] of headers) {
        buf.writeUInt32LE(name.length, at);
        at += 4 + name.copy(buf, at + 4);
        buf.writeUInt32LE(value.length, at);
        at += 4 + value.copy(buf, at + 4);
      }
    }
    buf.writeUInt32LE(at - start - 4, start);
  }
  if (at !== buf.length)
    throw new Error(`record batch size mismatch: wrote ${at} of ${buf.length} bytes`);
  buf.writeUInt32LE(crc32(buf.subarray(COUNT_AT)), CRC_AT);
  return buf;
}

/** Checks a stored batch's format and checksum; returns its record count. */
export function verifyBatch(buf: Buffer, where: string): number {
  if (buf.length < BATCH_HEADER_BYTES || buf[0] !== MAGIC) {
    throw new LogError(ERROR_CODES.logCorrupt, `${where}: not a record batch (format ${buf[0]})`);
  }
  const expected = buf.readUInt32LE(CRC_AT);
  const actual = crc32(buf.subarray(COUNT_AT));
  if (expected !== actual) {
    throw new LogError(
      ERROR_CODES.logCorrupt,
      `${where}: checksum mismatch (stored ${expected}, computed ${actual})`,
    );
  }
  return buf.readUInt32LE(COUNT_AT);
}

const NO_HEADERS: ReadonlyMap<string, Buffer> = new Map();

/** Where decoding stopped: the next offset and the byte position of its record. */
export interface BatchCursor {
  offset: number;
  at: number;
}

/** A cursor at the first record of a batch whose first offset is `baseOffset`. */
export function batchStart(baseOffset: number): BatchCursor {
  return { offset: baseOffset, at: BATCH_HEADER_BYTES };
}

/**
 * Decodes records of a verified batch from `cursor` on, skipping those below `fromOffset`,
 * appending at most `maxCount` messages (or until `maxBytes` of values, at least one) to
 * `out`. Advances `cursor`; returns the value bytes decoded.
 */
export function decodeRecords(
  buf: Buffer,
  cursor: BatchCursor,
  fromOffset: number,
  maxCount: number,
  maxBytes: number,
  topic: string,
  partition: number,
  out: ConsumedMessage[],
): number {
  let at = cursor.at;
  let offset = cursor.offset;
  let count = 0;
  let bytes = 0;
  const end = buf.length;
  while (at < end && count < maxCount) {
    const next = at + 4 + buf.readUInt32LE(at);
    if (offset < fromOffset) {
      at = next;
      offset++;
      continue;
    }
    let p = at + 4;
    const timestamp = buf.readDoubleLE(p);
    p += 8;
    const keyLength = buf.readInt32LE(p);
    p += 4;
    let key: Buffer | null = null;
    if (keyLength >= 0) {
      key = buf.subarray(p, p + keyLength);
      p += keyLength;
    }
    const valueLength = buf.readUInt32LE(p);
    p += 4;
    if (count > 0 && bytes + valueLength > maxBytes) break;
    const value = buf.subarray(p, p + valueLength);
    p += valueLength;
    const headerCount = buf.readUInt32LE(p);
    p += 4;
    let headers = NO_HEADERS;
    if (headerCount > 0) {
      const map = new Map<string, Buffer>();
      for (let h = 0; h < headerCount; h++) {
        const nameLength = buf.readUInt32LE(p);
        const name = buf.toString('utf8', p + 4, p + 4 + nameLength);
        p += 4 + nameLength;
        const length = buf.readUInt32LE(p);
        map.set(name, buf.subarray(p + 4, p + 4 + length));
        p += 4 + length;
      }
      headers = map;
    }
    if (p !== next)
      throw new LogError(
        ERROR_CODES.logCorrupt,
        `record ${offset} of ${topic}-${partition} is malformed`,
      );
    out.push({ topic, partition, offset, key, value, headers, timestamp });
    bytes += valueLength;
    count++;
    at = next;
    offset++;
  }
  cursor.at = at;
  cursor.offset = offset;
  return bytes;
}

/** CRC-32 (zlib's; Node ≥ 20.15 has it built in, older ones use the table below). */
const crc32: (data: Uint8Array) => number =
  typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) : tableCrc32;

let crcTable: Int32Array | undefined;

function tableCrc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

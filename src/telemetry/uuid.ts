// Name-based UUIDs (RFC 9562 §5.5, version 5: SHA-1 of namespace + name).
//
// Every emitted event gets one, so this is on the simulator's hot path. `node:crypto`
// costs about 5 µs per hash here (a Hash object per call); names of ASCII text up to
// 39 bytes fit, with the 16-byte namespace, in one 64-byte SHA-1 block, which the
// compression function below (FIPS 180-4 §6.1.2) handles in well under a microsecond
// without allocating. Longer or non-ASCII names fall back to `node:crypto`. Tests check
// both paths against `node:crypto`.
import { createHash } from 'node:crypto';

/** Namespace of every Pitwall event and session id. */
export const PITWALL_NAMESPACE = '6f1c5e52-8a0c-4b8e-9d3a-51f0a7e2c0de';

const HEX: string[] = Array.from({ length: 256 }, (_, k) => k.toString(16).padStart(2, '0'));

function parseUuid(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

const NAMESPACE_BYTES = parseUuid(PITWALL_NAMESPACE);
const NAMESPACE_WORDS = Int32Array.from({ length: 4 }, (_, k) =>
  NAMESPACE_BYTES.readInt32BE(k * 4),
);
const W = new Int32Array(80);
const MAX_FAST_NAME = 64 - 16 - 9;

function formatUuid(h0: number, h1: number, h2: number, h3: number): string {
  const b6 = ((h1 >>> 8) & 0x0f) | 0x50;
  const b8 = ((h2 >>> 24) & 0x3f) | 0x80;
  return (
    HEX[h0 >>> 24]! +
    HEX[(h0 >>> 16) & 255]! +
    HEX[(h0 >>> 8) & 255]! +
    HEX[h0 & 255]! +
    '-' +
    HEX[h1 >>> 24]! +
    HEX[(h1 >>> 16) & 255]! +
    '-' +
    HEX[b6]! +
    HEX[h1 & 255]! +
    '-' +
    HEX[b8]! +
    HEX[(h2 >>> 16) & 255]! +
    '-' +
    HEX[(h2 >>> 8) & 255]! +
    HEX[h2 & 255]! +
    HEX[h3 >>> 24]! +
    HEX[(h3 >>> 16) & 255]! +
    HEX[(h3 >>> 8) & 255]! +
    HEX[h3 & 255]!
  );
}

/** The 20-byte SHA-1 state after hashing namespace + the name in `w[4..]`; returns h0..h3 in `HASH`. */
const HASH = new Int32Array(4);

/**
 * One SHA-1 block of Pitwall's namespace followed by the `length` name bytes already
 * packed big-endian into `W` words 4.. (see `packName*`). Leaves h0..h3 in `HASH`.
 */
function hashPackedName(length: number): void {
  const w = W;
  w[0] = NAMESPACE_WORDS[0]!;
  w[1] = NAMESPACE_WORDS[1]!;
  w[2] = NAMESPACE_WORDS[2]!;
  w[3] = NAMESPACE_WORDS[3]!;
  // Padding: a 1 bit after the message, then the message length in bits in the last word.
  const end = 16 + length;
  w[end >> 2] = w[end >> 2]! | (0x80 << (24 - 8 * (end & 3)));
  w[15] = end * 8;
  for (let k = 16; k < 80; k++) {
    const x = w[k - 3]! ^ w[k - 8]! ^ w[k - 14]! ^ w[k - 16]!;
    w[k] = (x << 1) | (x >>> 31);
  }
  let a = 0x67452301;
  let b = 0xefcdab89 | 0;
  let c = 0x98badcfe | 0;
  let d = 0x10325476;
  let e = 0xc3d2e1f0 | 0;
  for (let k = 0; k < 80; k++) {
    let f: number;
    let kk: number;
    if (k < 20) {
      f = (b & c) | (~b & d);
      kk = 0x5a827999;
    } else if (k < 40) {
      f = b ^ c ^ d;
      kk = 0x6ed9eba1;
    } else if (k < 60) {
      f = (b & c) | (b & d) | (c & d);
      kk = 0x8f1bbcdc | 0;
    } else {
      f = b ^ c ^ d;
      kk = 0xca62c1d6 | 0;
    }
    const temp = (((a << 5) | (a >>> 27)) + f + e + kk + w[k]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  HASH[0] = (0x67452301 + a) | 0;
  HASH[1] = ((0xefcdab89 | 0) + b) | 0;
  HASH[2] = ((0x98badcfe | 0) + c) | 0;
  HASH[3] = (0x10325476 + d) | 0;
}

function clearNameWords(): void {
  for (let k = 4; k < 16; k++) W[k] = 0;
}

/** UUIDv5 of an ASCII `name` (≤ 39 bytes) in Pitwall's namespace, by one SHA-1 block. */
function fastUuid(name: string): string {
  clearNameWords();
  const n = name.length;
  for (let k = 0; k < n; k++) {
    const byte = 16 + k;
    W[byte >> 2] = W[byte >> 2]! | (name.charCodeAt(k) << (24 - 8 * (byte & 3)));
  }
  hashPackedName(n);
  return formatUuid(HASH[0]! >>> 0, HASH[1]! >>> 0, HASH[2]! >>> 0, HASH[3]! >>> 0);
}

const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

function writeHexByte(out: Uint8Array, at: number, byte: number): void {
  out[at] = HEX_CODES[byte >>> 4]!;
  out[at + 1] = HEX_CODES[byte & 15]!;
}

/**
 * Writes the 36 ASCII characters of uuidV5(prefix + decimal(seq)) into `out` at `at`,
 * without building strings: the simulator's per-event id. `prefix` is ASCII and
 * prefix plus digits must fit the fast path (≤ 39 bytes).
 */
export function writeUuidV5WithSeq(
  prefix: Uint8Array,
  seq: number,
  out: Uint8Array,
  at: number,
): void {
  clearNameWords();
  let n = 0;
  for (; n < prefix.length; n++) {
    const byte = 16 + n;
    W[byte >> 2] = W[byte >> 2]! | (prefix[n]! << (24 - 8 * (byte & 3)));
  }
  // Decimal digits of seq, most significant first.
  let digits = 1;
  for (let p = 10; p <= seq; p *= 10) digits++;
  let rest = seq;
  for (let k = digits - 1; k >= 0; k--) {
    const byte = 16 + n + k;
    W[byte >> 2] = W[byte >> 2]! | ((48 + (rest % 10)) << (24 - 8 * (byte & 3)));
    rest = Math.floor(rest / 10);
  }
  n += digits;
  if (n > MAX_FAST_NAME) throw new RangeError('uuid name too long for the single-block path');
  hashPackedName(n);
  const h0 = HASH[0]!;
  const h1 = HASH[1]!;
  const h2 = HASH[2]!;
  const h3 = HASH[3]!;
  writeHexByte(out, at, h0 >>> 24);
  writeHexByte(out, at + 2, (h0 >>> 16) & 255);
  writeHexByte(out, at + 4, (h0 >>> 8) & 255);
  writeHexByte(out, at + 6, h0 & 255);
  out[at + 8] = 45;
  writeHexByte(out, at + 9, (h1 >>> 24) & 255);
  writeHexByte(out, at + 11, (h1 >>> 16) & 255);
  out[at + 13] = 45;
  writeHexByte(out, at + 14, ((h1 >>> 8) & 0x0f) | 0x50);
  writeHexByte(out, at + 16, h1 & 255);
  out[at + 18] = 45;
  writeHexByte(out, at + 19, ((h2 >>> 24) & 0x3f) | 0x80);
  writeHexByte(out, at + 21, (h2 >>> 16) & 255);
  out[at + 23] = 45;
  writeHexByte(out, at + 24, (h2 >>> 8) & 255);
  writeHexByte(out, at + 26, h2 & 255);
  writeHexByte(out, at + 28, (h3 >>> 24) & 255);
  writeHexByte(out, at + 30, (h3 >>> 16) & 255);
  writeHexByte(out, at + 32, (h3 >>> 8) & 255);
  writeHexByte(out, at + 34, h3 & 255);
}

function isShortAscii(name: string): boolean {
  if (name.length > MAX_FAST_NAME) return false;
  for (let k = 0; k < name.length; k++) if (name.charCodeAt(k) > 127) return false;
  return true;
}

/** UUIDv5 of `name` in `namespace` (Pitwall's by default). */
export function uuidV5(name: string, namespace?: string): string {
  if (namespace === undefined && isShortAscii(name)) return fastUuid(name);
  const ns = namespace === undefined ? NAMESPACE_BYTES : parseUuid(namespace);
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  return formatUuid(h.readUInt32BE(0), h.readUInt32BE(4), h.readUInt32BE(8), h.readUInt32BE(12));
}

/** The reference path through `node:crypto`, for tests. */
export function uuidV5Reference(name: string, namespace: string = PITWALL_NAMESPACE): string {
  const h = createHash('sha1').update(parseUuid(namespace)).update(name, 'utf8').digest();
  return formatUuid(h.readUInt32BE(0), h.readUInt32BE(4), h.readUInt32BE(8), h.readUInt32BE(12));
}

// Encodes telemetry events straight into bytes: the simulator's output path.
//
// Building each event as a JavaScript string (see encode.ts) costs ~45 concatenations
// that V8 keeps as a tree of string pieces until something flattens them, and the
// bytes must then be encoded again as UTF-8 for a file or a log. Here every part is
// written as ASCII into one growing buffer: constant pieces are copied from pre-encoded
// bytes, numbers are written digit by digit from their quantised integer count, the
// event id is hashed and hex-encoded in place. The text is identical to encodeTelemetry's
// (a test compares them).
import { SIGNALS, SIGNAL_COUNT, decimalsFor } from './signals.js';
import { SCHEMA_VERSION } from './events.js';
import { writeUuidV5WithSeq } from './uuid.js';

const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');

const PREFIX = ascii(`{"schema_version":${SCHEMA_VERSION},"event_type":"telemetry","event_id":"`);
const EVENT_TIME = ascii(',"event_time":"');
const SIGNALS_OPEN = ascii('","signals":');
const KEYS = SIGNALS.map((s, k) => ascii(`${k === 0 ? '{' : ','}"${s.name}":`));
const DECIMALS = Int32Array.from(SIGNALS, (s) => decimalsFor(s.resolution));
const SCALE = Float64Array.from(DECIMALS, (d) => 10 ** d);
const NULL = ascii('null');
const POW10 = Float64Array.from({ length: 17 }, (_, k) => 10 ** k);

/** Per-session constants: the event-id name prefix and the identity fields. */
export interface SessionLineParts {
  /** ASCII name prefix whose UUIDv5 with the seq appended is the event id. */
  readonly idPrefix: Uint8Array;
  /** `","vehicle_id":…,"session_id":…,"seq":` as bytes. */
  readonly identity: Uint8Array;
}

export function sessionLineParts(
  idPrefix: string,
  vehicleId: string,
  sessionId: string,
): SessionLineParts {
  return {
    idPrefix: ascii(idPrefix),
    identity: Buffer.from(
      `","vehicle_id":${JSON.stringify(vehicleId)},"session_id":${JSON.stringify(sessionId)},"seq":`,
      'utf8',
    ),
  };
}

export class TelemetryLineWriter {
  #buffer: Buffer;
  #length = 0;
  #second = Number.NaN;
  readonly #timePrefix = new Uint8Array(20);

  constructor(capacity = 1 << 20) {
    this.#buffer = Buffer.allocUnsafe(capacity);
  }

  /** Bytes written since the last `reset`. */
  get length(): number {
    return this.#length;
  }

  /** The underlying buffer; lines are `subarray(start, end)` views of it until `reset`. */
  get buffer(): Buffer {
    return this.#buffer;
  }

  /** Forgets the lines written so far (views handed out before must no longer be used). */
  reset(): void {
    this.#length = 0;
  }

  /**
   * Writes one telemetry event (no newline) and returns its start offset; it ends at
   * `length`. `values` holds SIGNAL_COUNT numbers from `offset`, NaN meaning null.
   */
  write(
    parts: SessionLineParts,
    seq: number,
    eventTimeMs: number,
    values: Float64Array,
    offset: number,
  ): number {
    // Worst case: fixed parts ~330 bytes, 20 numbers ≤ 24 bytes each, identity ≤ 200.
    this.#reserve(1200 + parts.identity.length);
    const out = this.#buffer;
    const start = this.#length;
    let at = start;
    out.set(PREFIX, at);
    at += PREFIX.length;
    writeUuidV5WithSeq(parts.idPrefix, seq, out, at);
    at += 36;
    out.set(parts.identity, at);
    at += parts.identity.length;
    at = writeInteger(out, at, seq);
    out.set(EVENT_TIME, at);
    at += EVENT_TIME.length;
    at = this.#writeTime(out, at, eventTimeMs);
    out.set(SIGNALS_OPEN, at);
    at += SIGNALS_OPEN.length;
    for (let k = 0; k < SIGNAL_COUNT; k++) {
      const key = KEYS[k]!;
      out.set(key, at);
      at += key.length;
      at = writeSignal(out, at, values[offset + k]!, k);
    }
    out[at++] = 125; // }
    out[at++] = 125; // }
    this.#length = at;
    return start;
  }

  /** ISO 8601 UTC with milliseconds; the part up to the seconds is cached per second. */
  #writeTime(out: Buffer, at: number, ms: number): number {
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#timePrefix.set(ascii(new Date(second * 1000).toISOString().slice(0, 20)));
    }
    out.set(this.#timePrefix, at);
    at += 20;
    const milli = ms - second * 1000;
    out[at++] = 48 + Math.floor(milli / 100);
    out[at++] = 48 + (Math.floor(milli / 10) % 10);
    out[at++] = 48 + (milli % 10);
    out[at++] = 90; // Z
    return at;
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + bytes));
    this.#buffer.copy(next, 0, 0, this.#length);
    this.#buffer = next;
  }
}

/** Writes a non-negative or negative integer (|n| < 2^53) in decimal. */
function writeInteger(out: Uint8Array, at: number, n: number): number {
  if (n < 0) {
    out[at++] = 45;
    n = -n;
  }
  let digits = 1;
  while (digits < 16 && n >= POW10[digits]!) digits++;
  for (let k = digits - 1; k >= 0; k--) {
    out[at + k] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}

/**
 * Writes a signal value with at most its resolution's decimals, trailing zeros trimmed:
 * the same text as `'' + Math.round(x * 10^d) / 10^d`, for the magnitudes signals have.
 */
function writeSignal(out: Uint8Array, at: number, x: number, k: number): number {
  if (x !== x) {
    out.set(NULL, at);
    return at + 4;
  }
  const decimals = DECIMALS[k]!;
  let count = Math.round(x * SCALE[k]!);
  if (count === 0) {
    out[at] = 48;
    return at + 1;
  }
  if (count < 0) {
    out[at++] = 45;
    count = -count;
  }
  if (decimals === 0) return writeInteger(out, at, count);
  const scale = SCALE[k]!;
  const whole = Math.floor(count / scale);
  let fraction = count - whole * scale;
  at = writeInteger(out, at, whole);
  if (fraction === 0) return at;
  // Trim trailing zeros of the fraction, then write it with its leading zeros.
  let places = decimals;
  while (fraction % 10 === 0) {
    fraction /= 10;
    places--;
  }
  out[at++] = 46; // .
  for (let p = places - 1; p >= 0; p--) {
    out[at + p] = 48 + (fraction % 10);
    fraction = Math.floor(fraction / 10);
  }
  return at + places;
}

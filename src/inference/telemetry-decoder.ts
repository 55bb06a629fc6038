// Log message bytes → a checked telemetry sample, as fast as the fleet scorer needs
// (≈ 1 µs per event instead of JSON.parse's several), with silver's verdicts: the same
// fields and rules (src/pipeline/silver/fields.ts) and the same reason codes in the same
// precedence, so the scorer skips exactly what silver quarantines.
//
// Two paths, one check. The fast path scans the bytes of a canonical telemetry event (keys
// in any order, ASCII strings without escapes, numbers without exponents) in one pass and
// reads numbers exactly (Clinger's fast path: ≤ 15 digits ÷ 10^k is the correctly rounded
// double, as JSON.parse gives). Anything else — escapes, non-ASCII text, exponents, extra
// fields, session events, malformed JSON — goes to the slow path: a UTF-8 check, JSON.parse
// and a walk over the object. Both fill the same field table, which one function checks.
import { isUtf8 } from 'node:buffer';
import type { SessionInfo } from '../telemetry/events.js';
import { SIGNAL_COUNT } from '../telemetry/signals.js';
import { EVENT_FIELDS, SESSION_FIELDS, type JsonField } from '../pipeline/silver/fields.js';
import { SILVER_POLICY } from '../pipeline/silver/schema.js';
import { parseEventTimeBytes, parseEventTimeUs } from './event-time.js';

/** Why a message was skipped: silver's quarantine reason codes (docs/pipeline.md, Silver). */
export const MESSAGE_PROBLEMS = [
  'unparseable',
  'unsupported_schema_version',
  'missing_field',
  'wrong_type',
  'schema_violation',
  'out_of_range',
  'clock_skew',
] as const;
export type MessageProblem = (typeof MESSAGE_PROBLEMS)[number];

export const DECODED_KINDS = ['telemetry', 'session_start', 'session_end', 'invalid'] as const;
export type DecodedKind = (typeof DECODED_KINDS)[number];

/** One decoded message. The decoder reuses this object: read it before the next `decode`. */
export interface DecodedMessage {
  readonly kind: DecodedKind;
  /** Set when `kind` is `invalid`. */
  readonly problem: MessageProblem | undefined;
  /** The JSON path of the first field at fault (`signals.engine_rpm`), when there is one. */
  readonly field: string | undefined;
  readonly vehicleId: string;
  readonly sessionId: string;
  readonly seq: number;
  /** Event time, epoch microseconds. */
  readonly timeUs: number;
  /** Telemetry: the signals in `SIGNALS` order, NaN for null (a dropout). */
  readonly values: Float64Array;
  /** Session events: the session object. */
  readonly session: SessionInfo | undefined;
}

// Kinds of a field's JSON value.
const MISSING = 0;
const NULL = 1;
const NUMBER = 2;
const STRING = 3;
const BOOLEAN = 4;
const OBJECT = 5;
const OTHER = 6;

const F_SCHEMA_VERSION = 0;
const F_EVENT_TYPE = 1;
const F_EVENT_ID = 2;
const F_VEHICLE_ID = 3;
const F_SESSION_ID = 4;
const F_SEQ = 5;
const F_EVENT_TIME = 6;
const F_SIGNALS = 7;
/** EVENT_FIELDS index of the first signal; the signals follow in SIGNALS order. */
const F_FIRST_SIGNAL = 8;
/** Fields under `$.` that the fast path knows (the envelope and `signals`). */
const TOP_FIELDS = F_FIRST_SIGNAL;

function checkFieldLayout(): void {
  const expect = ['schema_version', 'event_type', 'event_id', 'vehicle_id', 'session_id', 'seq'];
  expect.push('event_time', 'signals');
  expect.forEach((column, k) => {
    if (EVENT_FIELDS[k]?.column !== column)
      throw new Error(`silver EVENT_FIELDS[${k}] is not ${column}: update telemetry-decoder.ts`);
  });
  if (EVENT_FIELDS.length !== F_FIRST_SIGNAL + SIGNAL_COUNT)
    throw new Error('silver EVENT_FIELDS does not end with the signals');
}
checkFieldLayout();

// The field table as typed arrays (one entry per EVENT_FIELDS then SESSION_FIELDS field),
// so the check is a tight loop.
const FIELDS: readonly JsonField[] = [...EVENT_FIELDS, ...SESSION_FIELDS];
const FIELD_COUNT = FIELDS.length;
const K_INTEGER = 0;
const K_NUMBER = 1;
const K_STRING = 2;
const K_BOOLEAN = 3;
const K_OBJECT = 4;
const KIND_CODE = {
  integer: K_INTEGER,
  number: K_NUMBER,
  string: K_STRING,
  boolean: K_BOOLEAN,
  object: K_OBJECT,
} as const;
const SCOPE_CODE = { envelope: 0, telemetry: 1, session: 2, summary: 3 } as const;
const RULE_NONE = 0;
const RULE_EVENT_TYPE = 1;
const RULE_UUID = 2;
const RULE_VEHICLE_ID = 3;
const RULE_EVENT_TIME = 4;
const RULE_CODE: Readonly<Record<string, number>> = {
  event_type: RULE_EVENT_TYPE,
  event_id: RULE_UUID,
  session_id: RULE_UUID,
  vehicle_id: RULE_VEHICLE_ID,
  event_time: RULE_EVENT_TIME,
};
/** Largest finite double: silver's bound for numbers without a range. */
const FINITE = Number.MAX_VALUE;
const FIELD_KIND = Uint8Array.from(FIELDS, (f) => KIND_CODE[f.kind]);
const FIELD_NULLABLE = Uint8Array.from(FIELDS, (f) => (f.nullable === true ? 1 : 0));
const FIELD_MIN = Float64Array.from(FIELDS, (f) => f.min ?? -FINITE);
const FIELD_MAX = Float64Array.from(FIELDS, (f) => f.max ?? FINITE);
const FIELD_SCOPE = Uint8Array.from(FIELDS, (f) => SCOPE_CODE[f.scope]);
/** Index of each field's parent object field, −1 for none. */
const FIELD_PARENT = Int16Array.from(FIELDS, (f, k) =>
  f.parent === undefined
    ? -1
    : FIELDS.findIndex(
        (g, j) => g.column === f.parent && k < EVENT_FIELDS.length === j < EVENT_FIELDS.length,
      ),
);
const FIELD_RULE = Uint8Array.from(FIELDS, (f, k) =>
  k < EVENT_FIELDS.length ? (RULE_CODE[f.column] ?? RULE_NONE) : RULE_NONE,
);
/** Key of each field inside its parent object. */
const FIELD_KEY = FIELDS.map((f) => f.path.slice(f.path.lastIndexOf('.') + 1));
/** The JSON path of each field without `$.`, for messages. */
const FIELD_PATH = FIELDS.map((f) => f.path.slice(2));

// Problem codes: index into MESSAGE_PROBLEMS; lower is reported first.
const P_NONE = 99;
const P_MISSING = 2;
const P_WRONG_TYPE = 3;
const P_VIOLATION = 4;
const P_OUT_OF_RANGE = 5;
const P_CLOCK_SKEW = 6;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INT64_LIMIT = 2 ** 63;
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const TOP_KEYS = EVENT_FIELDS.slice(0, TOP_FIELDS).map((f) => ascii(f.column));
const SIGNAL_KEYS = EVENT_FIELDS.slice(F_FIRST_SIGNAL).map((f) => ascii(f.column));
const TELEMETRY = ascii('telemetry');

class Decoded implements DecodedMessage {
  kind: DecodedKind = 'invalid';
  problem: MessageProblem | undefined;
  field: string | undefined;
  vehicleId = '';
  sessionId = '';
  seq = -1;
  timeUs = Number.NaN;
  readonly values = new Float64Array(SIGNAL_COUNT);
  session: SessionInfo | undefined;
}

/**
 * Decodes and checks telemetry messages.
 *
 * @example
 * const decoder = new TelemetryDecoder();
 * const event = decoder.decode(message.value, message.timestamp);
 * if (event.kind === 'invalid') skipped[event.problem!]++;
 * else if (event.kind === 'telemetry') engine.addValues(event.timeUs, event.values, 0, event.seq);
 */
export class TelemetryDecoder {
  /** Messages that took the slow path (for benchmarks and metrics). */
  slowPath = 0;
  readonly #fastPath: boolean;

  /** `fastPath: false` sends every message through JSON.parse (tests compare the two). */
  constructor(options: { readonly fastPath?: boolean } = {}) {
    this.#fastPath = options.fastPath ?? true;
  }

  readonly #out = new Decoded();
  // The field table, one slot per FIELDS entry.
  readonly #kinds = new Uint8Array(FIELD_COUNT);
  readonly #numbers = new Float64Array(FIELD_COUNT);
  readonly #strings: (string | undefined)[] = new Array<string | undefined>(FIELD_COUNT);
  /** Per field: its string was already checked against the field's rule (fast path). */
  readonly #ruleChecked = new Uint8Array(FIELD_COUNT);
  /** event_time as parsed in place by the fast path. */
  #timeUs = Number.NaN;
  #bytes: Buffer = Buffer.alloc(0);
  #number = 0;
  #sessionObject: Record<string, unknown> | undefined;

  /**
   * Decodes one message value. `logTimeMs` (the log's timestamp of the message) enables
   * silver's clock-skew rule; without it that rule is not applied.
   */
  decode(value: Uint8Array, logTimeMs?: number): DecodedMessage {
    const out = this.#out;
    out.problem = undefined;
    out.field = undefined;
    out.session = undefined;
    this.#reset();
    this.#bytes = Buffer.isBuffer(value)
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (!this.#fastPath || !this.#scan()) {
      this.#reset();
      this.slowPath++;
      const problem = this.#parseSlow();
      if (problem !== undefined) return this.#invalid(problem, undefined);
    }
    this.#check(logTimeMs);
    return out;
  }

  #reset(): void {
    this.#kinds.fill(MISSING);
    this.#ruleChecked.fill(0);
    this.#sessionObject = undefined;
  }

  #invalid(problem: MessageProblem, field: string | undefined): DecodedMessage {
    const out = this.#out;
    out.kind = 'invalid';
    out.problem = problem;
    out.field = field;
    return out;
  }

  // ---------------------------------------------------------------- fast path

  /** Scans a canonical telemetry event into the field table; false means "use the slow path". */
  #scan(): boolean {
    const b = this.#bytes;
    let i = skipSpace(b, 0);
    if (b[i] !== 123 /* { */) return false;
    i = skipSpace(b, i + 1);
    let hint = 0;
    for (;;) {
      if (b[i] !== 34 /* " */) return false;
      const field = matchKey(b, i + 1, TOP_KEYS, hint);
      if (field < 0) return false;
      hint = field + 1;
      i = skipSpace(b, i + 2 + TOP_KEYS[field]!.length);
      if (b[i] !== 58 /* : */) return false;
      i = skipSpace(b, i + 1);
      i = field === F_SIGNALS ? this.#scanSignals(i) : this.#scanValue(i, field);
      if (i < 0) return false;
      i = skipSpace(b, i);
      const c = b[i];
      if (c === 44 /* , */) {
        i = skipSpace(b, i + 1);
        continue;
      }
      if (c !== 125 /* } */) return false;
      break;
    }
    if (skipSpace(b, i + 1) !== b.length) return false;
    // Only telemetry is read here; session events carry objects the fast path leaves alone.
    return this.#kinds[F_EVENT_TYPE] === STRING && this.#strings[F_EVENT_TYPE] === 'telemetry';
  }

  /** A scalar value of envelope field `field` at `i`; returns the index after it or −1. */
  #scanValue(i: number, field: number): number {
    const b = this.#bytes;
    const c = b[i]!;
    if (c === 34 /* " */) {
      const start = i + 1;
      const end = stringEnd(b, start);
      if (end < 0) return -1;
      this.#kinds[field] = STRING;
      switch (field) {
        case F_EVENT_TYPE:
          this.#strings[field] = sameBytes(b, start, end, TELEMETRY)
            ? 'telemetry'
            : b.toString('latin1', start, end);
          break;
        case F_EVENT_ID:
          // Only its validity matters: checked in place, no string made when it is fine.
          if (isUuidBytes(b, start, end)) {
            this.#ruleChecked[field] = 1;
            this.#strings[field] = '';
          } else this.#strings[field] = b.toString('latin1', start, end);
          break;
        case F_SESSION_ID:
          if (isUuidBytes(b, start, end)) this.#ruleChecked[field] = 1;
          this.#strings[field] = b.toString('latin1', start, end);
          break;
        case F_EVENT_TIME:
          this.#timeUs = parseEventTimeBytes(b, start, end);
          this.#ruleChecked[field] = 1;
          this.#strings[field] = '';
          break;
        default:
          this.#strings[field] = b.toString('latin1', start, end);
      }
      return end + 1;
    }
    if (c === 110 /* n */) {
      this.#kinds[field] = NULL;
      return literal(b, i, 'null');
    }
    if (c === 116 /* t */ || c === 102 /* f */) {
      this.#kinds[field] = BOOLEAN;
      return literal(b, i, c === 116 ? 'true' : 'false');
    }
    const j = this.#scanNumber(i);
    this.#kinds[field] = NUMBER;
    this.#numbers[field] = this.#number;
    return j;
  }

  /** The `signals` object at `i`. */
  #scanSignals(i: number): number {
    const b = this.#bytes;
    if (b[i] !== 123) return -1;
    this.#kinds[F_SIGNALS] = OBJECT;
    i = skipSpace(b, i + 1);
    if (b[i] === 125) return i + 1;
    const kinds = this.#kinds;
    const numbers = this.#numbers;
    let hint = 0;
    for (;;) {
      if (b[i] !== 34) return -1;
      const k = matchKey(b, i + 1, SIGNAL_KEYS, hint);
      if (k < 0) return -1;
      hint = k + 1;
      i = skipSpace(b, i + 2 + SIGNAL_KEYS[k]!.length);
      if (b[i] !== 58) return -1;
      i = skipSpace(b, i + 1);
      const field = F_FIRST_SIGNAL + k;
      if (b[i] === 110) {
        i = literal(b, i, 'null');
        kinds[field] = NULL;
      } else {
        i = this.#scanNumber(i);
        kinds[field] = NUMBER;
        numbers[field] = this.#number;
      }
      if (i < 0) return -1;
      i = skipSpace(b, i);
      const d = b[i];
      if (d === 44) {
        i = skipSpace(b, i + 1);
        continue;
      }
      return d === 125 ? i + 1 : -1;
    }
  }

  /**
   * A JSON number without exponent at `i` into #number, exactly as JSON.parse reads it;
   * −1 for anything else (exponents and malformed numbers go to the slow path).
   */
  #scanNumber(i: number): number {
    const b = this.#bytes;
    let j = i;
    const negative = b[j] === 45;
    if (negative) j++;
    let mantissa = 0;
    let digitCount = 0;
    let c = b[j]!;
    if (c === 48) {
      c = b[++j]!;
      if (c >= 48 && c <= 57) return -1; // a leading zero
    } else if (c >= 49 && c <= 57) {
      do {
        mantissa = mantissa * 10 + (c - 48);
        digitCount++;
        c = b[++j]!;
      } while (c >= 48 && c <= 57);
    } else {
      return -1;
    }
    let fraction = 0;
    if (c === 46) {
      c = b[++j]!;
      if (!(c >= 48 && c <= 57)) return -1;
      do {
        mantissa = mantissa * 10 + (c - 48);
        digitCount++;
        fraction++;
        c = b[++j]!;
      } while (c >= 48 && c <= 57);
    }
    if (c === 101 || c === 69) return -1;
    let x: number;
    if (digitCount <= 15) {
      x = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
    } else {
      // Too many digits for the exact fast path: the engine's own conversion.
      x = Number(b.toString('latin1', negative ? i + 1 : i, j));
    }
    this.#number = negative ? -x : x;
    return j;
  }

  // ---------------------------------------------------------------- slow path

  /** JSON.parse and a walk into the field table; a problem when it is not a JSON object. */
  #parseSlow(): MessageProblem | undefined {
    const b = this.#bytes;
    if (b.length === 0 || !isUtf8(b)) return 'unparseable';
    let doc: unknown;
    try {
      doc = JSON.parse(b.toString('utf8'));
    } catch {
      return 'unparseable';
    }
    if (!isObject(doc)) return 'schema_violation';
    for (let f = 0; f < FIELD_COUNT; f++) {
      const parent = FIELD_PARENT[f]!;
      if (parent < 0) this.#take(f, doc, FIELD_KEY[f]!);
      else {
        const object = doc[FIELDS[parent]!.column];
        if (isObject(object)) this.#take(f, object, FIELD_KEY[f]!);
      }
    }
    if (isObject(doc.session)) this.#sessionObject = doc.session;
    return undefined;
  }

  /** Records the kind and value of `object[key]` in slot `f`. */
  #take(f: number, object: Record<string, unknown>, key: string): void {
    if (!Object.hasOwn(object, key)) return;
    const v = object[key];
    if (v === null) this.#kinds[f] = NULL;
    else if (typeof v === 'number') {
      this.#kinds[f] = NUMBER;
      this.#numbers[f] = v;
    } else if (typeof v === 'string') {
      this.#kinds[f] = STRING;
      this.#strings[f] = v;
    } else if (typeof v === 'boolean') this.#kinds[f] = BOOLEAN;
    else if (isObject(v)) this.#kinds[f] = OBJECT;
    else this.#kinds[f] = OTHER;
  }

  // ---------------------------------------------------------------- the check

  /** Silver's verdict on the field table (docs/pipeline.md, validation policy), then the message. */
  #check(logTimeMs: number | undefined): void {
    const kinds = this.#kinds;
    const numbers = this.#numbers;
    const strings = this.#strings;
    const out = this.#out;
    let problem = P_NONE;
    let at = -1;
    // schema_version first: another version is kept aside unchecked (alone).
    const version = kinds[F_SCHEMA_VERSION];
    if (version === MISSING) {
      problem = P_MISSING;
      at = F_SCHEMA_VERSION;
    } else if (version !== NUMBER || !Number.isInteger(numbers[F_SCHEMA_VERSION])) {
      problem = P_WRONG_TYPE;
      at = F_SCHEMA_VERSION;
    } else if (numbers[F_SCHEMA_VERSION] !== 1) {
      this.#invalid('unsupported_schema_version', 'schema_version');
      return;
    }
    const type = kinds[F_EVENT_TYPE] === STRING ? strings[F_EVENT_TYPE] : undefined;
    // Which scopes apply: envelope always; telemetry, session, summary by event type.
    const telemetry = type === 'telemetry';
    const session = type === 'session_start' || type === 'session_end';
    const summary = type === 'session_end';
    let timeUs = Number.NaN;
    for (let f = 1; f < FIELD_COUNT; f++) {
      const scope = FIELD_SCOPE[f];
      if (scope === 1 ? !telemetry : scope === 2 ? !session : scope === 3 ? !summary : false)
        continue;
      const parent = FIELD_PARENT[f]!;
      if (parent >= 0 && kinds[parent] !== OBJECT) continue;
      let p = this.#fieldProblem(f);
      if (p === P_NONE && f === F_EVENT_TIME) {
        timeUs = this.#ruleChecked[f] === 1 ? this.#timeUs : parseEventTimeUs(strings[f]!);
        if (timeUs !== timeUs) p = P_VIOLATION;
      }
      if (p < problem) {
        problem = p;
        at = f;
      }
    }
    if (problem === P_NONE && logTimeMs !== undefined) {
      const logUs = logTimeMs * 1000;
      if (
        timeUs > logUs + SILVER_POLICY.maxFutureSeconds * 1e6 ||
        timeUs < logUs - SILVER_POLICY.maxPastDays * 86_400e6
      ) {
        problem = P_CLOCK_SKEW;
        at = F_EVENT_TIME;
      }
    }
    if (problem !== P_NONE) {
      this.#invalid(MESSAGE_PROBLEMS[problem]!, FIELD_PATH[at]);
      return;
    }
    out.kind = type as DecodedKind;
    out.vehicleId = strings[F_VEHICLE_ID]!;
    out.sessionId = strings[F_SESSION_ID]!;
    out.seq = numbers[F_SEQ]!;
    out.timeUs = timeUs;
    if (telemetry) {
      const values = out.values;
      for (let k = 0; k < SIGNAL_COUNT; k++) {
        const f = F_FIRST_SIGNAL + k;
        values[k] = kinds[f] === NUMBER ? numbers[f]! : Number.NaN;
      }
    } else {
      out.session = this.#sessionObject as SessionInfo | undefined;
    }
  }

  /** Silver's first flag for field `f` (missing, wrong type, violation, out of range) or P_NONE. */
  #fieldProblem(f: number): number {
    const kind = this.#kinds[f];
    if (kind === MISSING) return P_MISSING;
    const x = this.#numbers[f]!;
    switch (FIELD_KIND[f]) {
      case K_INTEGER:
        if (kind === NULL) return FIELD_NULLABLE[f] === 1 ? P_NONE : P_WRONG_TYPE;
        if (kind !== NUMBER) return P_WRONG_TYPE;
        if (x >= -FINITE && x <= FINITE && x !== Math.floor(x)) return P_WRONG_TYPE;
        if (!(Math.abs(x) < INT64_LIMIT)) return P_OUT_OF_RANGE;
        break;
      case K_NUMBER:
        if (kind === NULL) return FIELD_NULLABLE[f] === 1 ? P_NONE : P_WRONG_TYPE;
        if (kind !== NUMBER) return P_WRONG_TYPE;
        break;
      case K_STRING:
        if (kind === NULL && FIELD_NULLABLE[f] === 1) return P_NONE;
        if (kind !== STRING) return P_WRONG_TYPE;
        return this.#ruleChecked[f] === 1
          ? P_NONE
          : stringViolation(FIELD_RULE[f]!, this.#strings[f]!);
      case K_BOOLEAN:
        return kind === BOOLEAN ? P_NONE : P_WRONG_TYPE;
      default:
        return kind === OBJECT ? P_NONE : P_WRONG_TYPE;
    }
    // A number of a numeric field: its range (NaN and ±Infinity are never inside it).
    return x >= FIELD_MIN[f]! && x <= FIELD_MAX[f]! ? P_NONE : P_OUT_OF_RANGE;
  }
}

/** Schema rules beyond type: enums, patterns, lengths (RFC 3339 times are parsed by the caller). */
function stringViolation(rule: number, text: string): number {
  switch (rule) {
    case RULE_EVENT_TYPE:
      return text === 'telemetry' || text === 'session_start' || text === 'session_end'
        ? P_NONE
        : P_VIOLATION;
    case RULE_UUID:
      return UUID.test(text) ? P_NONE : P_VIOLATION;
    case RULE_VEHICLE_ID:
      // Characters as DuckDB's length() counts them (code points).
      return text.length >= 1 && codePoints(text) <= 64 ? P_NONE : P_VIOLATION;
    default:
      return P_NONE;
  }
}

function codePoints(text: string): number {
  let n = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON whitespace: space, tab, LF, CR. */
function skipSpace(b: Uint8Array, i: number): number {
  let c = b[i];
  while (c === 32 || c === 10 || c === 13 || c === 9) c = b[++i];
  return i;
}

/**
 * Index of the closing quote of a string whose text starts at `i`, or −1 for what the fast
 * path leaves to JSON.parse: escapes, control characters (invalid), non-ASCII bytes.
 */
function stringEnd(b: Uint8Array, i: number): number {
  const n = b.length;
  for (; i < n; i++) {
    const c = b[i]!;
    if (c === 34) return i;
    if (c === 92 || c < 32 || c > 126) return -1;
  }
  return -1;
}

function sameBytes(b: Uint8Array, start: number, end: number, key: Uint8Array): boolean {
  if (end - start !== key.length) return false;
  for (let k = 0; k < key.length; k++) if (b[start + k] !== key[k]) return false;
  return true;
}

/** True when `keys[k]` followed by a closing quote starts at `start`. */
function keyAt(b: Uint8Array, start: number, key: Uint8Array): boolean {
  const n = key.length;
  for (let k = 0; k < n; k++) if (b[start + k] !== key[k]) return false;
  return b[start + n] === 34;
}

/**
 * Index of the key (text starting at `start`, closed by a quote) in `keys`, trying `hint`
 * first (producers write keys in one order); −1 if none.
 */
function matchKey(b: Uint8Array, start: number, keys: readonly Uint8Array[], hint: number): number {
  if (hint < keys.length && keyAt(b, start, keys[hint]!)) return hint;
  for (let k = 0; k < keys.length; k++) if (keyAt(b, start, keys[k]!)) return k;
  return -1;
}

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdef') HEX[c.charCodeAt(0)] = 1;

/** A lower-case UUID (8-4-4-4-12 hex digits) in b[start, end). */
function isUuidBytes(b: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 36) return false;
  for (let k = 0; k < 36; k++) {
    const c = b[start + k]!;
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== 45) return false;
    } else if (HEX[c] !== 1) return false;
  }
  return true;
}

/** The literal `word` at `i`: index after it, or −1. */
function literal(b: Uint8Array, i: number, word: 'null' | 'true' | 'false'): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

// Event times to epoch microseconds without Date: schema v1's RFC 3339 `event_time`
// ("2026-01-01T08:00:00.100Z", offsets like "+02:00"), read exactly as silver reads it —
// the RFC 3339 pattern of src/pipeline/silver/fields.ts, then DuckDB's cast to TIMESTAMPTZ:
// calendar dates only, 24:00:00 as the next midnight, fractions truncated to microseconds.

const ZERO = 48;

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Value of `count` digits at `at`, or −1 if any is not a digit. */
function digits(b: Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let k = 0; k < count; k++) {
    const d = b[at + k]! - ZERO;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

const scratch = new Uint8Array(40);

/**
 * Epoch microseconds of an RFC 3339 date-time (`YYYY-MM-DD[T ]hh:mm:ss[.f{1,9}](Z|±hh:mm)`),
 * or NaN when silver would not accept it (wrong shape, no such date or time).
 *
 * @example
 * parseEventTimeUs('2026-01-01T08:00:00.100Z'); // 1767254400100000
 */
export function parseEventTimeUs(text: string): number {
  const n = text.length;
  if (n < 20 || n > 35) return Number.NaN;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c > 127) return Number.NaN;
    scratch[k] = c;
  }
  return parseEventTimeBytes(scratch, 0, n);
}

/** `parseEventTimeUs` of the ASCII bytes `b[start, end)` (a JSON string's text, in place). */
export function parseEventTimeBytes(b: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 20 || n > 35) return Number.NaN;
  const at0 = start;
  const year = digits(b, at0, 4);
  const month = digits(b, at0 + 5, 2);
  const day = digits(b, at0 + 8, 2);
  const hour = digits(b, at0 + 11, 2);
  const minute = digits(b, at0 + 14, 2);
  const second = digits(b, at0 + 17, 2);
  if (
    year < 0 ||
    month < 1 ||
    day < 1 ||
    hour < 0 ||
    minute < 0 ||
    second < 0 ||
    b[at0 + 4] !== 45 || // -
    b[at0 + 7] !== 45 ||
    b[at0 + 13] !== 58 || // :
    b[at0 + 16] !== 58
  ) {
    return Number.NaN;
  }
  const separator = b[at0 + 10];
  if (separator !== 84 /* T */ && separator !== 32 /* space */) return Number.NaN;
  if (month > 12 || day > daysInMonth(year, month)) return Number.NaN;
  let at = at0 + 19;
  let fractionUs = 0;
  let fractionZero = true;
  if (b[at] === 46 /* . */) {
    at++;
    const from = at;
    while (at < end) {
      const d = b[at]! - ZERO;
      if (!(d >= 0 && d <= 9)) break;
      if (at - from < 6) fractionUs = fractionUs * 10 + d;
      if (d !== 0) fractionZero = false;
      at++;
    }
    const count = at - from;
    if (count === 0 || count > 9) return Number.NaN;
    for (let k = count; k < 6; k++) fractionUs *= 10;
  }
  if (minute > 59 || second > 59) return Number.NaN;
  // DuckDB reads 24:00:00 as the next midnight and refuses any other 24th hour.
  if (hour > 24 || (hour === 24 && (minute !== 0 || second !== 0 || !fractionZero)))
    return Number.NaN;
  let offsetMinutes = 0;
  const zone = b[at];
  if (zone === 90 /* Z */) {
    if (at + 1 !== end) return Number.NaN;
  } else if (zone === 43 /* + */ || zone === 45 /* - */) {
    if (at + 6 !== end || b[at + 3] !== 58) return Number.NaN;
    const oh = digits(b, at + 1, 2);
    const om = digits(b, at + 4, 2);
    if (oh < 0 || om < 0) return Number.NaN;
    offsetMinutes = (zone === 43 ? 1 : -1) * (oh * 60 + om);
  } else {
    return Number.NaN;
  }
  const seconds =
    daysFromCivil(year, month, day) * 86_400 +
    hour * 3600 +
    minute * 60 +
    second -
    offsetMinutes * 60;
  return seconds * 1_000_000 + fractionUs;
}

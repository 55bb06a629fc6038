// Turning untrusted values (telemetry sample rows, suite arguments, ids) into HTML text that
// cannot inject markup, cannot break the layout and never trips the HTML parser: characters
// escaped per the HTML Standard §13.1.2.6 ("Restrictions on the contents of raw text and
// escapable raw text elements") and §13.2.5 (the tokenizer's control-character, noncharacter
// and surrogate parse errors), long values cut with a visible note. Deterministic: no locale.

/** Escapes the five characters that are special in HTML text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITY[c] ?? c);
}

const ENTITY: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const SHORT_ESCAPES: Readonly<Record<number, string>> = { 9: '\\t', 10: '\\n', 13: '\\r' };

/** Combining marks kept after one base character; more only stack ("zalgo" text). */
const MAX_COMBINING_MARKS = 4;

/**
 * Code points shown as a visible `\uXXXX` escape rather than as themselves: C0 and C1
 * controls and DEL (parse errors in HTML, invisible, or line breaks that would break a cell),
 * lone surrogates (not encodable in UTF-8), bidirectional formatting characters (they can
 * reorder the text around them: "Trojan Source", CVE-2021-42574), line and paragraph
 * separators, the byte-order mark and Unicode noncharacters (parse errors in HTML).
 */
function needsVisibleEscape(cp: number): boolean {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0xd800 && cp <= 0xdfff) ||
    cp === 0x061c ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0xfeff ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe
  );
}

function hex4(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0');
}

const COMBINING_MARK = /\p{M}/u;

/**
 * HTML for showing `text` as inert, single-line text: HTML-escaped, with invisible or
 * dangerous characters (see {@link needsVisibleEscape}) as visible `\n`, `\u202E`, … markers
 * in a `<span class="esc">`, and runs of combining marks capped.
 */
export function visibleText(text: string): string {
  return inert(text, true);
}

/**
 * The same as {@link visibleText} without markup, for attribute values and SVG `<title>`s:
 * escaped characters appear as plain `\u202E` text.
 */
export function attributeText(text: string): string {
  return inert(text, false);
}

/** True when every UTF-16 unit is printable and below U+0300 (no marks, bidi or surrogates). */
function isPlainText(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c >= 0x0300) return false;
  }
  return true;
}

function inert(text: string, spans: boolean): string {
  if (isPlainText(text)) return escapeHtml(text);
  let out = '';
  let plain = '';
  let marks = 0;
  let droppedMarks = false;
  const flush = (): void => {
    if (plain !== '') out += escapeHtml(plain);
    plain = '';
  };
  const note = (shown: string, title: string): void => {
    flush();
    out += spans ? `<span class="esc" title="${title}">${shown}</span>` : shown;
  };
  // for…of walks code points; a lone surrogate comes out as a one-unit string.
  for (const ch of String(text)) {
    const cp = ch.codePointAt(0) ?? 0;
    if (needsVisibleEscape(cp)) {
      marks = 0;
      note(SHORT_ESCAPES[cp] ?? `\\u${hex4(cp)}`, `U+${hex4(cp)}`);
      continue;
    }
    if (COMBINING_MARK.test(ch)) {
      marks += 1;
      if (marks > MAX_COMBINING_MARKS) {
        droppedMarks = true;
        continue;
      }
    } else {
      if (droppedMarks) note('…', 'combining marks left out');
      droppedMarks = false;
      marks = 0;
    }
    plain += ch;
  }
  if (droppedMarks) note('…', 'combining marks left out');
  flush();
  return out;
}

/** The first `limit` UTF-16 units of `text`, never splitting a surrogate pair. */
export function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let end = Math.max(0, limit);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

function codePointCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    n += 1;
  }
  return n;
}

/** How a value is drawn: lets CSS mute `null`, mark non-finite numbers, align numbers. */
export type ValueKind = 'string' | 'number' | 'special' | 'structure';

/** A value described as plain (not yet escaped) text, with what was left out. */
export interface DescribedValue {
  readonly text: string;
  readonly kind: ValueKind;
  /** Set when the text was cut: says how much is missing. */
  readonly omitted?: string;
}

/** Exact, locale-free text of a JavaScript number, naming the values JSON cannot carry. */
export function numberText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

const MAX_DEPTH = 4;
const MAX_ITEMS = 20;

/** Appends text up to a budget; once full, further text is dropped and `full` is set. */
class BoundedText {
  text = '';
  full = false;
  constructor(private room: number) {}

  add(piece: string): void {
    if (this.full) return;
    if (piece.length <= this.room) {
      this.text += piece;
      this.room -= piece.length;
      return;
    }
    this.text += cut(piece, this.room);
    this.room = 0;
    this.full = true;
  }
}

function isByteView(value: object): value is ArrayBufferView {
  return ArrayBuffer.isView(value);
}

function bytesText(view: ArrayBufferView, limit: number): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const shown = Math.min(bytes.length, Math.max(1, Math.floor(limit / 2)), 64);
  let hex = '';
  for (let i = 0; i < shown; i += 1) hex += (bytes[i] ?? 0).toString(16).padStart(2, '0');
  return `<${bytes.length} bytes> ${hex}${shown < bytes.length ? '…' : ''}`;
}

/** Compact JSON-like text of a nested value, bounded in depth, items and total length. */
function writeStructure(value: unknown, out: BoundedText, depth: number, seen: Set<object>): void {
  if (out.full) return;
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') {
      // Cut before quoting: JSON.stringify of a 10 MB string would cost 10 MB.
      const shown = cut(value, 200);
      out.add(JSON.stringify(shown));
      if (shown.length < value.length) out.add('…');
    } else if (typeof value === 'number') out.add(numberText(value));
    else if (typeof value === 'bigint') out.add(String(value));
    else if (value === undefined) out.add('undefined');
    else if (typeof value === 'function') out.add('[function]');
    else if (typeof value === 'boolean') out.add(value ? 'true' : 'false');
    else if (typeof value === 'symbol') out.add(value.toString());
    else out.add('null');
    return;
  }
  if (value instanceof Date) {
    out.add(Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString());
    return;
  }
  if (isByteView(value)) {
    out.add(bytesText(value, 40));
    return;
  }
  if (seen.has(value)) {
    out.add('[circular]');
    return;
  }
  if (depth >= MAX_DEPTH) {
    out.add(Array.isArray(value) ? '[…]' : '{…}');
    return;
  }
  seen.add(value);
  if (Array.isArray(value)) {
    const items = value as readonly unknown[];
    out.add('[');
    for (let i = 0; i < items.length && !out.full; i += 1) {
      if (i > 0) out.add(', ');
      if (i === MAX_ITEMS) {
        out.add(`… ${items.length - MAX_ITEMS} more`);
        break;
      }
      writeStructure(items[i], out, depth + 1, seen);
    }
    out.add(']');
  } else {
    const keys = Object.keys(value);
    out.add('{');
    for (let i = 0; i < keys.length && !out.full; i += 1) {
      if (i > 0) out.add(', ');
      if (i === MAX_ITEMS) {
        out.add(`… ${keys.length - MAX_ITEMS} more`);
        break;
      }
      const key = keys[i] ?? '';
      out.add(`${JSON.stringify(cut(key, 64))}: `);
      writeStructure((value as Record<string, unknown>)[key], out, depth + 1, seen);
    }
    out.add('}');
  }
  seen.delete(value);
}

/**
 * Describes any value (hostile ones included) as bounded plain text: strings as themselves,
 * numbers exactly (NaN, ±Infinity, -0 named), `null`, dates in ISO 8601, bytes as hex, and
 * nested objects and arrays as compact JSON-like text with depth and item limits. Text past
 * `limit` UTF-16 units is cut, and `omitted` says so.
 */
export function describeValue(value: unknown, limit: number): DescribedValue {
  try {
    if (typeof value === 'string') {
      const text = cut(value, limit);
      if (text.length === value.length) return { text, kind: 'string' };
      const rest = codePointCount(value.slice(text.length));
      return { text, kind: 'string', omitted: `${groupDigits(rest)} more characters` };
    }
    if (typeof value === 'number') {
      return { text: numberText(value), kind: Number.isFinite(value) ? 'number' : 'special' };
    }
    if (typeof value === 'bigint') return { text: String(value), kind: 'number' };
    if (typeof value === 'boolean') return { text: String(value), kind: 'special' };
    if (value === null || value === undefined) return { text: String(value), kind: 'special' };
    if (value instanceof Date) {
      const valid = !Number.isNaN(value.getTime());
      return { text: valid ? value.toISOString() : 'Invalid Date', kind: 'string' };
    }
    if (typeof value === 'object' && isByteView(value)) {
      return { text: bytesText(value, limit), kind: 'structure' };
    }
    const out = new BoundedText(limit);
    writeStructure(value, out, 0, new Set());
    return out.full
      ? { text: out.text, kind: 'structure', omitted: 'rest left out' }
      : { text: out.text, kind: 'structure' };
  } catch {
    // A getter or proxy that throws: show that, never fail the page.
    return { text: '[unreadable value]', kind: 'special' };
  }
}

/** HTML of a described value: the visible-escaped text plus a note when it was cut. */
export function valueHtml(value: unknown, limit: number): string {
  const described = describeValue(value, limit);
  const note =
    described.omitted === undefined
      ? ''
      : `<span class="trunc">… (truncated: ${escapeHtml(described.omitted)})</span>`;
  return `<span class="v ${described.kind}">${visibleText(described.text)}</span>${note}`;
}

/** `1234567` → `1,234,567`, locale-free so output is the same on every machine. */
export function groupDigits(n: number): string {
  if (!Number.isFinite(n)) return numberText(n);
  const sign = n < 0 ? '-' : '';
  const [whole = '0', fraction] = String(Math.abs(n)).split('.');
  if (whole.includes('e')) return `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}`;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** A count for display (plain text): grouped digits, or the exact text of a non-finite value. */
export function countText(n: number): string {
  return typeof n === 'number' ? groupDigits(n) : cut(String(n), 32);
}

/** `3.14159` → `3.14%`; tiny non-zero values stay visible as `<0.01%`. */
export function percentText(p: number): string {
  if (typeof p !== 'number' || !Number.isFinite(p)) return 'n/a';
  if (p === 0) return '0%';
  if (p > 0 && p < 0.01) return '<0.01%';
  if (p > 99.99 && p < 100) return '>99.99%';
  return `${trimZeros(p.toFixed(2))}%`;
}

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** Milliseconds as `850 ms`, `4.2 ms`, `1.25 s` or `2 min 5 s`. */
export function durationText(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return 'n/a';
  if (ms < 10) return `${trimZeros(ms.toFixed(1))} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trimZeros((ms / 1000).toFixed(2))} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

// ISO 8601 date-time with an explicit zone: other forms Date.parse reads in the machine's
// local zone, which would make the same run render differently on different machines.
const ISO_WITH_ZONE =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The ISO 8601 UTC form of `iso` (for `<time datetime>`), or undefined when not a zoned time. */
export function isoTime(iso: string): string | undefined {
  if (typeof iso !== 'string' || !ISO_WITH_ZONE.test(iso)) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * An ISO 8601 time as `2024-05-01 12:00:03 UTC` (milliseconds kept when not zero), as plain
 * text; anything else is shown as given, cut to 64 characters.
 */
export function timeText(iso: string): string {
  const utc = isoTime(iso);
  if (utc === undefined) return cut(String(iso), 64);
  return utc.replace('T', ' ').replace('.000Z', 'Z').replace('Z', ' UTC');
}

// Validation of option text as it enters the CLI. Every failure is a UsageError whose
// one-line message names the option, says what it accepts and quotes what it got.
import { parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';

export interface Range {
  readonly min: number;
  readonly max: number;
}

/** `--hz must be a number between 10 and 50 (got "abc")`. */
export function invalidOption(option: string, expectation: string, got: string): UsageError {
  return new UsageError(`${option} must be ${expectation} (got ${JSON.stringify(got)})`);
}

const INTEGER = /^[+-]?\d+$/;
// Plain decimals only: `1e3`, `0x10` and `Infinity` are more likely typos than intent.
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** An integer within `range` (inclusive). */
export function parseIntegerOption(option: string, text: string, range: Range): number {
  const value = Number(text.trim());
  if (!INTEGER.test(text.trim()) || value < range.min || value > range.max) {
    throw invalidOption(option, `an integer between ${range.min} and ${range.max}`, text);
  }
  return value;
}

/** A decimal number within `range` (inclusive). */
export function parseNumberOption(option: string, text: string, range: Range): number {
  const value = Number(text.trim());
  if (!DECIMAL.test(text.trim()) || value < range.min || value > range.max) {
    throw invalidOption(option, `a number between ${range.min} and ${range.max}`, text);
  }
  return value;
}

/** A duration (`90`, `30s`, `10m`, `2h`, `1h30m`) of at least `minS` seconds, in seconds. */
export function parseDurationOption(option: string, text: string, minS: number): number {
  const seconds = parseDuration(text);
  if (seconds === undefined) {
    throw invalidOption(option, 'a duration such as 30s, 10m, 2h or plain seconds', text);
  }
  if (seconds < minS) throw invalidOption(option, `at least ${minS}s`, text);
  return seconds;
}

/** One of `choices`, exactly as spelled there. */
export function parseChoiceOption<T extends string>(
  option: string,
  text: string,
  choices: readonly T[],
): T {
  const found = choices.find((choice) => choice === text);
  if (found === undefined) throw invalidOption(option, `one of ${choices.join(', ')}`, text);
  return found;
}

// A date, or a date and time with a zone: a time without a zone would depend on the
// machine's time zone and break "same options, same output".
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const YEAR_10000_MS = Date.UTC(10000, 0, 1);

/** An ISO 8601 instant (`2026-01-01T08:00:00Z`, `2026-01-01`) as epoch milliseconds. */
export function parseTimeOption(option: string, text: string): number {
  const ms = ISO_TIME.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms >= YEAR_10000_MS) {
    throw invalidOption(option, 'an ISO 8601 time with a zone, such as 2026-01-01T08:00:00Z', text);
  }
  return ms;
}

/** Commander argument parser for repeatable options: collects every occurrence. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

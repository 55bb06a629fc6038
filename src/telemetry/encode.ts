// Encodes events as JSON text. Telemetry events are the hot path: they are built by
// concatenation from a per-session prefix and pre-computed decimal places, which is
// several times faster than JSON.stringify on an object and gives the same text.
import { SIGNALS, SIGNAL_COUNT, decimalsFor } from './signals.js';
import { SCHEMA_VERSION, type PitwallEvent } from './events.js';

const SCALE = Float64Array.from(SIGNALS, (s) => 10 ** decimalsFor(s.resolution));
const KEYS = SIGNALS.map((s, k) => `${k === 0 ? '{' : ','}"${s.name}":`);

/** Writes a number with at most the signal's decimals; NaN (no reading) becomes null. */
function formatSignal(x: number, k: number): string {
  if (x !== x) return 'null';
  const scale = SCALE[k]!;
  // Rounding to an integer count of the last decimal, then dividing, yields the double
  // closest to that decimal, whose shortest round-trip text is the decimal itself.
  const v = Math.round(x * scale) / scale;
  return v === 0 ? '0' : '' + v;
}

/** Formats epoch milliseconds as ISO 8601 UTC with milliseconds, caching the per-second prefix. */
export class IsoTimeFormatter {
  #second = Number.NaN;
  #prefix = '';

  format(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#prefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    const milli = ms - second * 1000;
    return this.#prefix + (milli < 10 ? '00' : milli < 100 ? '0' : '') + milli + 'Z';
  }
}

/** The constant middle of a session's telemetry events, between event id and seq. */
export function telemetryIdentity(vehicleId: string, sessionId: string): string {
  return `","vehicle_id":${JSON.stringify(vehicleId)},"session_id":${JSON.stringify(sessionId)},"seq":`;
}

/** The constant start of every telemetry event, up to the event id. */
const PREFIX = `{"schema_version":${SCHEMA_VERSION},"event_type":"telemetry","event_id":"`;

/**
 * One telemetry event as a JSON line (no newline). `values` holds `SIGNAL_COUNT`
 * numbers from `offset`, in `SIGNALS` order.
 */
export function encodeTelemetry(
  eventId: string,
  identity: string,
  seq: number,
  eventTime: string,
  values: Float64Array,
  offset: number,
): string {
  let out = PREFIX + eventId + identity + seq + ',"event_time":"' + eventTime + '","signals":';
  for (let k = 0; k < SIGNAL_COUNT; k++) out += KEYS[k]! + formatSignal(values[offset + k]!, k);
  return out + '}}';
}

/** Any event as JSON text; session events are rare, so they use JSON.stringify. */
export function encodeEvent(event: PitwallEvent): string {
  return JSON.stringify(event);
}

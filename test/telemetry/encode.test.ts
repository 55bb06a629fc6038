// JSON encoding of events: telemetry lines built by concatenation must be the JSON that
// JSON.stringify would write, with each signal rounded to its resolution's decimals.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/sim/random.js';
import { SCHEMA_VERSION, type SessionStartEvent } from '../../src/telemetry/events.js';
import {
  IsoTimeFormatter,
  encodeEvent,
  encodeTelemetry,
  telemetryIdentity,
} from '../../src/telemetry/encode.js';
import { SIGNALS, SIGNAL_COUNT, decimalsFor } from '../../src/telemetry/signals.js';

const ID = '2ed6657d-e927-568b-95e1-2665a8aea6a2';
const SESSION = '6f1c5e52-8a0c-4b8e-9d3a-51f0a7e2c0de';
const IDENTITY = telemetryIdentity('VH-0042', SESSION);

/** The literal text of each signal's value in an encoded line. */
function rawSignals(line: string): Map<string, string> {
  const body = line.slice(line.indexOf('"signals":{') + '"signals":{'.length, -2);
  return new Map(
    body
      .split(',')
      .map((pair) => pair.split(':') as [string, string])
      .map(([key, value]) => [JSON.parse(key) as string, value]),
  );
}

describe('decimalsFor', () => {
  test('gives the decimal places of a resolution', () => {
    assert.deepEqual(
      [1, 0.5, 0.25, 0.1, 0.01, 0.001, 0.0001, 2, 0.05].map(decimalsFor),
      [0, 1, 2, 1, 2, 3, 4, 0, 2],
    );
  });
});

describe('encodeTelemetry', () => {
  test('writes the envelope and every signal in order', () => {
    const values = Float64Array.from(SIGNALS, (s, k) => (k % 2 === 0 ? s.min : s.max));
    const line = encodeTelemetry(ID, IDENTITY, 17, '2025-01-01T00:00:00.100Z', values, 0);
    const event = JSON.parse(line) as Record<string, unknown> & {
      signals: Record<string, number | null>;
    };
    assert.deepEqual(Object.keys(event), [
      'schema_version',
      'event_type',
      'event_id',
      'vehicle_id',
      'session_id',
      'seq',
      'event_time',
      'signals',
    ]);
    assert.equal(event['schema_version'], SCHEMA_VERSION);
    assert.equal(event['event_type'], 'telemetry');
    assert.equal(event['event_id'], ID);
    assert.equal(event['vehicle_id'], 'VH-0042');
    assert.equal(event['session_id'], SESSION);
    assert.equal(event['seq'], 17);
    assert.equal(event['event_time'], '2025-01-01T00:00:00.100Z');
    assert.deepEqual(
      Object.keys(event.signals),
      SIGNALS.map((s) => s.name),
    );
    SIGNALS.forEach((s, k) => assert.equal(event.signals[s.name], values[k]));
  });

  test('reads the row at the given offset', () => {
    const rows = new Float64Array(3 * SIGNAL_COUNT);
    rows.fill(1, SIGNAL_COUNT, 2 * SIGNAL_COUNT);
    const event = JSON.parse(
      encodeTelemetry(ID, IDENTITY, 1, '2025-01-01T00:00:00.000Z', rows, SIGNAL_COUNT),
    ) as { signals: Record<string, number> };
    assert.ok(Object.values(event.signals).every((v) => v === 1));
  });

  test("rounds every signal to its resolution's decimals, is canonical JSON, and writes NaN as null", () => {
    const rng = new Rng(2025);
    const values = new Float64Array(SIGNAL_COUNT);
    const awkward = [0, -0, 1e-9, -1e-9, 0.5, 1.005, 2.675, 1234.56785, 0.00005, 0.049999999];
    for (let round = 0; round < 2000; round++) {
      for (let k = 0; k < SIGNAL_COUNT; k++) {
        const s = SIGNALS[k]!;
        const pick = rng.next();
        values[k] =
          pick < 0.05
            ? NaN
            : pick < 0.2
              ? awkward[rng.int(0, awkward.length - 1)]!
              : pick < 0.25
                ? rng.next() < 0.5
                  ? s.min
                  : s.max
                : s.min + (s.max - s.min) * rng.next();
      }
      const line = encodeTelemetry(ID, IDENTITY, round, '2025-01-01T00:00:00.000Z', values, 0);
      const event = JSON.parse(line) as { signals: Record<string, number | null> };
      assert.equal(JSON.stringify(event), line, 'the same text JSON.stringify writes');
      const raw = rawSignals(line);
      for (let k = 0; k < SIGNAL_COUNT; k++) {
        const s = SIGNALS[k]!;
        const x = values[k]!;
        const text = raw.get(s.name)!;
        if (Number.isNaN(x)) {
          assert.equal(text, 'null');
          continue;
        }
        const decimals = decimalsFor(s.resolution);
        assert.match(
          text,
          decimals === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+(\\.\\d{1,${decimals}})?$`),
          `${s.name}: ${x} written as ${text}`,
        );
        assert.ok(
          Math.abs(Number(text) - x) <= 0.5 * 10 ** -decimals + 1e-9 * Math.abs(x),
          `${s.name}: ${x} written as ${text}`,
        );
        assert.notEqual(text, '-0');
      }
    }
  });
});

describe('IsoTimeFormatter', () => {
  test('matches Date#toISOString across second boundaries, jumps and directions', () => {
    const formatter = new IsoTimeFormatter();
    const check = (ms: number): void =>
      assert.equal(formatter.format(ms), new Date(ms).toISOString(), `${ms} ms`);
    const base = Date.UTC(2025, 2, 30, 0, 59, 58);
    for (let ms = base - 1500; ms < base + 4500; ms += 7) check(ms); // every millisecond digit pattern
    for (const ms of [base + 999, base + 1000, base + 1001, base + 999, base + 2000, base + 1999])
      check(ms); // back and forth
    for (const ms of [
      0,
      1,
      999,
      1000,
      -1,
      -999,
      -1000,
      -1001,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2099, 11, 31, 23, 59, 59, 999),
    ])
      check(ms);
    const rng = new Rng(7);
    for (let k = 0; k < 5000; k++) check(Math.floor(rng.between(0, 4_102_444_800_000)));
  });
});

describe('encodeEvent', () => {
  test('is JSON.stringify of the event', () => {
    const event: SessionStartEvent = {
      schema_version: SCHEMA_VERSION,
      event_type: 'session_start',
      event_id: ID,
      vehicle_id: 'VH-0001',
      session_id: SESSION,
      seq: 0,
      event_time: '2025-01-01T00:00:00.000Z',
      session: {
        car_id: 'vw-golf-1-5-tsi',
        car_name: 'Golf "Mk8"',
        driver_profile: 'eco',
        route_id: 'route-00000001',
        seed: 1,
        session_index: 0,
        hz: 10,
        ambient_temp_c: -2.5,
        cargo_kg: 120,
        cold_start: true,
        scenario: null,
        simulator: 'pitwall-sim/1',
      },
    };
    const line = encodeEvent(event);
    assert.equal(line, JSON.stringify(event));
    assert.deepEqual(JSON.parse(line), event);
  });
});

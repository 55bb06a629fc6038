// The scorer's message decoder: the fast path reads simulator output exactly as JSON.parse
// does, and every hostile message gets silver's reason code; event times are read as
// silver (DuckDB's TIMESTAMPTZ cast) reads them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAULT_PRESETS } from '../../src/sim/index.js';
import { SIGNALS } from '../../src/telemetry/signals.js';
import type { TelemetryEvent } from '../../src/telemetry/events.js';
import { parseEventTimeUs } from '../../src/inference/event-time.js';
import { TelemetryDecoder, type DecodedMessage } from '../../src/inference/telemetry-decoder.js';
import { simulateLines } from './support.js';

function snapshot(m: DecodedMessage): unknown {
  return {
    kind: m.kind,
    problem: m.problem,
    field: m.field,
    ...(m.kind === 'telemetry'
      ? {
          vehicleId: m.vehicleId,
          sessionId: m.sessionId,
          seq: m.seq,
          timeUs: m.timeUs,
          values: Array.from(m.values, (v) =>
            Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v,
          ),
        }
      : {}),
  };
}

test('fast path = JSON.parse on simulator output (every signal bit for bit)', async () => {
  const lines = await simulateLines({
    vehicles: 4,
    hz: 50,
    durationS: 8,
    seed: 3,
    faults: FAULT_PRESETS.heavy,
  });
  const fast = new TelemetryDecoder();
  const slow = new TelemetryDecoder({ fastPath: false });
  let telemetry = 0;
  for (const line of lines) {
    const bytes = Buffer.from(line);
    const a = fast.decode(bytes);
    const event = JSON.parse(line) as TelemetryEvent;
    if (a.kind === 'telemetry') {
      telemetry++;
      assert.equal(a.timeUs, Date.parse(event.event_time) * 1000);
      SIGNALS.forEach((s, k) => {
        const expected = event.signals[s.name] ?? Number.NaN;
        assert.ok(Object.is(a.values[k], expected), `${s.name}: ${a.values[k]} vs ${expected}`);
      });
    } else {
      assert.ok(a.kind === 'session_start' || a.kind === 'session_end', `${a.kind} ${a.problem}`);
      assert.equal(a.session?.driver_profile !== undefined, true);
    }
    assert.deepEqual(snapshot(a), snapshot(slow.decode(bytes)));
  }
  assert.ok(telemetry > 1000);
  // Only session events need the slow path.
  assert.equal(fast.slowPath, lines.length - telemetry);
});

const GOOD = {
  schema_version: 1,
  event_type: 'telemetry',
  event_id: '714566a9-dd40-562c-9079-50ecd7ce1e3b',
  vehicle_id: 'VH-0010',
  session_id: '5398b373-7389-50fb-ae14-945991b8c3de',
  seq: 12,
  event_time: '2026-01-01T08:00:01.100Z',
  // Mid-range values; engine_rpm 12.5 so that tests can find and rewrite its text.
  signals: Object.fromEntries(
    SIGNALS.map((s) => [
      s.name,
      s.name === 'engine_rpm'
        ? 12.5
        : s.type === 'integer'
          ? Math.round((s.min + s.max) / 2)
          : (s.min + s.max) / 2,
    ]),
  ),
};

/** GOOD with `patch` applied (a path → value; undefined deletes). */
function variant(patch: Record<string, unknown>): string {
  const event = structuredClone(GOOD) as Record<string, unknown>;
  for (const [path, value] of Object.entries(patch)) {
    const parts = path.split('.');
    let at = event;
    for (const part of parts.slice(0, -1)) at = at[part] as Record<string, unknown>;
    if (value === undefined) delete at[parts.at(-1)!];
    else at[parts.at(-1)!] = value;
  }
  return JSON.stringify(event);
}

test('hostile messages get silver reason codes, on both paths', () => {
  const cases: [string, string | Uint8Array, string, string | undefined][] = [
    ['empty', '', 'unparseable', undefined],
    ['not JSON', 'hello', 'unparseable', undefined],
    ['truncated', variant({}).slice(0, 200), 'unparseable', undefined],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'unparseable', undefined],
    ['an array', '[1,2]', 'schema_violation', undefined],
    ['a number', '42', 'schema_violation', undefined],
    [
      'schema version 2',
      variant({ schema_version: 2, signals: 'whatever' }),
      'unsupported_schema_version',
      'schema_version',
    ],
    [
      'no schema version',
      variant({ schema_version: undefined }),
      'missing_field',
      'schema_version',
    ],
    ['schema version "1"', variant({ schema_version: '1' }), 'wrong_type', 'schema_version'],
    ['no seq', variant({ seq: undefined }), 'missing_field', 'seq'],
    ['no signals', variant({ signals: undefined }), 'missing_field', 'signals'],
    [
      'a signal missing',
      variant({ 'signals.throttle': undefined }),
      'missing_field',
      'signals.throttle',
    ],
    [
      'a number as text',
      variant({ 'signals.engine_rpm': '3000' }),
      'wrong_type',
      'signals.engine_rpm',
    ],
    ['a fractional gear', variant({ 'signals.gear': 2.5 }), 'wrong_type', 'signals.gear'],
    ['a fractional seq', variant({ seq: 1.5 }), 'wrong_type', 'seq'],
    ['signals as a list', variant({ signals: [1] }), 'wrong_type', 'signals'],
    ['null vehicle', variant({ vehicle_id: null }), 'wrong_type', 'vehicle_id'],
    ['unknown event type', variant({ event_type: 'telemetri' }), 'schema_violation', 'event_type'],
    [
      'upper-case UUID',
      variant({ event_id: GOOD.event_id.toUpperCase() }),
      'schema_violation',
      'event_id',
    ],
    ['bad session id', variant({ session_id: 'session-1' }), 'schema_violation', 'session_id'],
    ['empty vehicle', variant({ vehicle_id: '' }), 'schema_violation', 'vehicle_id'],
    ['long vehicle', variant({ vehicle_id: 'V'.repeat(65) }), 'schema_violation', 'vehicle_id'],
    [
      'no such date',
      variant({ event_time: '2026-02-30T08:00:00Z' }),
      'schema_violation',
      'event_time',
    ],
    ['not RFC 3339', variant({ event_time: '01/01/2026 08:00' }), 'schema_violation', 'event_time'],
    ['negative RPM', variant({ 'signals.engine_rpm': -5 }), 'out_of_range', 'signals.engine_rpm'],
    ['throttle above 1', variant({ 'signals.throttle': 1.2 }), 'out_of_range', 'signals.throttle'],
    ['negative seq', variant({ seq: -1 }), 'out_of_range', 'seq'],
    [
      '1e999',
      variant({}).replace('"engine_rpm":12.5', '"engine_rpm":1e999'),
      'out_of_range',
      'signals.engine_rpm',
    ],
    // Precedence: missing before wrong type before out of range.
    [
      'several problems',
      variant({ seq: undefined, 'signals.gear': 'x', 'signals.brake': 9 }),
      'missing_field',
      'seq',
    ],
  ];
  for (const fastPath of [true, false]) {
    const decoder = new TelemetryDecoder({ fastPath });
    for (const [what, text, problem, field] of cases) {
      const m = decoder.decode(typeof text === 'string' ? Buffer.from(text) : text);
      assert.equal(m.kind, 'invalid', `${what}: ${m.kind}`);
      assert.equal(m.problem, problem, `${what} (fast path ${fastPath})`);
      assert.equal(m.field, field, `${what}: field`);
    }
  }
});

test('valid variants: nulls, extra fields, escapes, whitespace, offsets, exponents', () => {
  const decoder = new TelemetryDecoder();
  const ok = (text: string, what: string): DecodedMessage => {
    const m = decoder.decode(Buffer.from(text));
    assert.equal(m.kind, 'telemetry', `${what}: ${m.problem} at ${m.field}`);
    return m;
  };
  assert.ok(Number.isNaN(ok(variant({ 'signals.engine_rpm': null }), 'a dropout').values[0]!));
  ok(variant({ firmware: 'v2', 'signals.extra_sensor': 1 }), 'extra fields are tolerated');
  assert.equal(ok(variant({ vehicle_id: 'VH-\u00e9\u00e8' }), 'non-ASCII').vehicleId, 'VH-éè');
  assert.equal(
    ok(variant({}).replace('"VH-0010"', '"VH-\\u0030010"'), 'an escape').vehicleId,
    'VH-0010',
  );
  ok(JSON.stringify(JSON.parse(variant({})), null, 2), 'pretty-printed');
  const offset = ok(variant({ event_time: '2026-01-01T10:00:01.100+02:00' }), 'an offset');
  assert.equal(offset.timeUs, Date.UTC(2026, 0, 1, 8, 0, 1, 100) * 1000);
  const exponent = ok(variant({}).replace('"engine_rpm":12.5', '"engine_rpm":1.25e1'), 'exponent');
  assert.equal(exponent.values[0], 12.5);
  const digits = ok(
    variant({}).replace('"engine_rpm":12.5', '"engine_rpm":12.50000000000000000001'),
    'digits',
  );
  assert.equal(digits.values[0], 12.5);
  assert.ok(
    Object.is(
      ok(variant({ 'signals.accel_mps2': -0 }).replace('"accel_mps2":0', '"accel_mps2":-0'), '-0')
        .values[13],
      -0,
    ),
  );
});

test('clock skew against the log time, as silver checks it against ingest time', () => {
  const decoder = new TelemetryDecoder();
  const eventMs = Date.parse(GOOD.event_time);
  const text = Buffer.from(variant({}));
  assert.equal(decoder.decode(text, eventMs + 5_000).kind, 'telemetry');
  assert.equal(decoder.decode(text, eventMs - 3_601_000).problem, 'clock_skew');
  assert.equal(decoder.decode(text, eventMs + 3651 * 86_400_000).problem, 'clock_skew');
  assert.equal(decoder.decode(text).kind, 'telemetry', 'no log time, no rule');
});

test('session events are decoded with their session', () => {
  const decoder = new TelemetryDecoder();
  const envelope: Partial<typeof GOOD> = { ...GOOD };
  delete envelope.signals;
  const session = {
    car_id: 'vw-golf-1-5-tsi',
    car_name: 'Golf',
    driver_profile: 'eco',
    route_id: 'route-1',
    seed: 1,
    session_index: 0,
    hz: 10,
    ambient_temp_c: 12,
    cargo_kg: 0,
    cold_start: false,
    scenario: null,
    simulator: 'pitwall-sim/1',
  };
  const start = decoder.decode(
    Buffer.from(JSON.stringify({ ...envelope, event_type: 'session_start', seq: 0, session })),
  );
  assert.equal(start.kind, 'session_start');
  assert.equal(start.session?.driver_profile, 'eco');
  const noSummary = decoder.decode(
    Buffer.from(JSON.stringify({ ...envelope, event_type: 'session_end', session })),
  );
  assert.equal(noSummary.problem, 'missing_field');
  assert.equal(noSummary.field, 'summary');
  const badHz = decoder.decode(
    Buffer.from(
      JSON.stringify({
        ...envelope,
        event_type: 'session_start',
        session: { ...session, hz: 500 },
      }),
    ),
  );
  assert.equal(badHz.problem, 'out_of_range');
  assert.equal(badHz.field, 'session.hz');
});

test('event times are read as silver reads them (DuckDB TIMESTAMPTZ)', () => {
  // Expected values measured with DuckDB 1.5: epoch_us(TRY_CAST(s AS TIMESTAMPTZ)).
  const cases: [string, number][] = [
    ['2026-01-01T00:00:00.1234567Z', 1767225600123456],
    ['2026-01-01T00:00:00.9999999Z', 1767225600999999],
    ['2026-01-01T24:00:00Z', 1767312000000000],
    ['2026-01-01 00:00:00+02:00', 1767218400000000],
    ['2026-01-01T00:00:00-00:30', 1767227400000000],
    ['0001-01-01T00:00:00Z', -62135596800000000],
    ['2026-01-01T00:00:00+24:00', 1767139200000000],
    ['2026-01-01T23:59:59.5+23:59', 1767225659500000],
    ['2024-02-29T00:00:00Z', 1709164800000000],
    ['2026-01-01T00:00:00+02:60', 1767214800000000],
  ];
  for (const [text, us] of cases) assert.equal(parseEventTimeUs(text), us, text);
  for (const text of [
    '2026-02-30T00:00:00Z',
    '2100-02-29T00:00:00Z',
    '2026-01-01T00:00:60Z',
    '2026-01-01T00:60:00Z',
    '2026-01-01T24:30:00Z',
    '2026-01-01T24:00:00.5Z',
    '2026-01-01t00:00:00z',
    '2026-01-01T00:00:00z',
    '2026-01-01T00:00:00.Z',
    '2026-01-01T00:00:00',
    '2026-01-01T00:00:00.1234567890Z',
    '2026-13-01T00:00:00Z',
    '2026-01-01T00:00:00+0200',
  ]) {
    assert.ok(Number.isNaN(parseEventTimeUs(text)), text);
  }
});

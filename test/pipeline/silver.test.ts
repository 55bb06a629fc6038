// Silver on adversarial bronze input: every bronze row ends in exactly one of telemetry,
// session events, quarantine (with the right reasons) or the duplicate audit; nothing crashes.
// Then incremental runs, cross-run duplicates, idempotency and --full-refresh.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  INGEST_TIME,
  readSilver,
  runSilver,
  sessionStart,
  silverChecksums,
  telemetryEvent,
  tempLake,
  writeBronze,
  type BronzeValue,
} from './silver-support.js';

type Expected =
  | { readonly route: 'telemetry' | 'session_event' }
  | { readonly route: 'duplicate'; readonly original: number }
  | { readonly route: 'quarantine'; readonly reasons: string; readonly fields?: string };

const ok: Expected = { route: 'telemetry' };
const quarantine = (reasons: string, fields?: string): Expected => ({
  route: 'quarantine',
  reasons,
  ...(fields === undefined ? {} : { fields }),
});

function withSignal(seq: number, name: string, value: unknown): Record<string, unknown> {
  const event = telemetryEvent(seq);
  return { ...event, signals: { ...event.signals, [name]: value } };
}

function without(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

/** [bronze value, where it must end], at offsets 0, 1, 2, … */
const CASES: readonly [string, BronzeValue, Expected][] = [
  ['session start', sessionStart(), { route: 'session_event' }],
  ['telemetry 1', telemetryEvent(1), ok],
  ['telemetry 2', telemetryEvent(2), ok],
  ['a duplicate of telemetry 2', telemetryEvent(2), { route: 'duplicate', original: 2 }],
  ['telemetry 4 before 3 (out of order)', telemetryEvent(4), ok],
  ['telemetry 3, late', telemetryEvent(3), ok],
  ['truncated JSON', '{"schema_version":1,"event_type":', quarantine('unparseable')],
  ['an empty value', '', quarantine('unparseable')],
  ['invalid UTF-8', new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]), quarantine('unparseable')],
  ['a JSON array', '[1,2,3]', quarantine('schema_violation')],
  [
    'a string for a number',
    withSignal(10, 'engine_rpm', '3000'),
    quarantine('wrong_type', 'signals.engine_rpm'),
  ],
  [
    'NaN',
    JSON.stringify(telemetryEvent(11)).replace('"engine_rpm":2011', '"engine_rpm":NaN'),
    quarantine('out_of_range', 'signals.engine_rpm'),
  ],
  [
    'Infinity',
    JSON.stringify(telemetryEvent(12)).replace('"engine_rpm":2012', '"engine_rpm":1e999'),
    quarantine('out_of_range', 'signals.engine_rpm'),
  ],
  [
    'negative RPM',
    withSignal(13, 'engine_rpm', -5),
    quarantine('out_of_range', 'signals.engine_rpm'),
  ],
  [
    'throttle above 1',
    withSignal(14, 'throttle', 1.5),
    quarantine('out_of_range', 'signals.throttle'),
  ],
  [
    'a time far in the future',
    telemetryEvent(15, { event_time: '2099-01-01T00:00:00.000Z' }),
    quarantine('clock_skew'),
  ],
  [
    'a time far in the past',
    telemetryEvent(16, { event_time: '1970-01-01T00:00:00.000Z' }),
    quarantine('clock_skew'),
  ],
  ['no seq', without(telemetryEvent(17), 'seq'), quarantine('missing_field', 'seq')],
  [
    'a missing signal',
    { ...telemetryEvent(18), signals: without(telemetryEvent(18).signals, 'brake') },
    quarantine('missing_field', 'signals.brake'),
  ],
  ['an extra field (tolerated)', telemetryEvent(19, { firmware: '1.2.3' }), ok],
  [
    'a huge vehicle id',
    telemetryEvent(20, { vehicle_id: 'V'.repeat(100_000) }),
    quarantine('schema_violation', 'vehicle_id'),
  ],
  ['unicode', telemetryEvent(21, { vehicle_id: 'VH-ü-車-🚗' }), ok],
  [
    'schema version 2',
    telemetryEvent(22, { schema_version: 2, shape: 'unknown' }),
    quarantine('unsupported_schema_version'),
  ],
  [
    'schema version as a string',
    telemetryEvent(23, { schema_version: '1' }),
    quarantine('wrong_type', 'schema_version'),
  ],
  ['a fractional seq', telemetryEvent(24, { seq: 24.5 }), quarantine('wrong_type', 'seq')],
  ['a fractional gear', withSignal(25, 'gear', 2.5), quarantine('wrong_type', 'signals.gear')],
  [
    'an unknown event type',
    telemetryEvent(26, { event_type: 'bogus' }),
    quarantine('schema_violation', 'event_type'),
  ],
  [
    'an unparseable time',
    telemetryEvent(27, { event_time: 'yesterday' }),
    quarantine('schema_violation', 'event_time'),
  ],
  ['dropouts (null signals)', withSignal(28, 'speed_kmh', null), ok],
  [
    'several reasons at once',
    { ...withSignal(29, 'engine_rpm', -1), event_time: '2099-01-01T00:00:00.000Z' },
    quarantine('out_of_range,clock_skew', 'signals.engine_rpm'),
  ],
  [
    'a session id that is no UUID',
    telemetryEvent(30, { session_id: 'nope' }),
    quarantine('schema_violation', 'session_id'),
  ],
  [
    'signals as an array',
    telemetryEvent(31, { signals: [1, 2] }),
    quarantine('wrong_type', 'signals'),
  ],
  ['a 1 MiB value', `{"padding":"${'x'.repeat(1 << 20)}"}`, quarantine('missing_field')],
  [
    'a time with an offset',
    telemetryEvent(33, { event_time: '2026-01-01T10:00:03.300+02:00' }),
    ok,
  ],
  ['a duplicate of the session start', sessionStart(), { route: 'duplicate', original: 0 }],
];

describe('silver on adversarial bronze input', () => {
  test('every row ends in exactly one place, with the right reasons', async (t) => {
    const lake = await tempLake(t);
    await writeBronze(
      lake,
      CASES.map(([, value]) => value),
    );
    const report = await runSilver(lake);

    const telemetry = await readSilver(lake, 'telemetry', 'bronze_offset');
    const events = await readSilver(lake, 'sessionEvents', 'bronze_offset');
    const quarantined = await readSilver(lake, 'quarantine', 'bronze_offset');
    const duplicates = await readSilver(lake, 'duplicates', 'bronze_offset');
    const where = new Map<number, string>();
    const place = (rows: readonly Record<string, unknown>[], name: string): void => {
      for (const row of rows) {
        const offset = Number(row.bronze_offset);
        assert.equal(
          where.get(offset),
          undefined,
          `offset ${offset} is in ${where.get(offset)} and ${name}`,
        );
        where.set(offset, name);
      }
    };
    place(telemetry, 'telemetry');
    place(events, 'session_event');
    place(quarantined, 'quarantine');
    place(duplicates, 'duplicate');
    assert.equal(where.size, CASES.length, 'every bronze row is accounted for');

    CASES.forEach(([name, , expected], offset) => {
      assert.equal(where.get(offset), expected.route, `${name} (offset ${offset})`);
      if (expected.route === 'quarantine') {
        const row = quarantined.find((r) => Number(r.bronze_offset) === offset)!;
        assert.equal(row.reasons, expected.reasons, `${name}: reasons`);
        assert.equal(row.reason, expected.reasons.split(',')[0], `${name}: first reason`);
        if (expected.fields !== undefined)
          assert.equal(row.fields, expected.fields, `${name}: fields`);
        assert.ok(row.value instanceof Uint8Array, `${name}: raw value kept`);
      }
      if (expected.route === 'duplicate') {
        const row = duplicates.find((r) => Number(r.bronze_offset) === offset)!;
        assert.equal(Number(row.original_offset), expected.original, `${name}: original`);
      }
    });

    const counts = { telemetry: 0, session_event: 0, quarantine: 0, duplicate: 0 };
    for (const [, , expected] of CASES) counts[expected.route]++;
    assert.deepEqual(
      {
        rowsIn: report.rowsIn,
        rowsOut: report.rowsOut,
        quarantined: report.quarantined,
        duplicates: report.duplicates,
      },
      {
        rowsIn: CASES.length,
        rowsOut: counts.telemetry,
        quarantined: counts.quarantine,
        duplicates: counts.duplicate,
      },
    );

    // Typed, normalised values.
    const offsetTime = telemetry.find((r) => Number(r.bronze_offset) === 33)!;
    assert.equal(offsetTime.event_time, BigInt(Date.parse('2026-01-01T08:00:03.300Z')) * 1000n);
    assert.equal(offsetTime.event_date, '2026-01-01');
    const dropout = telemetry.find((r) => Number(r.bronze_offset) === 28)!;
    assert.equal(dropout.speed_kmh, null);
    assert.equal(dropout.gear, 1);
    assert.equal(dropout.seq, 28n);
    assert.equal(telemetry.find((r) => Number(r.bronze_offset) === 21)!.vehicle_id, 'VH-ü-車-🚗');

    const [session] = await readSilver(lake, 'sessions');
    assert.equal(session!.driver_profile, 'aggressive');
    assert.equal(session!.telemetry_events, BigInt(counts.telemetry));
    assert.equal(session!.duplicate_events, 2n);
    assert.equal(session!.started_at, BigInt(Date.parse('2026-01-01T08:00:00Z')) * 1000n);
  });
});

describe('silver runs', () => {
  test('incremental runs, cross-run duplicates, idempotent reruns and --full-refresh', async (t) => {
    const lake = await tempLake(t);
    await writeBronze(lake, [sessionStart(), telemetryEvent(1), telemetryEvent(2), 'junk']);
    const first = await runSilver(lake);
    assert.equal(first.rowsIn, 4);
    assert.equal(first.rowsOut, 2);

    const again = await runSilver(lake);
    assert.equal(again.upToDate, true);
    assert.equal(again.rowsIn, 0);

    // A later bronze commit: one new event, a duplicate of an event from the first run,
    // and a duplicate of the session start.
    const later = new Date(INGEST_TIME.getTime() + 60_000);
    await writeBronze(lake, [telemetryEvent(3), telemetryEvent(1), sessionStart()], 4, later);
    const second = await runSilver(lake);
    assert.deepEqual(
      [second.rowsIn, second.rowsOut, second.quarantined, second.duplicates],
      [3, 1, 0, 2],
    );
    const duplicates = await readSilver(lake, 'duplicates', 'bronze_offset');
    assert.deepEqual(
      duplicates.map((r) => [Number(r.bronze_offset), Number(r.original_offset)]),
      [
        [5, 1],
        [6, 0],
      ],
    );
    const [session] = await readSilver(lake, 'sessions');
    assert.equal(session!.telemetry_events, 3n);
    assert.equal(session!.duplicate_events, 2n);

    const before = await silverChecksums(lake);
    assert.equal((await runSilver(lake)).upToDate, true);
    assert.deepEqual(await silverChecksums(lake), before, 'a rerun changes nothing');

    const rebuilt = await runSilver(lake, true);
    assert.equal(rebuilt.rowsIn, 7);
    assert.deepEqual(await silverChecksums(lake), before, 'a full refresh rebuilds the same rows');
    const rebuiltAgain = await runSilver(lake, true);
    assert.equal(rebuiltAgain.rowsIn, 7);
    assert.deepEqual(await silverChecksums(lake), before);
  });

  test('a missing bronze table is a pipeline error', async (t) => {
    const lake = await tempLake(t);
    await assert.rejects(runSilver(lake), {
      code: 'PITWALL_ERR_PIPELINE',
      message: /no bronze table/,
    });
  });
});

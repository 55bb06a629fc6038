// Event schema v1: the committed JSON Schema is the generated one, everything the simulator
// emits (faults and sensor failures included) conforms, and malformed events do not.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SchemaError } from '../../src/errors.js';
import { SCHEMAS_DIR } from '../../src/paths.js';
import { FAULT_PRESETS } from '../../src/sim/faults.js';
import { parseScenario } from '../../src/sim/scenario.js';
import {
  IsoTimeFormatter,
  encodeTelemetry,
  telemetryIdentity,
} from '../../src/telemetry/encode.js';
import { EVENT_SCHEMA_FILE, buildEventJsonSchema } from '../../src/telemetry/json-schema.js';
import { SIGNALS, SIGNAL_COUNT } from '../../src/telemetry/signals.js';
import { assertEvent, eventSchemaProblem } from '../../src/telemetry/validate.js';
import { runToMemory } from '../support/memory-sink.js';

test('the committed schema file is the one generated from the definitions', () => {
  const committed = readFileSync(path.join(SCHEMAS_DIR, EVENT_SCHEMA_FILE), 'utf8');
  assert.equal(
    committed,
    JSON.stringify(buildEventJsonSchema(), null, 2) + '\n',
    'run `npm run schema` and commit the result',
  );
});

test('every event of a run with heavy faults and a failed sensor is valid', async () => {
  const scenario = parseScenario({
    name: 'broken-sensors',
    events: [
      {
        at: '10s',
        type: 'sensor_failure',
        signal: 'coolant_temp_c',
        mode: 'null',
        duration: '15s',
      },
      { at: '30s', type: 'sensor_failure', signal: 'engine_rpm', mode: 'noisy', duration: '10s' },
      { at: '45s', type: 'harsh_brake' },
    ],
  });
  const sink = await runToMemory({
    vehicles: 6,
    seed: 99,
    hz: 10,
    drivers: 'mix',
    faults: FAULT_PRESETS.heavy,
    durationS: 120,
    sessionDurationS: 60,
    scenario,
  });
  const types = new Map<string, number>();
  let nulls = 0;
  sink.values.forEach((line, k) => {
    const event = JSON.parse(line) as { event_type: string; signals?: Record<string, unknown> };
    const problem = eventSchemaProblem(event);
    if (problem !== undefined) assert.fail(`line ${k}: ${problem}\n${line}`);
    types.set(event.event_type, (types.get(event.event_type) ?? 0) + 1);
    if (event.signals?.['coolant_temp_c'] === null) nulls++;
  });
  assert.equal(types.get('session_start'), 12);
  assert.equal(types.get('session_end'), 12);
  // Heavy faults lose about a tenth of the samples to dropouts and deliver a few twice.
  const telemetry = types.get('telemetry') ?? 0;
  assert.ok(
    telemetry > 6 * 120 * 10 * 0.8 && telemetry < 6 * 120 * 10 * 1.05,
    `${telemetry} telemetry events`,
  );
  // The failure window was exercised: 15 s × 10 Hz per session, less dropouts.
  assert.ok(nulls > 12 * 15 * 10 * 0.7, `${nulls} null coolant readings`);
});

describe('malformed events are rejected with the path of the problem', () => {
  const id = '2ed6657d-e927-568b-95e1-2665a8aea6a2';
  const values = Float64Array.from(SIGNALS, (s) => Math.max(s.min, Math.min(s.max, 1)));
  const valid = JSON.parse(
    encodeTelemetry(
      id,
      telemetryIdentity('VH-0001', id),
      7,
      new IsoTimeFormatter().format(Date.UTC(2025, 5, 1, 12)),
      values,
      0,
    ),
  ) as Record<string, unknown> & { signals?: Record<string, unknown> };
  assert.equal(Object.keys(valid.signals ?? {}).length, SIGNAL_COUNT);

  const cases: [string, (event: typeof valid) => void, string][] = [
    ['missing envelope field', (e) => delete e['seq'], "(root): must have required property 'seq'"],
    [
      'missing signal',
      (e) => delete e.signals!['gear'],
      "/signals: must have required property 'gear'",
    ],
    ['seq as a string', (e) => (e['seq'] = '7'), '/seq: must be integer'],
    ['negative seq', (e) => (e['seq'] = -1), '/seq: must be >= 0'],
    [
      'signal as a string',
      (e) => (e.signals!['speed_kmh'] = '42'),
      '/signals/speed_kmh: must be number,null',
    ],
    ['fractional gear', (e) => (e.signals!['gear'] = 2.5), '/signals/gear: must be integer,null'],
    [
      'out-of-range signal',
      (e) => (e.signals!['throttle'] = 1.5),
      '/signals/throttle: must be <= 1',
    ],
    [
      'unknown signal',
      (e) => (e.signals!['warp_factor'] = 9),
      '/signals: unknown property "warp_factor"',
    ],
    [
      'unknown envelope field',
      (e) => (e['priority'] = 'high'),
      '(root): unknown property "priority"',
    ],
    [
      'event_time not a date',
      (e) => (e['event_time'] = 'yesterday'),
      '/event_time: must match format "date-time"',
    ],
    [
      'event_time without zone',
      (e) => (e['event_time'] = '2025-06-01T12:00:00.000'),
      '/event_time: must match format "date-time"',
    ],
    [
      'event_time month 13',
      (e) => (e['event_time'] = '2025-13-01T12:00:00.000Z'),
      '/event_time: must match format "date-time"',
    ],
    ['bad event id', (e) => (e['event_id'] = 'not-a-uuid'), '/event_id: must match pattern'],
    [
      'wrong schema version',
      (e) => (e['schema_version'] = 2),
      '/schema_version: must be equal to constant',
    ],
    ['unknown event type', (e) => (e['event_type'] = 'heartbeat'), '/event_type: must be one of'],
    [
      'session_start without session',
      (e) => {
        e['event_type'] = 'session_start';
        delete e.signals;
      },
      "(root): must have required property 'session'",
    ],
  ];

  test('the unbroken event is valid', () => {
    assert.equal(eventSchemaProblem(valid), undefined);
    assert.doesNotThrow(() => assertEvent(valid));
  });

  for (const [name, breakIt, expected] of cases) {
    test(name, () => {
      const event = structuredClone(valid);
      breakIt(event);
      const problem = eventSchemaProblem(event);
      assert.ok(problem?.startsWith(expected), `got "${problem}", expected "${expected}…"`);
      assert.throws(
        () => assertEvent(event),
        (error: unknown) =>
          error instanceof SchemaError && error.message === `invalid telemetry event: ${problem}`,
      );
    });
  }
});

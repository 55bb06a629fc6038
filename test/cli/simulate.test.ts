import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { eventSchemaProblem } from '../../src/telemetry/validate.js';
import { parseNdjson, runCli, runMain, tempDir } from './helpers.js';

type Event = Record<string, unknown> & {
  event_type: string;
  event_id: string;
  vehicle_id: string;
  session_id: string;
  event_time: string;
  session?: Record<string, unknown>;
};

function assertValidEvents(text: string): Event[] {
  const events = parseNdjson(text) as Event[];
  assert.ok(events.length > 0);
  events.forEach((event, k) => {
    const problem = eventSchemaProblem(event);
    assert.equal(problem, undefined, `line ${k + 1}: ${problem}`);
  });
  return events;
}

const ofType = (events: readonly Event[], type: string): Event[] =>
  events.filter((e) => e.event_type === type);

describe('pitwall simulate', { concurrency: 3 }, () => {
  let dir = '';
  let cleanup: () => Promise<void> = () => Promise.resolve();
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  test('writes valid NDJSON with one session per vehicle and session length', async () => {
    const out = path.join(dir, 'sessions.ndjson');
    const result = await runCli([
      'simulate',
      '--vehicles',
      '3',
      '--duration',
      '20s',
      '--session-duration',
      '10s',
      '--out',
      out,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    // Not a terminal: no progress line, only the summary.
    assert.match(
      result.stderr,
      /^simulated 20s: [\d,]+ events, 6 sessions, 3 vehicles in [\d.]+s -> .*sessions\.ndjson\n$/,
    );
    const events = assertValidEvents(await readFile(out, 'utf8'));
    const starts = ofType(events, 'session_start');
    assert.equal(starts.length, 6);
    assert.equal(ofType(events, 'session_end').length, 6);
    assert.deepEqual(
      new Set(events.map((e) => e.vehicle_id)),
      new Set(['VH-0001', 'VH-0002', 'VH-0003']),
    );
    assert.equal(new Set(starts.map((e) => e.session_id)).size, 6);
    assert.ok(ofType(events, 'telemetry').length > 500);
  });

  test('--out - writes only NDJSON to stdout', async () => {
    const result = await runCli(['simulate', '--vehicles', '2', '--duration', '5s', '--out', '-']);
    assert.equal(result.code, 0, result.stderr);
    const events = assertValidEvents(result.stdout);
    assert.equal(ofType(events, 'session_start').length, 2);
    assert.match(result.stderr, /-> stdout\n$/);
  });

  test('the same seed writes the same bytes; another seed does not', async () => {
    const run = async (name: string, seed: string): Promise<Buffer> => {
      const out = path.join(dir, name);
      const args = [
        'simulate',
        '--vehicles',
        '3',
        '--duration',
        '15s',
        '--faults',
        'heavy',
        '--seed',
        seed,
      ];
      const result = await runCli([...args, '--out', out, '--quiet']);
      assert.equal(result.code, 0, result.stderr);
      return readFile(out);
    };
    const [a, b, c] = await Promise.all([
      run('a.ndjson', '7'),
      run('b.ndjson', '7'),
      run('c.ndjson', '8'),
    ]);
    assert.ok(a.length > 0);
    assert.ok(a.equals(b), 'seed 7 twice: byte-identical');
    assert.ok(!a.equals(c), 'seed 7 and seed 8 differ');
  });

  test('--hz, --drivers, --cars, --scenario, --start and --faults none shape the output', async () => {
    const out = path.join(dir, 'shaped.ndjson');
    const result = await runMain([
      'simulate',
      '--vehicles',
      '2',
      '--duration',
      '10s',
      '--hz',
      '20',
      '--drivers',
      'eco',
      '--cars',
      'vw-golf-1-5-tsi',
      '--scenario',
      'hot-climb',
      '--faults',
      'none',
      '--start',
      '2030-06-01T12:00:00Z',
      '--seed',
      '3',
      '--out',
      out,
      '--quiet',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const events = assertValidEvents(await readFile(out, 'utf8'));
    const starts = ofType(events, 'session_start');
    assert.equal(starts.length, 2);
    for (const start of starts) {
      assert.equal(start.event_time, '2030-06-01T12:00:00.000Z');
      assert.equal(start.session?.['hz'], 20);
      assert.equal(start.session?.['driver_profile'], 'eco');
      assert.equal(start.session?.['car_id'], 'vw-golf-1-5-tsi');
      assert.equal(start.session?.['scenario'], 'hot-climb');
      assert.equal(start.session?.['seed'], 3);
    }
    // No faults: every sample arrives once, 20 per second per vehicle.
    const telemetry = ofType(events, 'telemetry');
    assert.equal(telemetry.length, 2 * 10 * 20);
    assert.equal(new Set(telemetry.map((e) => e.event_id)).size, telemetry.length);
  });

  test('--fault-rate overrides one rate of the preset', async () => {
    const out = path.join(dir, 'duplicates.ndjson');
    const result = await runMain([
      'simulate',
      '--vehicles',
      '1',
      '--duration',
      '10s',
      '--faults',
      'none',
      '--fault-rate',
      'duplicate=0.5',
      '--out',
      out,
      '--quiet',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const telemetry = ofType(assertValidEvents(await readFile(out, 'utf8')), 'telemetry');
    const duplicates = telemetry.length - new Set(telemetry.map((e) => e.event_id)).size;
    assert.ok(
      duplicates > 20 && duplicates < 80,
      `about half of 100 samples duplicated, got ${duplicates}`,
    );
  });

  test('--speed paces the run', async () => {
    const out = path.join(dir, 'paced.ndjson');
    const result = await runCli([
      'simulate',
      '--vehicles',
      '1',
      '--duration',
      '10s',
      '--speed',
      '10',
      '--out',
      out,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const wallS = Number(/ in ([\d.]+)s ->/.exec(result.stderr)?.[1]);
    assert.ok(wallS >= 0.95 && wallS < 5, `10 s at 10x takes about 1 s, took ${wallS} s`);
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULT_PRESETS } from '../../src/sim/faults.js';
import { SIMULATE_DEFAULTS, parseSimulateOptions } from '../../src/cli/simulate-options.js';
import { UsageError } from '../../src/errors.js';

describe('parseSimulateOptions', () => {
  test('fills in the documented defaults', async () => {
    const settings = await parseSimulateOptions({});
    assert.deepEqual(settings.simulation, {
      vehicles: 10,
      seed: 42,
      hz: 10,
      drivers: 'mix',
      cars: 'mix',
      faults: FAULT_PRESETS.default,
      durationS: 600,
      sessionDurationS: 600,
      startTimeMs: Date.parse(SIMULATE_DEFAULTS.start),
      speed: 0,
      scenario: undefined,
    });
    assert.equal(settings.out, 'telemetry.ndjson');
    assert.equal(settings.sink, 'file');
    assert.equal(settings.quiet, false);
    assert.equal(settings.realTime, false);
  });

  test('reads durations, speeds and start times as people type them', async () => {
    const s = await parseSimulateOptions({
      duration: '1h30m',
      sessionDuration: '90',
      speed: '2.5',
      start: '2026-03-01T10:00:00+02:00',
    });
    assert.equal(s.simulation.durationS, 5400);
    assert.equal(s.simulation.sessionDurationS, 90);
    assert.equal(s.simulation.speed, 2.5);
    assert.equal(s.simulation.startTimeMs, Date.parse('2026-03-01T08:00:00Z'));
    assert.equal((await parseSimulateOptions({ speed: 'max' })).simulation.speed, 0);
    assert.equal((await parseSimulateOptions({ speed: '0' })).simulation.speed, 0);
  });

  test('real time starts now unless --start says otherwise', async () => {
    const now = Date.parse('2031-05-05T05:05:05Z');
    const live = await parseSimulateOptions({ realtime: true }, now);
    assert.equal(live.simulation.speed, 1);
    assert.equal(live.realTime, true);
    assert.equal(live.simulation.startTimeMs, now);
    const viaSpeed = await parseSimulateOptions({ speed: '1' }, now);
    assert.equal(viaSpeed.realTime, true);
    const fixed = await parseSimulateOptions({ realtime: true, start: '2026-01-01' }, now);
    assert.equal(fixed.simulation.startTimeMs, Date.parse('2026-01-01T00:00:00Z'));
  });

  test('--fault-rate overrides one rate of the preset; names may be kebab-case', async () => {
    const s = await parseSimulateOptions({
      faults: 'none',
      faultRate: ['spike=0.25', 'out-of-order=0.1', 'clockSkew=1'],
    });
    assert.deepEqual(s.simulation.faults, {
      ...FAULT_PRESETS.none,
      spike: 0.25,
      outOfOrder: 0.1,
      clockSkew: 1,
    });
  });

  test('loads a scenario by shipped name', async () => {
    const s = await parseSimulateOptions({ scenario: 'hot-climb' });
    assert.equal(s.simulation.scenario?.name, 'hot-climb');
    assert.equal(s.simulation.scenario?.events.length, 3);
  });

  test('rejects bad values with a UsageError naming the option', async () => {
    await assert.rejects(parseSimulateOptions({ hz: '9.99' }), {
      name: 'UsageError',
      message: '--hz must be a number between 10 and 50 (got "9.99")',
    });
    await assert.rejects(parseSimulateOptions({ vehicles: '1e3' }), UsageError);
    await assert.rejects(parseSimulateOptions({ hz: 'Infinity' }), UsageError);
    await assert.rejects(parseSimulateOptions({ start: '2026-13-01' }), UsageError);
    await assert.rejects(parseSimulateOptions({ seed: String(2 ** 32) }), UsageError);
  });
});

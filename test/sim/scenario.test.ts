// Scenarios: parsing and validation of the documents, the shipped files, and the effect of
// each scripted event on the vehicles and on the emitted events.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ERROR_CODES, ScenarioError } from '../../src/errors.js';
import { FAULT_PRESETS } from '../../src/sim/faults.js';
import { Fleet, PHYSICS_HZ } from '../../src/sim/fleet.js';
import {
  applyScenarioAction,
  loadScenario,
  parseScenario,
  type ScenarioAction,
} from '../../src/sim/scenario.js';
import type { PitwallEvent, TelemetryEvent } from '../../src/telemetry/events.js';
import { SIGNALS } from '../../src/telemetry/signals.js';
import { runToMemory } from '../support/memory-sink.js';

const HZ = 10;

function rejects(document: unknown, expected: string): void {
  assert.throws(
    () => parseScenario(document, 'bad.yaml'),
    (error: unknown) => {
      assert.ok(error instanceof ScenarioError, `expected a ScenarioError, got ${String(error)}`);
      assert.equal(error.code, ERROR_CODES.scenario);
      assert.ok(
        error.message.startsWith(`bad.yaml: ${expected}`),
        `message "${error.message}" should start with "bad.yaml: ${expected}"`,
      );
      assert.ok(!error.message.includes('\n'), 'one-line message');
      return true;
    },
  );
}

/** A fleet driven by its drivers for `warmupS` seconds, ready for a scripted event. */
function fleetOnTheRoad(vehicles: number, seed: number, warmupS: number): Fleet {
  const fleet = new Fleet({ vehicles, seed, hz: HZ, drivers: 'mix', faults: FAULT_PRESETS.none });
  for (let i = 0; i < vehicles; i++) fleet.startSession(i, 0, 0);
  fleet.advance(warmupS * PHYSICS_HZ);
  fleet.batch.clear();
  return fleet;
}

function applyToAll(fleet: Fleet, action: ScenarioAction): void {
  for (let i = 0; i < fleet.state.size; i++) applyScenarioAction(fleet.state, i, action);
}

/** Seconds since session start at which a telemetry event was sampled (no dropouts: seq / hz). */
const sampledAt = (event: TelemetryEvent): number => event.seq / HZ;
const telemetry = (events: PitwallEvent[]): TelemetryEvent[] =>
  events.filter((e): e is TelemetryEvent => e.event_type === 'telemetry');

describe('parsing', () => {
  test('bad documents are rejected with a one-line message naming the path', () => {
    rejects({ events: [] }, "(root): must have required property 'name'");
    rejects({ name: 'Bad Name', events: [] }, '/name: must match pattern');
    rejects({ name: 'x', events: [], extra: 1 }, '(root): unknown property "extra"');
    rejects({ name: 'x', events: [{ at: 0, type: 'teleport' }] }, '/events/0/type: must be one of');
    rejects(
      {
        name: 'x',
        events: [
          { at: 0, type: 'harsh_brake' },
          { at: '10x', type: 'harsh_brake' },
        ],
      },
      '/events/1/at:',
    );
    rejects(
      { name: 'x', events: [{ at: 5, type: 'grade', duration: 10 }] },
      "/events/0: must have required property 'grade_pct'",
    );
    rejects(
      { name: 'x', events: [{ at: 5, type: 'grade', grade_pct: 40, duration: 10 }] },
      '/events/0/grade_pct: must be <= 25',
    );
    rejects(
      { name: 'x', events: [{ at: 5, type: 'harsh_brake', colour: 'red' }] },
      '/events/0: unknown property "colour"',
    );
    rejects(
      { name: 'x', events: [{ at: 5, type: 'cold_start' }] },
      '/events/0/at: must be equal to constant',
    );
    rejects(
      {
        name: 'x',
        events: [
          { at: 5, type: 'sensor_failure', signal: 'speed_kmh', mode: 'flaky', duration: 5 },
        ],
      },
      '/events/0/mode: must be one of',
    );
    rejects(
      {
        name: 'x',
        events: [
          { at: 0, type: 'ambient', temp_c: 20 },
          { at: 5, type: 'sensor_failure', signal: 'warp_factor', mode: 'null', duration: 5 },
        ],
      },
      '/events/1/signal: unknown signal "warp_factor"',
    );
  });

  test('durations are read in any unit and events are sorted by time', () => {
    const scenario = parseScenario({
      name: 'sorted',
      events: [
        { at: '2m', type: 'speed_limit', limit_kmh: 30, duration: '1m30s' },
        { at: 0, type: 'ambient', temp_c: 30, vehicles: [1, 2] },
        { at: '1500ms', type: 'harsh_brake' },
      ],
    });
    assert.equal(scenario.description, '');
    assert.deepEqual(scenario.events, [
      { atS: 0, vehicles: [1, 2], action: { type: 'ambient', tempC: 30 } },
      { atS: 1.5, vehicles: undefined, action: { type: 'harsh_brake', durationS: 3 } },
      {
        atS: 120,
        vehicles: undefined,
        action: { type: 'speed_limit', limitKmh: 30, durationS: 90 },
      },
    ]);
  });

  test("loadScenario('hot-climb') reads the shipped scenario", () => {
    const scenario = loadScenario('hot-climb');
    assert.equal(scenario.name, 'hot-climb');
    assert.ok(scenario.description.length > 0);
    assert.deepEqual(
      scenario.events.map((e) => [e.atS, e.action]),
      [
        [0, { type: 'ambient', tempC: 38 }],
        [60, { type: 'grade', gradePct: 8, durationS: 180 }],
        [120, { type: 'sensor_failure', signal: 'coolant_temp_c', mode: 'frozen', durationS: 30 }],
      ],
    );
    assert.equal(loadScenario('cold-start-harsh-brake').name, 'cold-start-harsh-brake');
  });

  test('loadScenario reports missing and malformed files on one line', () => {
    assert.throws(
      () => loadScenario('no-such-scenario'),
      (error: unknown) =>
        error instanceof ScenarioError &&
        /cannot read scenario .*no-such-scenario\.yaml: no such file$/.test(error.message),
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'pitwall-scenario-'));
    try {
      const broken = path.join(dir, 'broken.yaml');
      writeFileSync(broken, 'name: broken\nevents: [\n  - { at: 0, type: ambient\n');
      assert.throws(
        () => loadScenario(broken),
        (error: unknown) =>
          error instanceof ScenarioError &&
          /^broken\.yaml: not valid YAML \(.*\)$/.test(error.message),
      );
      const invalid = path.join(dir, 'invalid.json');
      writeFileSync(
        invalid,
        JSON.stringify({ name: 'invalid', events: [{ at: 1, type: 'ambient' }] }),
      );
      assert.throws(
        () => loadScenario(invalid),
        (error: unknown) =>
          error instanceof ScenarioError &&
          error.message === "invalid.json: /events/0: must have required property 'temp_c'",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('effects', () => {
  test('harsh_brake decelerates every moving vehicle by more than 6 m/s² within 1 s', () => {
    const fleet = fleetOnTheRoad(12, 3, 90);
    const moving = Array.from({ length: 12 }, (_, i) => i).filter(
      (i) => fleet.state.get(i, 'speedMps') > 15 / 3.6,
    );
    assert.ok(moving.length >= 8, `${moving.length} vehicles moving`);
    applyToAll(fleet, { type: 'harsh_brake', durationS: 3 });
    const maxDecel = new Float64Array(12);
    for (let step = 0; step < PHYSICS_HZ; step++) {
      fleet.advance(1);
      for (const i of moving)
        maxDecel[i] = Math.max(maxDecel[i]!, -fleet.state.get(i, 'accelMps2'));
    }
    for (const i of moving)
      assert.ok(
        maxDecel[i]! > 6,
        `vehicle ${i} (${fleet.sessions[i]!.driverProfile}): ${maxDecel[i]!.toFixed(2)} m/s²`,
      );
  });

  test('a 30 km/h speed limit slows everyone down, and lifts when it ends', () => {
    const vehicles = 8;
    const control = fleetOnTheRoad(vehicles, 8, 60);
    const limited = fleetOnTheRoad(vehicles, 8, 60);
    applyToAll(limited, { type: 'speed_limit', limitKmh: 30, durationS: 120 });
    const sumLimited = new Float64Array(vehicles);
    let maxLimited = 0;
    let sumControl = 0;
    for (let second = 1; second <= 120; second++) {
      control.advance(PHYSICS_HZ);
      limited.advance(PHYSICS_HZ);
      if (second <= 30) continue; // time to slow down
      for (let i = 0; i < vehicles; i++) {
        const v = limited.state.get(i, 'speedMps') * 3.6;
        maxLimited = Math.max(maxLimited, v);
        sumLimited[i]! += v;
        sumControl += control.state.get(i, 'speedMps') * 3.6;
      }
    }
    // Each driver aims at the limit times their speed factor; mood lets aggressive ones stray
    // up to ~1.45× for a few seconds.
    for (let i = 0; i < vehicles; i++) {
      const mean = sumLimited[i]! / 90;
      const aim = 30 * limited.state.get(i, 'speedFactor');
      assert.ok(
        mean < aim * 1.1,
        `vehicle ${i} (${limited.sessions[i]!.driverProfile}): mean ${mean.toFixed(1)} km/h, aiming at ${aim.toFixed(1)}`,
      );
    }
    assert.ok(maxLimited < 45, `max ${maxLimited.toFixed(1)} km/h under a 30 km/h limit`);
    const meanLimited = sumLimited.reduce((a, b) => a + b, 0) / (90 * vehicles);
    const meanControl = sumControl / (90 * vehicles);
    assert.ok(
      meanLimited < 0.6 * meanControl,
      `mean ${meanLimited.toFixed(1)} vs ${meanControl.toFixed(1)} km/h without the limit`,
    );
    let sumAfter = 0;
    for (let second = 1; second <= 60; second++) {
      limited.advance(PHYSICS_HZ);
      for (let i = 0; i < vehicles; i++) sumAfter += limited.state.get(i, 'speedMps') * 3.6;
    }
    assert.ok(
      sumAfter / (60 * vehicles) > 40,
      `after the limit: mean ${(sumAfter / (60 * vehicles)).toFixed(1)} km/h`,
    );
  });

  test('a grade event loads the car with the slope', () => {
    const fleet = fleetOnTheRoad(2, 4, 10);
    applyToAll(fleet, { type: 'grade', gradePct: 10, durationS: 5 });
    fleet.advance(4); // the next driver-rate update
    for (let i = 0; i < 2; i++) {
      const mass = fleet.state.get(i, 'massKg');
      assert.ok(
        Math.abs(fleet.state.get(i, 'gradeForceN') - (mass * 9.81 * 0.1) / Math.hypot(1, 0.1)) <
          1e-6,
      );
    }
  });

  test('sensor_failure with mode null yields null readings of that signal during the window', async () => {
    const scenario = parseScenario({
      name: 'speed-sensor-out',
      events: [
        { at: '20s', type: 'sensor_failure', signal: 'speed_kmh', mode: 'null', duration: '10s' },
      ],
    });
    const sink = await runToMemory({
      vehicles: 3,
      seed: 12,
      hz: HZ,
      drivers: 'mix',
      faults: FAULT_PRESETS.none,
      durationS: 40,
      scenario,
    });
    const events = telemetry(sink.events());
    assert.equal(events.length, 3 * 40 * HZ);
    let nulls = 0;
    for (const event of events) {
      const t = sampledAt(event);
      const speed = event.signals.speed_kmh;
      if (t > 20.05 && t < 29.95) assert.equal(speed, null, `speed at ${t} s`);
      if (t < 19.95 || t > 30.05) assert.equal(typeof speed, 'number', `speed at ${t} s`);
      if (speed === null) nulls++;
      for (const signal of SIGNALS)
        if (signal.name !== 'speed_kmh')
          assert.notEqual(event.signals[signal.name], null, `${signal.name} at ${t} s`);
    }
    assert.ok(Math.abs(nulls - 3 * 10 * HZ) <= 3, `${nulls} null readings`);
  });

  test('hot-climb freezes the coolant reading while the engine works uphill', async () => {
    const sink = await runToMemory({
      vehicles: 3,
      seed: 21,
      hz: HZ,
      drivers: 'normal',
      faults: FAULT_PRESETS.none,
      durationS: 160,
      scenario: loadScenario('hot-climb'),
    });
    const events = telemetry(sink.events());
    for (const vehicle of ['VH-0001', 'VH-0002', 'VH-0003']) {
      const own = events.filter((e) => e.vehicle_id === vehicle);
      const frozen = own
        .filter((e) => sampledAt(e) > 120.05 && sampledAt(e) < 149.95)
        .map((e) => e.signals.coolant_temp_c);
      assert.ok(frozen.length > 290);
      assert.ok(
        frozen.every((c) => c === frozen[0]),
        `${vehicle}: coolant readings vary while frozen`,
      );
      const live = own.filter((e) => sampledAt(e) > 150.05).map((e) => e.signals.coolant_temp_c);
      assert.ok(new Set(live).size > 1, `${vehicle}: coolant still frozen after the window`);
      // The ambient sensor reads 38 °C (its noise rarely reaches the next 0.5 °C step).
      const ambient = own.map((e) => e.signals.ambient_temp_c);
      assert.ok(
        ambient.every((a) => a !== null && Math.abs(a - 38) <= 0.5),
        `${vehicle}: ambient follows the scenario`,
      );
      assert.ok(ambient.filter((a) => a === 38).length > 0.9 * ambient.length);
    }
  });

  test('session_start reports the weather and engine state the scenario sets', async () => {
    const sink = await runToMemory({
      vehicles: 3,
      seed: 1,
      hz: HZ,
      drivers: 'mix',
      faults: FAULT_PRESETS.none,
      durationS: 5,
      scenario: loadScenario('cold-start-harsh-brake'),
    });
    for (const event of sink.events()) {
      if (event.event_type !== 'session_start') continue;
      assert.equal(
        event.session.ambient_temp_c,
        -5,
        `${event.vehicle_id}: ambient in session info`,
      );
      assert.equal(
        event.session.cold_start,
        true,
        `${event.vehicle_id}: cold_start in session info`,
      );
    }
  });
});

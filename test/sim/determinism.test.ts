// A run is a pure function of its options: same seed, same bytes; and a vehicle's output
// depends only on the seed and its own index, not on how many vehicles ride along.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULT_PRESETS } from '../../src/sim/faults.js';
import { vehicleId } from '../../src/sim/runner.js';
import { loadScenario } from '../../src/sim/scenario.js';
import type { PitwallEvent } from '../../src/telemetry/events.js';
import { runToMemory } from '../support/memory-sink.js';

const base = {
  vehicles: 3,
  seed: 1234,
  hz: 20,
  drivers: 'mix',
  faults: FAULT_PRESETS.heavy,
  durationS: 90,
  sessionDurationS: 45,
  scenario: loadScenario('cold-start-harsh-brake'),
} as const;

test('two runs with the same options produce byte-identical output', async () => {
  const first = await runToMemory(base);
  const second = await runToMemory(base);
  assert.ok(first.values.length > 3 * 90 * 20 * 0.9, `only ${first.values.length} events`);
  assert.deepEqual(second.keys, first.keys);
  assert.deepEqual(second.values, first.values);
});

test('a different seed gives different output', async () => {
  // Event ids hash the seed, so compare what was measured: each vehicle's signal readings.
  const readings = (events: PitwallEvent[]): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const event of events) {
      if (event.event_type !== 'telemetry') continue;
      const list = out.get(event.vehicle_id) ?? [];
      list.push(JSON.stringify(event.signals));
      out.set(event.vehicle_id, list);
    }
    return out;
  };
  const first = readings((await runToMemory(base)).events());
  const other = readings((await runToMemory({ ...base, seed: base.seed + 1 })).events());
  for (const [vehicle, list] of first) {
    const theirs = new Set(other.get(vehicle));
    const same = list.filter((signals) => theirs.has(signals)).length;
    assert.ok(
      same < list.length * 0.01,
      `${vehicle}: ${same} of ${list.length} readings identical across seeds`,
    );
  }
});

test("vehicle 0's output does not change when the fleet grows from 3 to 5", async () => {
  const small = await runToMemory(base);
  const large = await runToMemory({ ...base, vehicles: 5 });
  const first = vehicleId(0);
  const ofVehicle0 = (sink: typeof small): string[] =>
    sink.values.filter((_, k) => sink.keys[k] === first);
  const a = ofVehicle0(small);
  assert.ok(a.length > 1000);
  assert.deepEqual(ofVehicle0(large), a);
  // The extra vehicles did emit.
  assert.ok(large.keys.includes(vehicleId(4)));
});

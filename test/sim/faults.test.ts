// Injected faults show up in the output the way downstream stages will meet them:
// duplicates, late (out-of-order) delivery, lost stretches, frozen sensors, skewed clocks;
// and with faults off, none of them do.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_FLAGS } from '../../src/sim/emission.js';
import { FAULT_PRESETS, type FaultRates } from '../../src/sim/faults.js';
import { Fleet, PHYSICS_HZ } from '../../src/sim/fleet.js';
import type { PitwallEvent } from '../../src/telemetry/events.js';
import { SIGNALS, SIGNAL_COUNT } from '../../src/telemetry/signals.js';
import { START_MS, bySession, runToMemory } from '../support/memory-sink.js';

const HZ = 10;
const run = (faults: FaultRates, seed = 77) =>
  runToMemory({
    vehicles: 4,
    seed,
    hz: HZ,
    drivers: 'mix',
    faults,
    durationS: 120,
    sessionDurationS: 60,
  });

interface SessionDelivery {
  readonly seqs: number[];
  readonly ids: string[];
}

function deliveries(events: readonly PitwallEvent[]): SessionDelivery[] {
  return [...bySession(events).values()].map((group) => ({
    seqs: group.map((e) => e.seq),
    ids: group.map((e) => e.event_id),
  }));
}

describe('heavy faults', () => {
  test('duplicates, out-of-order delivery and dropouts all appear', async () => {
    const sink = await run(FAULT_PRESETS.heavy);
    const events = sink.events();
    assert.equal(bySession(events).size, 8);

    // Duplicates: the same event id twice, with byte-identical content (a transport retry).
    const firstLine = new Map<string, string>();
    let duplicates = 0;
    sink.values.forEach((line, k) => {
      const id = events[k]!.event_id;
      const seen = firstLine.get(id);
      if (seen === undefined) firstLine.set(id, line);
      else {
        duplicates++;
        assert.equal(line, seen, 'a duplicate repeats the original exactly');
      }
    });
    // Out of order: seq goes backwards within a session, among first deliveries (a re-sent
    // duplicate also arrives late, but that is the duplicate's doing). Gaps: seqs that never arrive.
    let backwards = 0;
    let missing = 0;
    for (const { seqs, ids } of deliveries(events)) {
      const seen = new Set<string>();
      const firsts = seqs.filter((_, k) => !seen.has(ids[k]!) && seen.add(ids[k]!));
      for (let k = 1; k < firsts.length; k++) if (firsts[k]! < firsts[k - 1]!) backwards++;
      const unique = new Set(seqs);
      const last = Math.max(...seqs);
      missing += last + 1 - unique.size;
      assert.equal(seqs[0], 0, 'session_start comes first');
      assert.equal(seqs.at(-1), last, 'session_end comes last, after every held-back event');
    }
    // The session summaries account for every sample: delivered (once or more) or lost.
    for (const group of bySession(events).values()) {
      const end = group.at(-1)!;
      assert.equal(end.event_type, 'session_end');
      const delivered = new Set(
        group.filter((e) => e.event_type === 'telemetry').map((e) => e.seq),
      );
      assert.equal(end.summary.samples_emitted, delivered.size);
      assert.equal(end.summary.samples_emitted + end.summary.samples_lost, end.seq - 1);
    }
    // 4 vehicles × 120 s × 10 Hz = 4800 samples at 2 % duplicates, 2 % late, 0.3 % dropouts.
    assert.ok(duplicates >= 40, `${duplicates} duplicates`);
    assert.ok(backwards >= 40, `${backwards} out-of-order deliveries`);
    assert.ok(missing >= 20, `${missing} samples lost to dropouts`);
  });

  test('late and duplicated samples are all delivered before their session ends', async () => {
    const sink = await runToMemory({
      vehicles: 4,
      seed: 3,
      hz: HZ,
      drivers: 'mix',
      faults: { ...FAULT_PRESETS.none, outOfOrder: 0.3, duplicate: 0.3 },
      durationS: 40,
      sessionDurationS: 20,
    });
    const sessions = [...bySession(sink.events()).values()];
    assert.equal(sessions.length, 8);
    for (const group of sessions) {
      const seqs = group.map((e) => e.seq);
      assert.equal(group.at(-1)!.event_type, 'session_end');
      // Every sample 1…N arrives (no dropouts here), none after the end marker.
      assert.deepEqual(
        [...new Set(seqs)].sort((a, b) => a - b),
        Array.from({ length: 20 * HZ + 2 }, (_, k) => k),
      );
      assert.ok(seqs.length > 20 * HZ * 1.2, `${seqs.length} deliveries`);
    }
  });

  test('a stuck sensor repeats one value while the truth moves on', () => {
    const vehicles = 6;
    const fleet = new Fleet({
      vehicles,
      seed: 5,
      hz: HZ,
      drivers: 'mix',
      faults: { ...FAULT_PRESETS.none, stuck: 0.004 },
    });
    for (let i = 0; i < vehicles; i++) fleet.startSession(i, 0, 0);
    const noisy = SIGNALS.flatMap((signal, k) => (signal.noiseStd > 0 ? [k] : []));
    // Per vehicle: the current run of stuck-flagged samples (measured values and truth).
    const runs = Array.from({ length: vehicles }, () => ({
      values: [] as number[][],
      truth: [] as number[][],
    }));
    let episodes = 0;
    let frozen = 0;
    const close = (i: number): void => {
      const { values, truth } = runs[i]!;
      runs[i] = { values: [], truth: [] };
      if (values.length === 0) return;
      episodes++;
      // A new episode may start on another signal before the last one ends, but the last one
      // runs its full 2–10 s: over the run's final 2 s a signal must read one value while its
      // true value moves by more than the sensor's resolution.
      const tail = values.slice(-2 * HZ);
      const tailTruth = truth.slice(-2 * HZ);
      assert.equal(
        tail.length,
        2 * HZ,
        `vehicle ${i}: a stuck run of only ${values.length} samples`,
      );
      const held = noisy.filter((k) => {
        const trueValues = tailTruth.map((row) => row[k]!);
        return (
          tail.every((row) => row[k] === tail[0]![k]) &&
          Math.max(...trueValues) - Math.min(...trueValues) > SIGNALS[k]!.resolution
        );
      });
      if (held.length > 0) frozen++;
    };
    for (let second = 0; second < 600; second++) {
      fleet.advance(PHYSICS_HZ);
      const batch = fleet.batch;
      for (let r = 0; r < batch.count; r++) {
        const i = batch.vehicle[r]!;
        if ((batch.flags[r]! & SAMPLE_FLAGS.stuck) === 0) {
          close(i);
          continue;
        }
        const run = runs[i]!;
        run.values.push(
          Array.from(batch.values.subarray(r * SIGNAL_COUNT, (r + 1) * SIGNAL_COUNT)),
        );
        run.truth.push(Array.from(batch.truth.subarray(r * SIGNAL_COUNT, (r + 1) * SIGNAL_COUNT)));
      }
      batch.clear();
    }
    assert.ok(episodes >= 20, `${episodes} stuck episodes`);
    // Some signals barely move over 2 s (ambient temperature, a parked car's speed), so not all
    // (about two in three here); without working stuck faults this count is zero.
    assert.ok(
      frozen >= 0.4 * episodes,
      `only ${frozen} of ${episodes} stuck runs froze a signal whose truth kept changing`,
    );
  });

  test('clock skew moves event_time off the true time grid', async () => {
    const timeOffsets = async (clockSkew: number): Promise<number[]> => {
      const sink = await runToMemory({
        vehicles: 4,
        seed: 31,
        hz: HZ,
        drivers: 'mix',
        faults: { ...FAULT_PRESETS.none, clockSkew },
        durationS: 30,
      });
      // Without dropouts telemetry seq n is the n-th sample, due at start + n / hz.
      return sink
        .events()
        .filter((e) => e.event_type === 'telemetry')
        .map((e) => Date.parse(e.event_time) - (START_MS + (e.seq * 1000) / HZ));
    };
    const straight = await timeOffsets(0);
    assert.ok(straight.length > 1000);
    assert.ok(
      straight.every((offset) => offset === 0),
      'no skew: event_time is the true time',
    );
    const skewed = await timeOffsets(1);
    assert.ok(
      skewed.every((offset) => Math.abs(offset) >= 450 && Math.abs(offset) <= 30_100),
      `offsets ${Math.min(...skewed)}…${Math.max(...skewed)} ms`,
    );
  });
});

describe('no faults', () => {
  test('every event arrives once, in order, with contiguous seq', async () => {
    const sink = await run(FAULT_PRESETS.none);
    const events = sink.events();
    assert.equal(new Set(events.map((e) => e.event_id)).size, events.length, 'no duplicate ids');
    const sessions = deliveries(events);
    assert.equal(sessions.length, 8);
    for (const { seqs } of sessions) {
      assert.deepEqual(
        seqs,
        seqs.map((_, k) => k),
        'seq is 0, 1, 2, … in delivery order',
      );
      // session_start, 60 s of samples, session_end.
      assert.equal(seqs.length, 60 * HZ + 2);
    }
  });

  test('the sensors flag nothing', () => {
    const fleet = new Fleet({
      vehicles: 4,
      seed: 77,
      hz: HZ,
      drivers: 'mix',
      faults: FAULT_PRESETS.none,
    });
    for (let i = 0; i < 4; i++) fleet.startSession(i, 0, 0);
    let samples = 0;
    for (let second = 0; second < 120; second++) {
      fleet.advance(PHYSICS_HZ);
      for (let r = 0; r < fleet.batch.count; r++) assert.equal(fleet.batch.flags[r], 0);
      samples += fleet.batch.count;
      fleet.batch.clear();
    }
    assert.equal(samples, 4 * 120 * HZ);
  });
});

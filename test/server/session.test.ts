// The live session and the fleet monitor on a synthetic clock (no timers): manual driving,
// verdicts through the real inference engine after warm-up, the event log, model swaps,
// and the fleet's live accuracy and confusion matrix against the simulator's truth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DRIVER_PROFILE_NAMES, findCar } from '../../src/sim/index.js';
import { CockpitSession } from '../../src/server/cockpit-session.js';
import { FleetMonitor } from '../../src/server/fleet-monitor.js';
import { engineStyleModel } from '../../src/server/inference-source.js';
import {
  DRIVER_CHOICES,
  type ModelStatus,
  type VerdictMessage,
} from '../../src/server/protocol.js';
import { throttleRuleModel } from './helpers.js';

const START_MS = Date.UTC(2026, 0, 1, 8);
const FRAME_MS = 1000 / 30;

/** Steps `session` at 30 Hz for `seconds`, calling `each` after every frame. */
function drive(
  session: CockpitSession,
  fromMs: number,
  seconds: number,
  each?: (nowMs: number) => void,
): number {
  let now = fromMs;
  const frames = Math.round((seconds * 1000) / FRAME_MS);
  for (let k = 0; k < frames; k++) {
    now += FRAME_MS;
    session.advanceTo(now);
    each?.(now);
  }
  return now;
}

test('manual driving: throttle raises rpm and speed and the gearbox shifts up; the brake stops the car', () => {
  const session = new CockpitSession({
    car: findCar('vw-golf-1-5-tsi'),
    driver: 'manual',
    seed: 5,
    startMs: START_MS,
  });
  let now = drive(session, START_MS, 1);
  const idle = session.state();
  assert.ok(idle.speedKmh < 5, `idle speed ${idle.speedKmh}`);
  session.setInput(1, 0);
  let maxGear = idle.gear;
  let maxRpm = idle.rpm;
  now = drive(session, now, 12, () => {
    const s = session.state();
    maxGear = Math.max(maxGear, s.gear);
    maxRpm = Math.max(maxRpm, s.rpm);
  });
  const fast = session.state();
  assert.ok(fast.speedKmh > 80, `speed after 12 s of full throttle: ${fast.speedKmh}`);
  assert.ok(maxRpm > idle.rpm + 2000, `rpm ${idle.rpm} -> ${maxRpm}`);
  assert.ok(maxGear >= 3, `gear ${maxGear}`);
  assert.equal(fast.throttle, 1);
  assert.ok(fast.distanceKm > 0.1 && fast.fuelUsedL > 0 && fast.avgSpeedKmh > 20);
  session.setInput(0, 1);
  drive(session, now, 8);
  assert.equal(session.state().speedKmh, 0);
  assert.throws(() => session.requestGear(8), /gear must be 0 \(automatic\) or 1-7/);
});

test('a profile-driven session refuses pedals', () => {
  const session = new CockpitSession({
    car: findCar('vw-golf-1-5-tsi'),
    driver: 'eco',
    startMs: START_MS,
  });
  assert.throws(() => session.setInput(1, 0), /driven by the eco profile/);
});

test('the coach warms up over the first ten seconds, then gives a verdict every second', () => {
  const session = new CockpitSession({
    car: findCar('vw-golf-1-5-tsi'),
    driver: 'aggressive',
    seed: 9,
    startMs: START_MS,
    model: engineStyleModel(throttleRuleModel('rule-9')),
  });
  const verdicts: VerdictMessage[] = [];
  let now = START_MS;
  for (let k = 0; k < 20 * 30; k++) {
    now += FRAME_MS;
    if (session.advanceTo(now)) verdicts.push(session.verdict);
  }
  assert.ok(verdicts.length >= 19 && verdicts.length <= 20, `${verdicts.length} verdicts in 20 s`);
  const warming = verdicts.filter((v) => v.status === 'warming-up');
  const ready = verdicts.filter((v) => v.status === 'ready');
  assert.ok(warming.length >= 9 && warming.length <= 12, `warm-up verdicts ${warming.length}`);
  for (let k = 1; k < warming.length; k++)
    assert.ok(warming[k]!.progress >= warming[k - 1]!.progress);
  assert.ok(ready.length >= 8);
  for (const v of ready) {
    assert.equal(v.progress, 1);
    assert.equal(v.modelVersion, 'rule-9');
    assert.ok(['aggressive', 'normal', 'eco', 'cautious'].includes(v.label!));
    assert.equal(v.aggressiveProbability, v.probabilities!['aggressive']);
    assert.equal(v.confidence, Math.max(...Object.values(v.probabilities!)));
  }
  // Verdicts are stamped on whole seconds of session time.
  for (const v of verdicts) assert.equal(v.t, Math.round(v.t));
});

test('the throttle rule sees an aggressive driver as more aggressive than an eco driver', () => {
  const meanAggressive = (driver: 'aggressive' | 'eco'): number => {
    const session = new CockpitSession({
      car: findCar('vw-golf-1-5-tsi'),
      driver,
      seed: 21,
      startMs: START_MS,
      model: engineStyleModel(throttleRuleModel()),
    });
    let sum = 0;
    let n = 0;
    drive(session, START_MS, 90, () => {
      const v = session.verdict;
      if (v.status === 'ready' && v.t > 0) {
        sum += v.aggressiveProbability!;
        n++;
      }
    });
    return sum / n;
  };
  const aggressive = meanAggressive('aggressive');
  const eco = meanAggressive('eco');
  assert.ok(aggressive > eco, `aggressive ${aggressive.toFixed(3)} vs eco ${eco.toFixed(3)}`);
});

test('without a model the coach says why; a model arriving later starts a warm-up', () => {
  const session = new CockpitSession({
    car: findCar('vw-tiguan-2-0-tdi'),
    driver: 'normal',
    startMs: START_MS,
    noModelReason: 'no model at models:/driving-style@production yet',
  });
  const now = drive(session, START_MS, 2);
  assert.equal(session.verdict.status, 'no-model');
  assert.match(session.verdict.message!, /no model at models:\/driving-style@production/);
  session.useModel(engineStyleModel(throttleRuleModel('late-1')));
  drive(session, now, 2);
  assert.equal(session.verdict.status, 'warming-up');
  assert.equal(session.verdict.modelVersion, 'late-1');
  assert.ok(session.takeEvents().some((e) => e.text === 'Driving-style model late-1 loaded'));
});

test('the event log: session start, engine stop and start, the redline', () => {
  const session = new CockpitSession({
    car: findCar('vw-golf-1-5-tsi'),
    driver: 'manual',
    seed: 2,
    startMs: START_MS,
  });
  assert.match(session.takeEvents()[0]!.text, /Session started: .*Golf.*manual driving/);
  session.requestGear(1);
  session.setInput(1, 0);
  const now = drive(session, START_MS, 6);
  const events = session.takeEvents();
  assert.ok(
    events.some((e) => e.level === 'warn' && /Over the redline/.test(e.text)),
    JSON.stringify(events),
  );
  session.setEngine(false);
  session.setEngine(false);
  drive(session, now, 1);
  assert.equal(session.state().engineOn, false);
  session.setEngine(true);
  assert.deepEqual(
    session
      .takeEvents()
      .map((e) => e.text)
      .filter((t) => t.startsWith('Engine')),
    ['Engine stopped', 'Engine started'],
  );
});

test('a stalled event loop catches up at most one second', () => {
  const session = new CockpitSession({
    car: findCar('vw-golf-1-5-tsi'),
    driver: 'normal',
    startMs: START_MS,
  });
  session.advanceTo(START_MS + 60_000);
  assert.equal(session.t, 1);
});

test('fleet monitor: per-second predictions, confusion matrix against the true profiles, rotation', () => {
  const fleet = new FleetMonitor({
    vehicles: 4,
    seed: 42,
    speed: 1,
    sessionSeconds: 30,
    startMs: START_MS,
  });
  const status: ModelStatus = { state: 'ready', uri: 'models:/test', version: 'rule-1' };
  fleet.useModel(engineStyleModel(throttleRuleModel()));
  const before = fleet.snapshot(status, true);
  assert.equal(
    new Set(before.vehicles.map((v) => v.trueProfile)).size,
    4,
    'mix covers every profile',
  );
  fleet.advanceTo(START_MS);
  for (let k = 1; k <= 25 * 5; k++) fleet.advanceTo(START_MS + k * 200);
  const mid = fleet.snapshot(status, true);
  assert.equal(mid.simulatedS, 25);
  assert.ok(mid.predictions >= 4 * 10, `predictions ${mid.predictions}`);
  const total = mid.confusion.flat().reduce((a, b) => a + b, 0);
  assert.equal(total, mid.predictions);
  const diagonal = mid.labels.reduce((sum, _label, k) => sum + mid.confusion[k]![k]!, 0);
  assert.equal(mid.accuracy, diagonal / mid.predictions);
  for (const v of mid.vehicles) {
    assert.ok(v.predicted !== null && v.confidence !== null);
    assert.equal(v.speedHistory.length, 25);
    assert.equal(v.aggressiveHistory.length, 25);
  }
  for (let k = 1; k <= 40 * 5; k++) fleet.advanceTo(START_MS + 25_000 + k * 200);
  const after = fleet.snapshot(status, true);
  assert.equal(after.vehicles[0]!.speedHistory.length, 60);
  assert.notEqual(
    after.vehicles[0]!.trueProfile,
    before.vehicles[0]!.trueProfile,
    'a new session, the next profile',
  );
  assert.ok(after.predictions > mid.predictions);
});

test('fleet monitor runs at its speed and pauses without catching up', () => {
  const fleet = new FleetMonitor({
    vehicles: 2,
    seed: 1,
    speed: 10,
    sessionSeconds: 120,
    startMs: START_MS,
  });
  fleet.advanceTo(START_MS);
  fleet.advanceTo(START_MS + 1000);
  assert.equal(fleet.simulatedS, 10);
  fleet.pause();
  fleet.advanceTo(START_MS + 600_000);
  fleet.advanceTo(START_MS + 600_500);
  assert.equal(fleet.simulatedS, 15);
});

test("the cockpit's driver choices are the simulator's profiles and manual", () => {
  assert.deepEqual(DRIVER_CHOICES, [...DRIVER_PROFILE_NAMES, 'manual']);
});

// The fleet scorer on the embedded log: simulated telemetry with hostile messages in a
// keyed topic; predictions equal to what gold and the model give for the same windows, one
// per session and second; skipped messages counted by reason; offsets committed; a model
// swapped by a ModelWatcher while running; graceful stop.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedLog } from '../../src/log/index.js';
import { FAULT_PRESETS } from '../../src/sim/index.js';
import { FEATURES } from '../../src/pipeline/gold/feature-spec.js';
import {
  FleetScorer,
  forestStyleModel,
  ModelSlot,
  ModelWatcher,
  PREDICTION_KIND,
  type PredictionMessage,
  type StyleModel,
} from '../../src/inference/index.js';
import {
  constantModel,
  engineReading,
  goldReference,
  predictRow,
  simulateLines,
  stumpModel,
  trainSmallForest,
  MAGNITUDE_FLOOR,
} from './support.js';

const NAMES = FEATURES.map((f) => f.name);

async function embeddedLog(t: TestContext, partitions = 3): Promise<EmbeddedLog> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-score-'));
  const log = new EmbeddedLog({ dir });
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  const admin = log.createAdmin();
  await admin.createTopic('telemetry', { partitions });
  await admin.close();
  return log;
}

async function produceLines(log: EmbeddedLog, lines: readonly string[]): Promise<void> {
  const producer = log.createProducer();
  try {
    const messages = lines.map((value) => ({
      key: /"vehicle_id":"([^"]+)"/.exec(value)?.[1] ?? 'unknown',
      value,
    }));
    for (let at = 0; at < messages.length; at += 5000)
      await producer.send('telemetry', messages.slice(at, at + 5000));
  } finally {
    await producer.close();
  }
}

async function readPredictions(
  log: EmbeddedLog,
  topic = 'predictions',
): Promise<PredictionMessage[]> {
  const consumer = log.createConsumer({
    groupId: `reader-${Math.random()}`,
    autoOffsetReset: 'earliest',
  });
  try {
    await consumer.subscribe([topic]);
    const out: PredictionMessage[] = [];
    for (let empty = 0; empty < 2;) {
      const messages = await consumer.poll({ timeoutMs: 300 });
      if (messages.length === 0) empty++;
      for (const m of messages) {
        const value = JSON.parse(m.value.toString('utf8')) as PredictionMessage;
        assert.equal(m.key?.toString(), value.vehicle_id, 'keyed by vehicle');
        out.push(value);
      }
    }
    return out;
  } finally {
    await consumer.close();
  }
}

const HOSTILE: [string, string][] = [
  ['', 'unparseable'],
  ['{"speed_kmh": 4', 'unparseable'],
  ['[1,2,3]', 'schema_violation'],
  ['{"schema_version":2,"event_type":"telemetry"}', 'unsupported_schema_version'],
  ['{"schema_version":1,"event_type":"telemetry"}', 'missing_field'],
];

test('available now: one prediction per session and second, equal to gold + model; hostile messages skipped', async (t) => {
  const log = await embeddedLog(t);
  const lines = await simulateLines({
    vehicles: 3,
    hz: 10,
    durationS: 40,
    seed: 8,
    faults: FAULT_PRESETS.heavy,
  });
  const bad = JSON.parse(lines.find((l) => l.includes('"telemetry"'))!) as {
    signals: Record<string, number>;
  };
  bad.signals.engine_rpm = -100;
  const hostile = [...HOSTILE, [JSON.stringify(bad), 'out_of_range'] as [string, string]];
  const mixed = [...lines];
  hostile.forEach(([text], k) => mixed.splice(100 + k * 300, 0, text));
  await produceLines(log, mixed);

  const model = stumpModel();
  const scorer = new FleetScorer({
    transport: log,
    topics: ['telemetry'],
    groupId: 'score',
    predictionsTopic: 'predictions',
    model: new ModelSlot(NAMES, model),
    availableNow: true,
    allowedLatenessS: 4,
    withFeatures: true,
  });
  const summary = await scorer.run();
  assert.equal(summary.reason, 'available-now');
  assert.equal(summary.messages, mixed.length);
  assert.equal(summary.invalid, hostile.length);
  for (const [, reason] of hostile)
    assert.ok(summary.invalidByReason[reason as keyof typeof summary.invalidByReason] > 0, reason);

  const predictions = await readPredictions(log);
  assert.equal(predictions.length, summary.predictions);
  const expected = engineReading(lines, { model, allowedLatenessS: 4 }).predictions;
  assert.equal(predictions.length, expected.size, 'the warm windows of every session');
  const gold = new Map(
    (await goldReference(lines)).map((row) => [`${row.sessionId}/${row.windowEnd}`, row]),
  );
  const seen = new Set<string>();
  for (const p of predictions) {
    assert.equal(p.schema_version, 1);
    assert.equal(p.kind, PREDICTION_KIND);
    assert.equal(p.model_version, 'stumps-1');
    const end = Date.parse(p.window_end) / 1000;
    const key = `${p.session_id}/${end}`;
    assert.ok(!seen.has(key), `one prediction per session and second: ${key} twice`);
    seen.add(key);
    const row = gold.get(key);
    assert.ok(row, `gold has the window ${key}`);
    assert.equal(p.window_seconds, row.windowSeconds);
    assert.equal(p.sample_count, row.sampleCount);
    for (const name of NAMES) {
      const x = row.features[name]!;
      const y = p.features![name];
      if (Number.isNaN(x)) assert.equal(y, null, name);
      else {
        const rel = Math.abs(x - y!) / Math.max(Math.abs(x), Math.abs(y!), MAGNITUDE_FLOOR);
        assert.ok(rel <= 1e-9, `${name} of ${key}: gold ${x}, scored ${y}`);
      }
    }
    const proba = predictRow(model, row);
    model.classes.forEach((c, k) => assert.equal(p.probabilities[c], proba[k], `${c} of ${key}`));
    assert.equal(p.aggressive_probability, p.probabilities.aggressive);
    assert.equal(p.confidence, p.probabilities[p.label]);
  }
  const metrics = await scorer.metrics.text();
  assert.match(metrics, new RegExp(`^pitwall_score_predictions_total ${predictions.length}$`, 'm'));
  assert.match(metrics, /^pitwall_score_invalid_messages_total\{reason="unparseable"\} 2$/m);
  assert.match(metrics, /^pitwall_score_model_info\{version="stumps-1"\} 1$/m);
  assert.match(metrics, /^pitwall_score_lag_records_sum 0$/m);

  // Offsets were committed: the same group finds nothing new.
  const again = await new FleetScorer({
    transport: log,
    topics: ['telemetry'],
    groupId: 'score',
    predictionsTopic: 'predictions',
    model: new ModelSlot(NAMES, model),
    availableNow: true,
  }).run();
  assert.equal(again.messages, 0);
  assert.equal(again.predictions, 0);
});

async function until(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('live: a ModelWatcher swaps the model mid-stream without a restart; abort stops gracefully', async (t) => {
  const log = await embeddedLog(t, 2);
  const lines = await simulateLines({
    vehicles: 2,
    hz: 10,
    durationS: 40,
    seed: 9,
    faults: FAULT_PRESETS.none,
  });
  const half = lines.findIndex((l) => l.includes('"event_time":"2026-01-05T08:00:20'));
  await produceLines(log, lines.slice(0, half));

  let published: { version: string; model: StyleModel } = {
    version: 'stumps-1',
    model: stumpModel(),
  };
  const slot = new ModelSlot(NAMES);
  const watcher = new ModelWatcher({
    slot,
    intervalMs: 100,
    resolve: () => {
      const now = published;
      return Promise.resolve({ version: now.version, load: () => Promise.resolve(now.model) });
    },
  });
  await watcher.start();
  t.after(() => watcher.stop());
  let predictions = 0;
  const scorer = new FleetScorer({
    transport: log,
    topics: ['telemetry'],
    groupId: 'live',
    predictionsTopic: 'predictions',
    model: slot,
    onProgress: (p) => (predictions = p.predictions),
  });
  const controller = new AbortController();
  const running = scorer.run(controller.signal);
  // First half: windows ending 10 … ~19 s for both vehicles (lateness 1 s holds the last).
  await until('predictions of the first half', () => predictions >= 2 * 9);
  published = { version: 'eco-2', model: constantModel('eco-2', 'eco') };
  await until('the swap', () => watcher.swaps === 2);
  const before = predictions;
  await produceLines(log, lines.slice(half));
  await until('predictions of the second half', () => predictions >= before + 2 * 15);
  controller.abort();
  const summary = await running;
  assert.equal(summary.reason, 'stopped');

  const messages = await readPredictions(log);
  assert.equal(messages.length, summary.predictions);
  for (const vehicle of ['VH-0001', 'VH-0002']) {
    const versions = messages.filter((m) => m.vehicle_id === vehicle).map((m) => m.model_version);
    const firstEco = versions.indexOf('eco-2');
    assert.ok(firstEco > 0, `${vehicle}: v1 first, then the swap (${versions.join(',')})`);
    assert.ok(
      versions.slice(firstEco).every((v) => v === 'eco-2'),
      `${vehicle}: never back`,
    );
  }
  assert.ok(messages.filter((m) => m.model_version === 'eco-2').every((m) => m.label === 'eco'));
  assert.match(await scorer.metrics.text(), /^pitwall_score_model_swaps_total 1$/m);
  assert.match(await scorer.metrics.text(), /^pitwall_score_model_info\{version="eco-2"\} 1$/m);
});

test('a failing model poll keeps the model in service and is reported', async () => {
  const slot = new ModelSlot(NAMES);
  const errors: unknown[] = [];
  let fail = false;
  const watcher = new ModelWatcher({
    slot,
    intervalMs: 100,
    resolve: () =>
      fail
        ? Promise.reject(new Error('registry down'))
        : Promise.resolve({ version: 'stumps-1', load: () => Promise.resolve(stumpModel()) }),
    onError: (error) => errors.push(error),
  });
  await watcher.start();
  fail = true;
  assert.equal(await watcher.check(), false);
  watcher.stop();
  assert.equal(slot.model?.version, 'stumps-1');
  assert.match(String(errors[0]), /registry down/);
  // Unchanged version: nothing is loaded again.
  fail = false;
  let loads = 0;
  const same = new ModelWatcher({
    slot,
    resolve: () =>
      Promise.resolve({ version: 'x', load: () => (loads++, Promise.resolve(stumpModel('x'))) }),
  });
  assert.equal(await same.check(), true);
  assert.equal(await same.check(), false);
  assert.equal(loads, 1);
  // A model that says another version than the registry published is refused.
  const liar = new ModelWatcher({
    slot,
    resolve: () => Promise.resolve({ version: 'y', load: () => Promise.resolve(stumpModel('z')) }),
  });
  await assert.rejects(
    liar.check({ rethrow: true }),
    /published version y but the model loaded says z/,
  );
  assert.equal(slot.model?.version, 'x');
});

test("batched scoring (the forest's predictProbaRows) gives the engine's per-row predictions", async (t) => {
  const log = await embeddedLog(t, 2);
  const training = await simulateLines({
    vehicles: 4,
    hz: 10,
    durationS: 30,
    seed: 31,
    faults: FAULT_PRESETS.none,
  });
  const model = forestStyleModel(await trainSmallForest(training, 3), 'forest-3');
  assert.equal(
    typeof model.predictProbaRows,
    'function',
    'the forest adapter scores rows in batches',
  );
  const lines = await simulateLines({
    vehicles: 3,
    hz: 10,
    durationS: 30,
    seed: 32,
    faults: FAULT_PRESETS.default,
  });
  await produceLines(log, lines);
  const summary = await new FleetScorer({
    transport: log,
    topics: ['telemetry'],
    groupId: 'batched',
    predictionsTopic: 'predictions',
    model: new ModelSlot(NAMES, model),
    availableNow: true,
  }).run();
  const messages = await readPredictions(log);
  assert.equal(messages.length, summary.predictions);
  const expected = engineReading(lines, { model }).predictions;
  assert.equal(messages.length, expected.size);
  for (const m of messages) {
    const e = expected.get(`${m.session_id}/${Date.parse(m.window_end) / 1000}`);
    assert.ok(e, `${m.session_id} @ ${m.window_end}`);
    assert.deepEqual(m.probabilities, e.probabilities);
    assert.equal(m.label, e.label);
  }
});

test('a session that goes quiet is flushed after idleSessionMs: its last windows are scored', async (t) => {
  const log = await embeddedLog(t, 1);
  const lines = (
    await simulateLines({
      vehicles: 1,
      hz: 10,
      durationS: 15,
      seed: 41,
      faults: FAULT_PRESETS.none,
    })
  ).filter((line) => !line.includes('"session_end"'));
  await produceLines(log, lines);
  const model = stumpModel();
  const expected = engineReading(lines, { model }).predictions.size;
  let predictions = 0;
  const scorer = new FleetScorer({
    transport: log,
    topics: ['telemetry'],
    groupId: 'idle',
    predictionsTopic: 'predictions',
    model: new ModelSlot(NAMES, model),
    idleSessionMs: 300,
    onProgress: (p) => (predictions = p.predictions),
  });
  const controller = new AbortController();
  const running = scorer.run(controller.signal);
  // Without the flush, the last second (and the lateness second) would stay open.
  await until('the idle flush', () => predictions === expected);
  controller.abort();
  const summary = await running;
  assert.equal(summary.predictions, expected);
  assert.equal(summary.sessions, 0);
  assert.equal((await readPredictions(log)).length, expected);
});

// `pitwall score` against a real Apache Kafka broker: simulated telemetry (with hostile
// messages) in a keyed topic, scored by the CLI as a consumer group with --available-now;
// the predictions topic holds one prediction per session and second — the same windows the
// engine gives on the same lines — and the group's offsets are committed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { KafkaTransport } from '../../src/log/kafka/kafka-transport.js';
import { FAULT_PRESETS } from '../../src/sim/index.js';
import type { PredictionMessage } from '../../src/inference/index.js';
import { forestStyleModel } from '../../src/inference/index.js';
import { collect, spawnCli } from '../cli/helpers.js';
import { engineReading, simulateLines, trainSmallForest } from '../inference/support.js';
import { releaseBroker, requireBroker, testSettings } from './broker.js';

after(() => releaseBroker());

test('pitwall score --source kafka --available-now: predictions per session and second, offsets committed', async (t) => {
  const broker = await requireBroker(t);
  if (broker === undefined) return;
  const suffix = randomUUID().slice(0, 8);
  const input = `telemetry-score-${suffix}`;
  const output = `predictions-score-${suffix}`;
  const group = `score-${suffix}`;
  const transport = new KafkaTransport(testSettings(broker.brokers));
  const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-score-kafka-'));
  const admin = transport.createAdmin();
  t.after(async () => {
    for (const topic of [input, output]) await admin.deleteTopic(topic).catch(() => undefined);
    await admin.close();
    await transport.close();
    await rm(dir, { recursive: true, force: true });
  });

  // A model trained on another seed than the one scored.
  const training = await simulateLines({
    vehicles: 4,
    hz: 10,
    durationS: 30,
    seed: 404,
    faults: FAULT_PRESETS.none,
  });
  const forest = await trainSmallForest(training, 7);
  const modelFile = path.join(dir, 'style.pwrf');
  await forest.save(modelFile);

  const lines = await simulateLines({
    vehicles: 3,
    hz: 10,
    durationS: 30,
    seed: 405,
    faults: FAULT_PRESETS.default,
  });
  await admin.createTopic(input, { partitions: 3 });
  const producer = transport.createProducer();
  await producer.send(input, [
    ...lines.map((value) => ({ key: /"vehicle_id":"([^"]+)"/.exec(value)![1]!, value })),
    { key: 'VH-0001', value: '{"schema_version":1,"event_type":"telemetry"' },
  ]);
  await producer.close();

  const result = await collect(
    spawnCli([
      'score',
      '--source',
      'kafka',
      '--brokers',
      broker.brokers,
      '--topic',
      input,
      '--predictions-topic',
      output,
      '--group',
      group,
      '--model-file',
      modelFile,
      '--available-now',
      '--session-timeout-ms',
      '6000',
    ]),
    120_000,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /score: done \(available now\): .* predictions .*skipped 1 unparseable/,
  );

  const consumer = transport.createConsumer({
    groupId: `reader-${suffix}`,
    autoOffsetReset: 'earliest',
  });
  const predictions: PredictionMessage[] = [];
  try {
    await consumer.subscribe([output]);
    for (let empty = 0; empty < 3;) {
      const batch = await consumer.poll({ timeoutMs: 1000 });
      if (batch.length === 0) empty++;
      for (const m of batch) {
        const p = JSON.parse(m.value.toString()) as PredictionMessage;
        assert.equal(m.key?.toString(), p.vehicle_id);
        predictions.push(p);
      }
    }
  } finally {
    await consumer.close();
  }
  const expected = engineReading(lines, { model: forestStyleModel(forest, 'x') }).predictions;
  const keys = predictions.map((p) => `${p.session_id}/${Date.parse(p.window_end) / 1000}`);
  assert.equal(new Set(keys).size, keys.length, 'one prediction per session and second');
  assert.deepEqual(new Set(keys), new Set(expected.keys()));
  for (const p of predictions) {
    const e = expected.get(`${p.session_id}/${Date.parse(p.window_end) / 1000}`)!;
    assert.equal(p.label, e.label);
    assert.deepEqual(p.probabilities, e.probabilities);
  }
  const described = await admin.describeGroup(group);
  const committed = described.offsets.filter((o) => o.topic === input);
  assert.equal(committed.length, 3);
  assert.ok(
    committed.every((o) => o.lag === 0),
    JSON.stringify(committed),
  );
});

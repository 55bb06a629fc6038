// `pitwall score` from the command line: option checks and one-line errors; an available-now
// run with a real forest file; a model folder; a registry alias resolved through the
// MLflow file store, moved while the service runs and picked up without a restart; SIGTERM.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { EmbeddedLog } from '../../src/log/index.js';
import { FAULT_PRESETS } from '../../src/sim/index.js';
import { MODEL_FORMAT_VERSION, type RandomForestClassifier } from '../../src/ml/forest/index.js';
import { openTracking } from '../../src/ml/tracking/index.js';
import { openRegistry } from '../../src/ml/registry/index.js';
import type { PredictionMessage } from '../../src/inference/index.js';
import { assertOneLineError, collect, runMain, spawnCli } from '../cli/helpers.js';
import { simulateLines, trainSmallForest } from './support.js';

interface Workspace {
  readonly dir: string;
  readonly logDir: string;
  readonly log: EmbeddedLog;
}

async function workspace(t: TestContext): Promise<Workspace> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-score-cli-'));
  const logDir = path.join(dir, 'log');
  const log = new EmbeddedLog({ dir: logDir });
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  const admin = log.createAdmin();
  await admin.createTopic('telemetry', { partitions: 2 });
  await admin.close();
  return { dir, logDir, log };
}

async function produce(log: EmbeddedLog, lines: readonly string[]): Promise<void> {
  const producer = log.createProducer();
  try {
    await producer.send(
      'telemetry',
      lines.map((value) => ({ key: /"vehicle_id":"([^"]+)"/.exec(value)?.[1] ?? 'x', value })),
    );
  } finally {
    await producer.close();
  }
}

async function predictions(log: EmbeddedLog): Promise<PredictionMessage[]> {
  const consumer = log.createConsumer({
    groupId: `r-${Math.random()}`,
    autoOffsetReset: 'earliest',
  });
  try {
    await consumer.subscribe(['predictions']);
    const out: PredictionMessage[] = [];
    for (let empty = 0; empty < 2;) {
      const batch = await consumer.poll({ timeoutMs: 300 });
      if (batch.length === 0) empty++;
      for (const m of batch) out.push(JSON.parse(m.value.toString()) as PredictionMessage);
    }
    return out;
  } finally {
    await consumer.close();
  }
}

// Two small forests trained once for the whole file, on a seed never scored below.
let forests: Promise<[RandomForestClassifier, RandomForestClassifier]> | undefined;
function trainedForests(): Promise<[RandomForestClassifier, RandomForestClassifier]> {
  forests ??= (async () => {
    const lines = await simulateLines({
      vehicles: 8,
      hz: 10,
      durationS: 40,
      seed: 101,
      faults: FAULT_PRESETS.none,
    });
    return Promise.all([trainSmallForest(lines, 1), trainSmallForest(lines, 2)]);
  })();
  return forests;
}

describe('pitwall score options', () => {
  const cases: [string[], RegExp][] = [
    [['--source', 'kafkaa'], /--source must be one of local, kafka/],
    [['--allowed-lateness', '61'], /--allowed-lateness must be an integer between 0 and 60/],
    [['--warmup-seconds', '0'], /--warmup-seconds must be an integer between 1 and 10/],
    [
      ['--model', 'models:/a@b', '--model-file', 'm.pwrf'],
      /give --model or --model-file, not both/,
    ],
    [['--model-file', 'm.pwrf', '--tracking-uri', 'mlruns'], /--tracking-uri needs --model/],
    [
      ['--predictions-topic', 'telemetry'],
      /--predictions-topic telemetry is also an input --topic/,
    ],
    [['--model-poll', 'soon'], /--model-poll must be a duration/],
    [['--idle-session', '0.5'], /--idle-session must be at least 1s/],
    [['--group', 'a b'], /--group must be letters/],
    [['--metrics-host', '0.0.0.0'], /--metrics-host needs --metrics-port/],
    [['--brokers', 'localhost:9092'], /--brokers needs --source kafka/],
    [['--bogus'], /unknown option '--bogus'/],
  ];
  for (const [args, pattern] of cases) {
    test(`refuses ${args.join(' ')}`, async () => {
      assertOneLineError(await runMain(['score', ...args]), 2, pattern);
    });
  }

  test('a missing log, model file or registry model is a one-line failure', async (t) => {
    const ws = await workspace(t);
    assertOneLineError(
      await runMain(['score', '--log-dir', path.join(ws.dir, 'nope'), '--model-file', 'x']),
      1,
      /no embedded log in .*nope/,
    );
    assertOneLineError(
      await runMain([
        'score',
        '--log-dir',
        ws.logDir,
        '--model-file',
        path.join(ws.dir, 'none.pwrf'),
      ]),
      1,
      /cannot read model file .*none\.pwrf/,
    );
    assertOneLineError(
      await runMain([
        'score',
        '--log-dir',
        ws.logDir,
        '--tracking-uri',
        path.join(ws.dir, 'mlruns'),
        '--available-now',
      ]),
      1,
      /driving-style/,
    );
  });
});

describe('pitwall score runs', () => {
  test('--available-now with a forest file: predictions, metrics file, one summary line', async (t) => {
    const ws = await workspace(t);
    const [forest] = await trainedForests();
    const modelFile = path.join(ws.dir, 'style.pwrf');
    await forest.save(modelFile);
    const lines = await simulateLines({
      vehicles: 3,
      hz: 10,
      durationS: 30,
      seed: 202,
      faults: FAULT_PRESETS.default,
    });
    await produce(ws.log, [...lines, 'not json']);
    const metricsFile = path.join(ws.dir, 'score.prom');
    const result = await runMain([
      'score',
      '--log-dir',
      ws.logDir,
      '--model-file',
      modelFile,
      '--available-now',
      '--metrics-file',
      metricsFile,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /score: skipped telemetry\/\d@\d+: unparseable/);
    const summary =
      /score: done \(available now\): ([\d,]+) samples, ([\d,]+) predictions .*skipped 1 unparseable/.exec(
        result.stderr,
      );
    assert.ok(summary, result.stderr);
    const written = await predictions(ws.log);
    assert.equal(written.length, Number(summary[2]!.replace(/,/g, '')));
    // 3 sessions of 30 s: warm from the 10th second on, flushed at the session end.
    assert.ok(written.length >= 3 * 18, `${written.length} predictions`);
    assert.ok(written.every((p) => /^sha256:[0-9a-f]{12}$/.test(p.model_version)));
    assert.ok(written.every((p) => forest.classes.includes(p.label)));
    assert.equal(written[0]!.features, undefined, 'features only with --with-features');
    const metrics = await readFile(metricsFile, 'utf8');
    assert.match(metrics, new RegExp(`^pitwall_score_predictions_total ${written.length}$`, 'm'));
    assert.match(metrics, /^pitwall_score_invalid_messages_total\{reason="unparseable"\} 1$/m);
  });

  test('--model names a model folder (MLmodel with the pitwall flavor)', async (t) => {
    const ws = await workspace(t);
    const [forest] = await trainedForests();
    const tracking = await openTracking({ trackingUri: path.join(ws.dir, 'mlruns') });
    const file = path.join(ws.dir, 'style.pwrf');
    await forest.save(file);
    let folder = '';
    try {
      await tracking.withRun({ runName: 'folder' }, async (run) => {
        await run.logModel({ modelFile: file, formatVersion: MODEL_FORMAT_VERSION });
        folder = path.join(ws.dir, 'mlruns', '0', run.runId, 'artifacts', 'model');
      });
    } finally {
      tracking.close();
    }
    await produce(
      ws.log,
      await simulateLines({
        vehicles: 1,
        hz: 10,
        durationS: 15,
        seed: 3,
        faults: FAULT_PRESETS.none,
      }),
    );
    const result = await runMain([
      'score',
      '--log-dir',
      ws.logDir,
      '--model',
      folder,
      '--available-now',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const written = await predictions(ws.log);
    assert.ok(written.length >= 5);
    assert.ok(written.every((p) => p.model_version.startsWith('sha256:')));
  });

  test('models:/driving-style@production: the alias moves while scoring, the service follows; SIGTERM stops it', async (t) => {
    const ws = await workspace(t);
    const [v1, v2] = await trainedForests();
    const mlruns = path.join(ws.dir, 'mlruns');
    const tracking = await openTracking({ trackingUri: mlruns });
    const registry = await openRegistry({ trackingUri: mlruns });
    t.after(() => {
      tracking.close();
      registry.close();
    });
    for (const [k, forest] of [v1, v2].entries()) {
      const file = path.join(ws.dir, `style-${k + 1}.pwrf`);
      await forest.save(file);
      await tracking.withRun({ runName: `forest-${k + 1}` }, async (run) => {
        const logged = await run.logModel({ modelFile: file, formatVersion: MODEL_FORMAT_VERSION });
        await registry.createModelVersion({
          name: 'driving-style',
          source: logged.source,
          runId: run.runId,
        });
      });
    }
    await registry.setAlias('driving-style', 'production', 1);
    const lines = await simulateLines({
      vehicles: 2,
      hz: 10,
      durationS: 60,
      seed: 303,
      faults: FAULT_PRESETS.none,
    });
    const half = lines.findIndex((l) => l.includes('"event_time":"2026-01-05T08:00:30'));
    await produce(ws.log, lines.slice(0, half));

    const child = spawnCli([
      'score',
      '--log-dir',
      ws.logDir,
      '--tracking-uri',
      mlruns,
      '--model-poll',
      '1s',
      '--metrics-port',
      '0',
    ]);
    const done = collect(child, 60_000);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const waitFor = async (what: string, test: () => boolean | Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!(await test())) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; stderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await waitFor('the start line', () =>
      /model driving-style\/1 \(models:\/driving-style@production\)/.test(stderr),
    );
    const url = /metrics at (http:\S+)/.exec(stderr)![1]!;
    const metric = async (pattern: RegExp): Promise<boolean> =>
      pattern.test(await (await fetch(url)).text());
    await waitFor('predictions of the first half', () =>
      metric(/^pitwall_score_predictions_total [1-9]\d+$/m),
    );
    await registry.setAlias('driving-style', 'production', 2);
    await waitFor('the swap', () =>
      /model driving-style\/1 -> driving-style\/2 \(swapped without a restart\)/.test(stderr),
    );
    await produce(ws.log, lines.slice(half));
    await waitFor('predictions by version 2', async () =>
      (await predictions(ws.log)).some((p) => p.model_version === 'driving-style/2'),
    );
    assert.ok(await metric(/^pitwall_score_model_swaps_total 1$/m));
    child.kill('SIGTERM');
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /score: stopped by SIGTERM: [\d,]+ samples, [\d,]+ predictions/);
    const written = await predictions(ws.log);
    for (const vehicle of ['VH-0001', 'VH-0002']) {
      const versions = written.filter((p) => p.vehicle_id === vehicle).map((p) => p.model_version);
      const swap = versions.indexOf('driving-style/2');
      assert.ok(swap > 0, `${vehicle}: ${versions.join(',')}`);
      assert.ok(versions.slice(0, swap).every((v) => v === 'driving-style/1'));
      assert.ok(versions.slice(swap).every((v) => v === 'driving-style/2'));
    }
  });
});

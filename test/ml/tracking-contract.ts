// The behaviour every tracking backend and its registry must show, as one suite: the file
// store runs it in `npm test`, a real `mlflow server` runs it in the interop suite
// (test/interop/mlflow.test.ts). Each test uses names of its own, so the suite can share a
// server with other tests.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { ERROR_CODES, TrackingError, type TrackingErrorCode } from '../../src/errors.js';
import type { ModelRegistry } from '../../src/ml/registry/index.js';
import { resolveModel } from '../../src/ml/registry/index.js';
import type { Tracking } from '../../src/ml/tracking/index.js';

export interface ContractBackend {
  readonly tracking: Tracking;
  readonly registry: ModelRegistry;
  /** What `openTracking`/`resolveModel` take to reach the same store. */
  readonly trackingUri: string;
  readonly env: NodeJS.ProcessEnv;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function rejectsWith(
  promise: Promise<unknown>,
  code: TrackingErrorCode,
  pattern?: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TrackingError, `expected a TrackingError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern !== undefined) assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/, 'one-line message');
    return true;
  });
}

/** Every file below `dir` as relative path → content. */
export async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else out[child] = await readFile(path.join(dir, child), 'utf8');
    }
  };
  await walk('');
  return out;
}

/** Registers the shared tests; `backend()` gives the backend under test (opened once by the caller). */
export function trackingContract(backend: () => ContractBackend): void {
  test('experiments: get-or-create is idempotent, names are unique, unknown names are undefined', async () => {
    const { tracking } = backend();
    const name = uniqueName('contract-exp');
    assert.equal(await tracking.getExperimentByName(name), undefined);
    const created = await tracking.getOrCreateExperiment(name, { tags: { owner: 'pitwall' } });
    assert.equal(created.name, name);
    assert.equal(created.lifecycleStage, 'active');
    assert.match(created.experimentId, /^\d+$/);
    assert.deepEqual(created.tags, { owner: 'pitwall' });
    const again = await tracking.getOrCreateExperiment(name);
    assert.equal(again.experimentId, created.experimentId);
    assert.equal((await tracking.getExperiment(created.experimentId)).name, name);
    await rejectsWith(tracking.store.createExperiment(name), ERROR_CODES.trackingAlreadyExists);
    assert.ok(
      (await tracking.listExperiments()).some((e) => e.experimentId === created.experimentId),
    );
  });

  test('a run: params, metrics with steps, tags, end status; the latest metric is the highest step', async () => {
    const { tracking } = backend();
    const experiment = await tracking.getOrCreateExperiment(uniqueName('contract-run'));
    const run = await tracking.startRun({
      experimentId: experiment.experimentId,
      runName: 'forest-300',
      tags: { team: 'pit', 'mlflow.source.name': 'pitwall train' },
      startTime: 1_700_000_000_000,
    });
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(run.info.runName, 'forest-300');
    assert.equal(run.info.experimentId, experiment.experimentId);
    await run.logParams({
      n_estimators: 300,
      max_depth: 12,
      class_weight: 'balanced',
      bootstrap: true,
    });
    await run.logMetrics([
      { key: 'loss', value: 0.9, step: 0, timestamp: 1_700_000_000_100 },
      { key: 'loss', value: 0.4, step: 2, timestamp: 1_700_000_000_300 },
      { key: 'loss', value: 0.6, step: 1, timestamp: 1_700_000_000_200 },
      { key: 'per_class/aggressive/f1', value: 0.875, step: 5, timestamp: 1_700_000_000_400 },
    ]);
    await run.logMetric('accuracy', 0.93);
    await run.setTags({ 'mlflow.note.content': 'first forest', stage: 'dev' });
    const ended = await run.end('FINISHED');
    assert.equal(ended.status, 'FINISHED');
    assert.ok(ended.endTime !== undefined && ended.endTime >= 1_700_000_000_000);

    const stored = await tracking.getRun(run.runId);
    assert.equal(stored.info.runId, run.runId);
    assert.equal(stored.info.runName, 'forest-300');
    assert.equal(stored.info.status, 'FINISHED');
    assert.equal(stored.info.startTime, 1_700_000_000_000);
    assert.deepEqual(stored.data.params, {
      n_estimators: '300',
      max_depth: '12',
      class_weight: 'balanced',
      bootstrap: 'true',
    });
    const latest = Object.fromEntries(stored.data.metrics.map((m) => [m.key, [m.value, m.step]]));
    assert.deepEqual(latest['loss'], [0.4, 2]);
    assert.deepEqual(latest['per_class/aggressive/f1'], [0.875, 5]);
    assert.deepEqual(latest['accuracy'], [0.93, 0]);
    assert.equal(stored.data.tags['team'], 'pit');
    assert.equal(stored.data.tags['stage'], 'dev');
    assert.equal(stored.data.tags['mlflow.runName'], 'forest-300');
    assert.equal(stored.data.tags['mlflow.source.name'], 'pitwall train');
    assert.equal(stored.data.tags['mlflow.source.type'], 'LOCAL');
    assert.ok((stored.data.tags['mlflow.user'] ?? '') !== '');

    // Stores differ in the order they return a history (file order, or by timestamp).
    const history = (await tracking.getMetricHistory(run.runId, 'loss')).sort(
      (a, b) => a.timestamp - b.timestamp,
    );
    assert.deepEqual(
      history.map((m) => [m.step, m.value, m.timestamp]),
      [
        [0, 0.9, 1_700_000_000_100],
        [1, 0.6, 1_700_000_000_200],
        [2, 0.4, 1_700_000_000_300],
      ],
    );
    const runs = await tracking.searchRuns([experiment.experimentId]);
    assert.deepEqual(
      runs.map((r) => r.info.runId),
      [run.runId],
    );
  });

  test('params are immutable; bad keys and unknown runs fail with their codes', async () => {
    const { tracking } = backend();
    const run = await tracking.startRun({ experimentName: uniqueName('contract-bad') });
    await run.logParam('depth', 12);
    await run.logParam('depth', '12');
    await rejectsWith(run.logParam('depth', 13), ERROR_CODES.trackingInvalidArgument, /depth/);
    for (const key of ['../escape', '/abs', 'a//b', 'semi;colon', '']) {
      await rejectsWith(run.logMetric(key, 1), ERROR_CODES.trackingInvalidArgument);
    }
    await rejectsWith(
      run.logMetric('ok', 1, { step: 1.5 }),
      ERROR_CODES.trackingInvalidArgument,
      /step/,
    );
    await rejectsWith(
      tracking.getRun('0123456789abcdef0123456789abcdef'),
      ERROR_CODES.trackingNotFound,
    );
    await rejectsWith(tracking.getRun('not a run id'), ERROR_CODES.trackingInvalidArgument);
    assert.deepEqual((await tracking.getRun(run.runId)).data.params, { depth: '12' });
    await run.end('KILLED');
    assert.equal((await tracking.getRun(run.runId)).info.status, 'KILLED');
  });

  test('artifacts: a file, a folder and a model round-trip byte for byte', async () => {
    const { tracking } = backend();
    const local = await mkdtemp(path.join(os.tmpdir(), 'pitwall-contract-'));
    await writeFile(path.join(local, 'confusion matrix.svg'), '<svg>cm</svg>');
    await mkdir(path.join(local, 'plots', 'deep'), { recursive: true });
    await writeFile(path.join(local, 'plots', 'importance.svg'), '<svg>fi</svg>');
    await writeFile(path.join(local, 'plots', 'deep', 'roc.json'), '{"auc":0.97}');
    const modelFile = path.join(local, 'forest.json');
    await writeFile(modelFile, JSON.stringify({ format: 1, trees: [[1, 2, 3]] }));

    const run = await tracking.startRun({ experimentName: uniqueName('contract-art') });
    await run.logArtifact(path.join(local, 'confusion matrix.svg'));
    await run.logArtifacts(path.join(local, 'plots'), 'plots');
    const model = await run.logModel({
      modelFile,
      formatVersion: 1,
      flavorFields: { classes: 'aggressive,normal,eco,cautious' },
      signature: { inputs: [{ name: 'speed_mean_kmh', type: 'double' }] },
    });
    await run.end();
    assert.equal(model.modelUri, `runs:/${run.runId}/model`);
    assert.equal(model.source, `${run.artifactUri}/model`);

    const top = await tracking.listArtifacts(run.runId);
    assert.deepEqual(
      top.map((a) => [a.path, a.isDir]),
      [
        ['confusion matrix.svg', false],
        ['model', true],
        ['plots', true],
      ],
    );
    assert.equal(top[0]!.fileSize, '<svg>cm</svg>'.length);
    assert.deepEqual(
      (await tracking.listArtifacts(run.runId, 'plots')).map((a) => a.path),
      ['plots/deep', 'plots/importance.svg'],
    );
    assert.deepEqual(await tracking.listArtifacts(run.runId, 'nothing-here'), []);

    const dest = await mkdtemp(path.join(os.tmpdir(), 'pitwall-contract-dl-'));
    const plots = await tracking.downloadArtifacts(run.runId, 'plots', dest);
    assert.deepEqual(await filesOf(plots), {
      'importance.svg': '<svg>fi</svg>',
      'deep/roc.json': '{"auc":0.97}',
    });
    const one = await tracking.downloadArtifacts(run.runId, 'confusion matrix.svg', dest);
    assert.equal(await readFile(one, 'utf8'), '<svg>cm</svg>');
    await rejectsWith(
      tracking.downloadArtifacts(run.runId, 'missing.txt', dest),
      ERROR_CODES.trackingNotFound,
    );

    const modelDir = await tracking.downloadArtifacts(run.runId, 'model', dest);
    const files = await filesOf(modelDir);
    assert.deepEqual(Object.keys(files).sort(), ['MLmodel', 'forest.json']);
    assert.equal(files['forest.json'], await readFile(modelFile, 'utf8'));
    const mlmodel = YAML.parse(files['MLmodel']!) as Record<string, unknown>;
    assert.deepEqual(mlmodel['flavors'], {
      pitwall: {
        classes: 'aggressive,normal,eco,cautious',
        model_file: 'forest.json',
        format_version: 1,
      },
    });
    assert.equal(mlmodel['run_id'], run.runId);
    assert.equal(mlmodel['artifact_path'], 'model');
  });

  test('registry: versions, aliases, tags; models:/ and runs:/ URIs resolve to the model folder', async () => {
    const { tracking, registry, trackingUri, env } = backend();
    const name = uniqueName('contract-model');
    const local = await mkdtemp(path.join(os.tmpdir(), 'pitwall-contract-model-'));
    const sources: string[] = [];
    const runIds: string[] = [];
    for (const n of [1, 2]) {
      const modelFile = path.join(local, `forest-${n}.json`);
      await writeFile(modelFile, `{"model":${n}}`);
      const run = await tracking.startRun({ experimentName: uniqueName('contract-reg') });
      const logged = await run.logModel({ modelFile, formatVersion: 1 });
      await run.end();
      sources.push(logged.source);
      runIds.push(run.runId);
    }
    await rejectsWith(registry.getRegisteredModel(name), ERROR_CODES.trackingNotFound);
    const v1 = await registry.createModelVersion({
      name,
      source: sources[0]!,
      runId: runIds[0]!,
      tags: { trained_on: 'gold@v7' },
    });
    const v2 = await registry.createModelVersion({ name, source: sources[1]!, runId: runIds[1]! });
    assert.equal(v1.version, 1);
    assert.equal(v2.version, 2);
    assert.equal(v1.source, sources[0]);
    assert.equal(v1.runId, runIds[0]);
    assert.equal(v1.status, 'READY');
    assert.deepEqual(v1.tags, { trained_on: 'gold@v7' });

    await registry.setAlias(name, 'production', 1);
    await registry.setAlias(name, 'champion', 2);
    assert.equal((await registry.getVersionByAlias(name, 'production')).version, 1);
    await registry.setAlias(name, 'production', 2);
    const prod = await registry.getVersionByAlias(name, 'production');
    assert.equal(prod.version, 2);
    assert.deepEqual(prod.aliases, ['champion', 'production']);
    assert.equal((await registry.getVersionByAlias(name, 'latest')).version, 2);
    await registry.deleteAlias(name, 'champion');
    await rejectsWith(
      registry.getVersionByAlias(name, 'champion'),
      ERROR_CODES.trackingNotFound,
      /champion/,
    );
    await rejectsWith(registry.setAlias(name, 'production', 9), ERROR_CODES.trackingNotFound);
    await rejectsWith(registry.setAlias(name, 'v2', 2), ERROR_CODES.trackingInvalidArgument);
    await rejectsWith(registry.setAlias(name, 'latest', 2), ERROR_CODES.trackingInvalidArgument);

    await registry.setRegisteredModelTag(name, 'task', 'driving-style');
    await registry.setModelVersionTag(name, 2, 'validated', 'true');
    const model = await registry.getRegisteredModel(name);
    assert.deepEqual(model.aliases, { production: 2 });
    assert.equal(model.latestVersion, 2);
    assert.deepEqual(model.tags, { task: 'driving-style' });
    assert.deepEqual((await registry.getModelVersion(name, 2)).tags, { validated: 'true' });
    const versions = await registry.listModelVersions(name);
    assert.deepEqual(
      versions.map((v) => [v.version, v.aliases]),
      [
        [2, ['production']],
        [1, []],
      ],
    );
    assert.ok((await registry.listRegisteredModels()).some((m) => m.name === name));

    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'pitwall-contract-cache-'));
    for (const [uri, expected] of [
      [`models:/${name}@production`, '{"model":2}'],
      [`models:/${name}/1`, '{"model":1}'],
      [`models:/${name}/latest`, '{"model":2}'],
      [`runs:/${runIds[0]!}/model`, '{"model":1}'],
    ] as const) {
      const resolved = await resolveModel(uri, { trackingUri, env, cacheDir });
      const files = await filesOf(resolved.localDir);
      const modelFile = Object.keys(files).find((f) => f.startsWith('forest-'));
      assert.equal(modelFile === undefined ? undefined : files[modelFile], expected, uri);
      assert.ok('MLmodel' in files, `${uri}: MLmodel`);
    }
    await rejectsWith(
      resolveModel(`models:/${name}@staging`, { trackingUri, env, cacheDir }),
      ERROR_CODES.trackingNotFound,
    );
  });
}

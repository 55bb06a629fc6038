// The file store: the shared tracking contract, then the exact on-disk layout MLflow's
// FileStore reads (meta.yaml fields, metric lines, key files, artifacts, MLmodel), and
// reading a store laid out the way MLflow itself writes it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { ERROR_CODES } from '../../src/errors.js';
import { openRegistry } from '../../src/ml/registry/index.js';
import { FileTrackingStore, openTracking, type Tracking } from '../../src/ml/tracking/index.js';
import { rejectsWith, trackingContract, type ContractBackend } from './tracking-contract.js';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'pitwall-tracking-'));
}

function yamlOf(text: string): Record<string, unknown> {
  // PyYAML reads MLflow's files with YAML 1.1 rules; so do we here.
  return YAML.parse(text, { version: '1.1' }) as Record<string, unknown>;
}

describe('file store: shared tracking contract', () => {
  let backend: ContractBackend | undefined;
  let root = '';
  before(async () => {
    root = path.join(await tempDir(), 'mlruns');
    const env = {};
    backend = {
      tracking: await openTracking({ trackingUri: root, env }),
      registry: await openRegistry({ trackingUri: root, env }),
      trackingUri: root,
      env,
    };
  });
  after(async () => {
    backend?.tracking.close();
    backend?.registry.close();
    await rm(path.dirname(root), { recursive: true, force: true });
  });
  trackingContract(() => backend!);
});

describe('file store: the layout MLflow reads', () => {
  let dir = '';
  let root = '';
  let tracking: Tracking;
  before(async () => {
    dir = await tempDir();
    root = path.join(dir, 'mlruns');
    tracking = await openTracking({ trackingUri: `file://${root}`, env: {} });
  });
  after(async () => {
    tracking.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a new store has .trash and the default experiment 0 as MLflow creates it', async () => {
    assert.ok(existsSync(path.join(root, '.trash')));
    const meta = yamlOf(await readFile(path.join(root, '0', 'meta.yaml'), 'utf8'));
    assert.deepEqual(Object.keys(meta).sort(), [
      'artifact_location',
      'creation_time',
      'effective_trace_archival_retention',
      'experiment_id',
      'last_update_time',
      'lifecycle_stage',
      'name',
      'trace_location',
      'workspace',
    ]);
    assert.equal(meta['experiment_id'], '0', 'experiment_id is a string');
    assert.equal(meta['name'], 'Default');
    assert.equal(meta['lifecycle_stage'], 'active');
    assert.equal(meta['artifact_location'], `file://${root}/0`);
    assert.equal(typeof meta['creation_time'], 'number');
    // Opening again keeps the default experiment as it was.
    const before = await readFile(path.join(root, '0', 'meta.yaml'), 'utf8');
    await FileTrackingStore.open(root);
    assert.equal(await readFile(path.join(root, '0', 'meta.yaml'), 'utf8'), before);
  });

  test('a run: meta.yaml fields, one file per param and tag, metric lines "timestamp value step"', async () => {
    const experiment = await tracking.getOrCreateExperiment('layout', {
      tags: { 'mlflow.note.content': 'yes' },
    });
    assert.match(experiment.experimentId, /^[1-9]\d{17}$/, '18 digits, like MLflow ids');
    const expDir = path.join(root, experiment.experimentId);
    assert.equal(await readFile(path.join(expDir, 'tags', 'mlflow.note.content'), 'utf8'), 'yes');

    const run = await tracking.startRun({
      experimentId: experiment.experimentId,
      runName: 'r1',
      startTime: 1_700_000_000_000,
    });
    assert.match(run.runId, /^[0-9a-f]{32}$/);
    const runDir = path.join(expDir, run.runId);
    for (const sub of ['metrics', 'params', 'tags', 'artifacts']) {
      assert.ok(
        existsSync(path.join(runDir, sub)),
        `${sub}/ exists (MLflow skips run folders without it)`,
      );
    }
    let meta = yamlOf(await readFile(path.join(runDir, 'meta.yaml'), 'utf8'));
    assert.deepEqual(meta, {
      artifact_uri: `file://${runDir}/artifacts`,
      deleted_time: null,
      end_time: null,
      entry_point_name: '',
      experiment_id: experiment.experimentId,
      lifecycle_stage: 'active',
      run_id: run.runId,
      run_name: 'r1',
      run_uuid: run.runId,
      source_name: '',
      source_type: 4,
      source_version: '',
      start_time: 1_700_000_000_000,
      status: 1,
      tags: [],
      user_id: meta['user_id'],
    });

    await run.logParams({ alpha: 'on', 'group/depth': 12 });
    await run.logMetrics([
      { key: 'loss', value: 0.5, step: 1, timestamp: 1_700_000_000_001 },
      { key: 'loss', value: 1e-7, step: 2, timestamp: 1_700_000_000_002 },
      { key: 'loss', value: NaN, step: 3, timestamp: 1_700_000_000_003 },
      { key: 'loss', value: -Infinity, step: 4, timestamp: 1_700_000_000_004 },
      { key: 'acc', value: 3, timestamp: 1_700_000_000_005 },
    ]);
    await run.setTags({ multi: 'line one\nline two' });
    assert.equal(
      await readFile(path.join(runDir, 'metrics', 'loss'), 'utf8'),
      '1700000000001 0.5 1\n1700000000002 1e-7 2\n1700000000003 nan 3\n1700000000004 -inf 4\n',
    );
    assert.equal(
      await readFile(path.join(runDir, 'metrics', 'acc'), 'utf8'),
      '1700000000005 3 0\n',
    );
    assert.equal(
      await readFile(path.join(runDir, 'params', 'alpha'), 'utf8'),
      'on',
      'no trailing newline',
    );
    assert.equal(await readFile(path.join(runDir, 'params', 'group', 'depth'), 'utf8'), '12');
    assert.equal(await readFile(path.join(runDir, 'tags', 'multi'), 'utf8'), 'line one\nline two');
    assert.equal(await readFile(path.join(runDir, 'tags', 'mlflow.runName'), 'utf8'), 'r1');
    // No temporary files left where MLflow would read them as keys.
    for (const sub of ['params', 'tags', 'metrics']) {
      for (const name of await readdir(path.join(runDir, sub))) assert.doesNotMatch(name, /\.tmp$/);
    }

    const history = await tracking.getMetricHistory(run.runId, 'loss');
    assert.ok(Number.isNaN(history[2]!.value));
    assert.equal(history[3]!.value, -Infinity);
    assert.equal(history[1]!.value, 1e-7);

    await run.end('FAILED');
    meta = yamlOf(await readFile(path.join(runDir, 'meta.yaml'), 'utf8'));
    assert.equal(meta['status'], 4, 'FAILED is 4 in RunStatus');
    assert.equal(typeof meta['end_time'], 'number');
  });

  test('a model folder: artifacts/model with MLmodel naming the pitwall flavor', async () => {
    const local = await tempDir();
    const modelFile = path.join(local, 'driving-style.forest');
    await writeFile(modelFile, 'FOREST');
    const run = await tracking.startRun({ experimentName: 'layout', runName: 'model-run' });
    const logged = await run.logModel({
      modelFile,
      formatVersion: 2,
      extraFiles: [],
      pitwallVersion: '0.1.0',
      signature: {
        inputs: [{ name: 'speed_mean_kmh', type: 'double' }],
        outputs: [{ name: 'style', type: 'string' }],
      },
      metadata: { classes: ['aggressive', 'normal'] },
    });
    const modelDir = path.join(root, run.experimentId, run.runId, 'artifacts', 'model');
    assert.deepEqual((await readdir(modelDir)).sort(), ['MLmodel', 'driving-style.forest']);
    assert.equal(logged.source, `file://${modelDir}`);
    const mlmodel = yamlOf(await readFile(path.join(modelDir, 'MLmodel'), 'utf8'));
    assert.deepEqual(mlmodel['flavors'], {
      pitwall: { model_file: 'driving-style.forest', format_version: 2, pitwall_version: '0.1.0' },
    });
    assert.equal(mlmodel['run_id'], run.runId);
    assert.equal(mlmodel['artifact_path'], 'model');
    assert.equal(mlmodel['model_size_bytes'], 6);
    assert.match(String(mlmodel['model_uuid']), /^[0-9a-f]{32}$/);
    assert.match(String(mlmodel['utc_time_created']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    assert.deepEqual(mlmodel['signature'], {
      inputs: '[{"type":"double","name":"speed_mean_kmh","required":true}]',
      outputs: '[{"type":"string","name":"style","required":true}]',
      params: null,
    });
    assert.deepEqual(mlmodel['metadata'], { classes: ['aggressive', 'normal'] });
    await rejectsWith(
      run.logModel({ modelFile: path.join(local, 'nope'), formatVersion: 1 }),
      ERROR_CODES.trackingInvalidArgument,
      /nope/,
    );
    await run.end();
    await rm(local, { recursive: true, force: true });
  });

  test('YAML values PyYAML would misread (yes, on, 010) stay strings', async () => {
    const id = await tracking.store.createExperiment('yes');
    const text = await readFile(path.join(root, id, 'meta.yaml'), 'utf8');
    assert.match(text, /^name: "yes"$/m);
    assert.equal((await tracking.getExperiment(id)).name, 'yes');
  });

  test('a deleted run is read but not changed; a folder that is not a store is refused', async () => {
    const run = await tracking.startRun({ experimentName: 'layout' });
    const metaFile = path.join(root, run.experimentId, run.runId, 'meta.yaml');
    const meta = yamlOf(await readFile(metaFile, 'utf8'));
    await writeFile(metaFile, YAML.stringify({ ...meta, lifecycle_stage: 'deleted' }));
    await rejectsWith(run.logMetric('x', 1), ERROR_CODES.trackingInvalidArgument, /deleted/);
    assert.equal((await tracking.getRun(run.runId)).info.lifecycleStage, 'deleted');
    assert.ok(
      !(await tracking.searchRuns([run.experimentId])).some((r) => r.info.runId === run.runId),
    );
    const file = path.join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    await rejectsWith(
      openTracking({ trackingUri: file, env: {} }),
      ERROR_CODES.trackingInvalidArgument,
      /not a folder/,
    );
  });
});

describe('file store: reads what MLflow writes', () => {
  test('legacy and current shapes: int experiment ids, status numbers, 2- and 5-field metric lines', async () => {
    const dir = await tempDir();
    try {
      const root = path.join(dir, 'mlruns');
      const exp = path.join(root, '7');
      const runDir = path.join(exp, 'abc123');
      for (const sub of ['metrics', 'params', 'tags', 'artifacts'])
        await mkdir(path.join(runDir, sub), { recursive: true });
      await mkdir(path.join(root, '0'), { recursive: true });
      await writeFile(
        path.join(root, '0', 'meta.yaml'),
        `artifact_location: file://${root}/0\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n`,
      );
      // An MLflow 1.x experiment: experiment_id as an int.
      await writeFile(
        path.join(exp, 'meta.yaml'),
        `artifact_location: file://${exp}\nexperiment_id: 7\nlifecycle_stage: active\nname: old\n`,
      );
      await writeFile(
        path.join(runDir, 'meta.yaml'),
        [
          `artifact_uri: file://${runDir}/artifacts`,
          'end_time: 1600000000500',
          'experiment_id: 7',
          'lifecycle_stage: active',
          'run_uuid: abc123',
          'start_time: 1600000000000',
          'status: 3',
          'user_id: alice',
          '',
        ].join('\n'),
      );
      await writeFile(
        path.join(runDir, 'metrics', 'm'),
        '1600000000001 1.5\n1600000000002 2.5 4 train 0123abcd\n',
      );
      await writeFile(path.join(runDir, 'params', 'p'), 'v');
      await writeFile(path.join(runDir, 'tags', 'mlflow.runName'), 'legacy');
      const tracking = await openTracking({ trackingUri: root, env: {} });
      const run = await tracking.getRun('abc123');
      assert.equal(run.info.experimentId, '7');
      assert.equal(run.info.status, 'FINISHED');
      assert.equal(run.info.runName, 'legacy', 'from the tag when meta.yaml has none');
      assert.equal(run.info.userId, 'alice');
      assert.deepEqual(run.data.params, { p: 'v' });
      assert.deepEqual(
        run.data.metrics.map((m) => [m.key, m.value, m.step]),
        [['m', 2.5, 4]],
      );
      assert.equal((await tracking.getExperimentByName('old'))?.experimentId, '7');
      await writeFile(path.join(runDir, 'metrics', 'bad'), '1600000000001 one 2\n');
      await rejectsWith(tracking.getRun('abc123'), ERROR_CODES.tracking, /malformed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

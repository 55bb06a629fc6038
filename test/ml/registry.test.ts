// The model registry: MLflow's file-store registry layout exactly, model URIs (parsing and
// resolution), and the REST registry's requests against a scripted server.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import YAML from 'yaml';
import { ERROR_CODES, TrackingError } from '../../src/errors.js';
import {
  FileModelRegistry,
  parseModelUri,
  resolveModel,
  resolveModelUri,
  RestModelRegistry,
} from '../../src/ml/registry/index.js';
import {
  MlflowHttpClient,
  openTracking,
  restSettingsFromEnv,
} from '../../src/ml/tracking/index.js';
import { rejectsWith } from './tracking-contract.js';
import { mlflowError, startFakeServer, type FakeServer } from './tracking-fake-server.js';

const API = '/api/2.0/mlflow';

function yamlOf(text: string): Record<string, unknown> {
  return YAML.parse(text, { version: '1.1' }) as Record<string, unknown>;
}

describe('file registry: the layout MLflow reads', () => {
  let dir = '';
  let root = '';
  let registry: FileModelRegistry;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pitwall-registry-'));
    root = path.join(dir, 'mlruns');
    registry = await FileModelRegistry.open(root);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('models/<name>/meta.yaml, version-<n>/meta.yaml, aliases/<alias> holding the version', async () => {
    const source = `file://${root}/1/abc/artifacts/model`;
    const v1 = await registry.createModelVersion({
      name: 'driving-style',
      source,
      runId: 'abc',
      description: 'first',
      tags: { trained_on: 'gold@v7' },
    });
    assert.equal(v1.version, 1);
    const modelDir = path.join(root, 'models', 'driving-style');
    const model = yamlOf(await readFile(path.join(modelDir, 'meta.yaml'), 'utf8'));
    assert.deepEqual(Object.keys(model).sort(), [
      'aliases',
      'creation_timestamp',
      'deployment_job_id',
      'deployment_job_state',
      'description',
      'last_updated_timestamp',
      'name',
      'workspace',
    ]);
    assert.equal(model['name'], 'driving-style');
    const version = yamlOf(await readFile(path.join(modelDir, 'version-1', 'meta.yaml'), 'utf8'));
    assert.deepEqual(version, {
      creation_timestamp: version['creation_timestamp'],
      current_stage: 'None',
      deployment_job_state: null,
      description: 'first',
      last_updated_timestamp: version['creation_timestamp'],
      model_id: null,
      name: 'driving-style',
      run_id: 'abc',
      run_link: null,
      source,
      status: 'READY',
      status_message: null,
      storage_location: source,
      user_id: null,
      version: 1,
      workspace: 'default',
    });
    assert.equal(typeof version['creation_timestamp'], 'number');
    assert.equal(
      await readFile(path.join(modelDir, 'version-1', 'tags', 'trained_on'), 'utf8'),
      'gold@v7',
    );

    await registry.createModelVersion({ name: 'driving-style', source: `${source}2` });
    await registry.setAlias('driving-style', 'production', 2);
    assert.equal(await readFile(path.join(modelDir, 'aliases', 'production'), 'utf8'), '2');
    const touched = yamlOf(await readFile(path.join(modelDir, 'meta.yaml'), 'utf8'));
    assert.deepEqual(
      touched['aliases'],
      { production: '2' },
      'meta.yaml mirrors the alias, as MLflow writes it',
    );
    await registry.deleteAlias('driving-style', 'production');
    assert.ok(!existsSync(path.join(modelDir, 'aliases', 'production')));
    await registry.deleteAlias('driving-style', 'production');
    assert.deepEqual(
      (await readdir(modelDir)).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  test('a version MLflow deleted (stage Deleted_Internal) is gone, and its number is not reused', async () => {
    await registry.createModelVersion({ name: 'm2', source: 'file:///a' });
    await registry.createModelVersion({ name: 'm2', source: 'file:///b' });
    const metaFile = path.join(root, 'models', 'm2', 'version-2', 'meta.yaml');
    const meta = yamlOf(await readFile(metaFile, 'utf8'));
    await writeFile(metaFile, YAML.stringify({ ...meta, current_stage: 'Deleted_Internal' }));
    await rejectsWith(registry.getModelVersion('m2', 2), ERROR_CODES.trackingNotFound);
    assert.deepEqual(
      (await registry.listModelVersions('m2')).map((v) => v.version),
      [1],
    );
    assert.equal(
      (await registry.createModelVersion({ name: 'm2', source: 'file:///c' })).version,
      3,
    );
  });

  test('concurrent registrations get distinct version numbers', async () => {
    const versions = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        registry.createModelVersion({ name: 'racing', source: `file:///s${i}` }),
      ),
    );
    assert.deepEqual(
      versions.map((v) => v.version).sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6],
    );
  });

  test('bad names, aliases and versions are refused with one line', async () => {
    for (const name of ['a/b', '..', 'x:y', '50%', '']) {
      await rejectsWith(
        registry.createModelVersion({ name, source: 'file:///x' }),
        ERROR_CODES.trackingInvalidArgument,
      );
    }
    await rejectsWith(
      registry.createModelVersion({ name: 'ok', source: ' ' }),
      ERROR_CODES.trackingInvalidArgument,
      /source/,
    );
    await rejectsWith(
      registry.setAlias('driving-style', 'prod uction', 1),
      ERROR_CODES.trackingInvalidArgument,
    );
    await rejectsWith(
      registry.getModelVersion('driving-style', 0),
      ERROR_CODES.trackingInvalidArgument,
    );
    await rejectsWith(registry.getRegisteredModel('nope'), ERROR_CODES.trackingNotFound, /nope/);
    await rejectsWith(
      registry.createRegisteredModel('driving-style'),
      ERROR_CODES.trackingAlreadyExists,
    );
  });
});

describe('model URIs', () => {
  test('parse the forms MLflow uses, refuse the rest with a reason', () => {
    assert.deepEqual(parseModelUri('models:/driving-style@production'), {
      kind: 'alias',
      name: 'driving-style',
      alias: 'production',
    });
    assert.deepEqual(parseModelUri('models:/driving-style/3'), {
      kind: 'version',
      name: 'driving-style',
      version: 3,
    });
    assert.deepEqual(parseModelUri('models:/driving-style/latest'), {
      kind: 'latest',
      name: 'driving-style',
    });
    assert.deepEqual(parseModelUri('models:/my model@champion'), {
      kind: 'alias',
      name: 'my model',
      alias: 'champion',
    });
    assert.deepEqual(parseModelUri('runs:/0123abcd/model'), {
      kind: 'run',
      runId: '0123abcd',
      artifactPath: 'model',
    });
    assert.deepEqual(parseModelUri('runs:/0123abcd/a/b/'), {
      kind: 'run',
      runId: '0123abcd',
      artifactPath: 'a/b',
    });
    assert.deepEqual(parseModelUri('/tmp/model'), { kind: 'local', path: '/tmp/model' });
    assert.deepEqual(parseModelUri('file:///tmp/my%20model'), {
      kind: 'local',
      path: '/tmp/my model',
    });
    for (const [uri, pattern] of [
      ['models:/driving-style', /no version or alias/],
      ['models:/driving-style/Production', /stages are deprecated/],
      ['models:/driving-style/x1', /neither a version number nor latest/],
      ['models:/driving-style/0', /positive integer/],
      ['models:/driving-style@', /expected/],
      ['models:/driving-style@v3', /reserved/],
      ['models://profile/driving-style/1', /no host/],
      [`models:/m-${'a'.repeat(32)}`, /logged-model ids/],
      ['runs:/', /expected runs:/],
      ['runs:/abc/../x', /artifact path/],
      ['s3://bucket/model', /expected models/],
      ['', /expected/],
    ] as const) {
      assert.throws(
        () => parseModelUri(uri),
        (error: unknown) =>
          error instanceof TrackingError &&
          error.code === ERROR_CODES.trackingInvalidArgument &&
          error.message.startsWith(`invalid model URI ${JSON.stringify(uri)}`) &&
          pattern.test(error.message),
        uri,
      );
    }
  });

  test('resolve in a file store: in place, no copy; unknown names and runs fail', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pitwall-uri-'));
    try {
      const root = path.join(dir, 'mlruns');
      const env = { MLFLOW_TRACKING_URI: root };
      const tracking = await openTracking({ env });
      const modelFile = path.join(dir, 'forest.json');
      await writeFile(modelFile, '{"m":1}');
      const run = await tracking.startRun({ experimentName: 'uris' });
      const logged = await run.logModel({ modelFile, formatVersion: 1 });
      await run.end();
      const registry = await FileModelRegistry.open(root);
      await registry.createModelVersion({ name: 'ds', source: logged.source, runId: run.runId });
      await registry.setAlias('ds', 'production', 1);
      const expected = path.join(root, run.experimentId, run.runId, 'artifacts', 'model');
      const cacheDir = path.join(dir, 'cache');
      const byAlias = await resolveModel('models:/ds@production', { env, cacheDir });
      assert.equal(byAlias.localDir, expected);
      assert.equal(byAlias.downloaded, false);
      assert.equal(byAlias.version?.version, 1);
      assert.equal(byAlias.runId, run.runId);
      assert.equal(await resolveModelUri(logged.modelUri, { env, cacheDir }), expected);
      assert.equal(await resolveModelUri(expected, { env }), expected);
      assert.ok(!existsSync(cacheDir), 'nothing copied for a local store');
      await rejectsWith(
        resolveModelUri('models:/nope@production', { env }),
        ERROR_CODES.trackingNotFound,
        /nope/,
      );
      await rejectsWith(
        resolveModelUri('runs:/0123456789abcdef0123456789abcdef/model', { env }),
        ERROR_CODES.trackingNotFound,
      );
      await rejectsWith(
        resolveModelUri(path.join(dir, 'missing'), { env }),
        ERROR_CODES.trackingNotFound,
      );
      // A version whose source is another model URI resolves through it.
      await registry.createModelVersion({ name: 'ds-copy', source: 'models:/ds/1' });
      assert.equal(await resolveModelUri('models:/ds-copy/1', { env }), expected);
      tracking.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('REST registry against a scripted server', () => {
  let server: FakeServer;
  let registry: RestModelRegistry;
  const version = (v: string, aliases: string[] = []) => ({
    name: 'ds',
    version: v,
    creation_timestamp: 1,
    last_updated_timestamp: 2,
    current_stage: 'None',
    description: '',
    source: `mlflow-artifacts:/1/r${v}/artifacts/model`,
    run_id: `r${v}`,
    status: 'READY',
    run_link: '',
    aliases,
  });
  before(async () => {
    server = await startFakeServer();
    const client = new MlflowHttpClient(
      restSettingsFromEnv(server.url, { MLFLOW_TRACKING_TOKEN: 'tok' }),
    );
    registry = new RestModelRegistry(client, { ownsClient: true });
  });
  after(async () => {
    registry.close();
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  test('createModelVersion: create the model (already there is fine), then model-versions/create', async () => {
    server.handler = (r) =>
      r.path.endsWith('/registered-models/create')
        ? mlflowError(400, 'RESOURCE_ALREADY_EXISTS', 'Registered Model (name=ds) already exists.')
        : { json: { model_version: version('3') } };
    const v = await registry.createModelVersion({
      name: 'ds',
      source: 'mlflow-artifacts:/1/r3/artifacts/model',
      runId: 'r3',
      tags: { k: 'v' },
    });
    assert.equal(v.version, 3);
    assert.equal(v.runLink, undefined, 'empty strings are absent');
    assert.deepEqual(
      server.requests.map((r) => r.path),
      [`${API}/registered-models/create`, `${API}/model-versions/create`],
    );
    assert.deepEqual(server.requests[1]!.json, {
      name: 'ds',
      source: 'mlflow-artifacts:/1/r3/artifacts/model',
      run_id: 'r3',
      tags: [{ key: 'k', value: 'v' }],
    });
    assert.equal(server.requests[1]!.headers['authorization'], 'Bearer tok');
  });

  test('aliases: POST and DELETE registered-models/alias with JSON bodies; lookups check the alias list first', async () => {
    server.handler = (r) => {
      if (r.path.endsWith('/registered-models/get')) {
        return {
          json: {
            registered_model: {
              name: 'ds',
              aliases: [{ alias: 'production', version: '2' }],
              latest_versions: [version('2')],
            },
          },
        };
      }
      if (r.method === 'GET' && r.path.endsWith('/registered-models/alias'))
        return { json: { model_version: version('2', ['production']) } };
      return { json: {} };
    };
    await registry.setAlias('ds', 'production', 2);
    assert.deepEqual(
      [server.requests[0]!.method, server.requests[0]!.path],
      ['POST', `${API}/registered-models/alias`],
    );
    assert.deepEqual(server.requests[0]!.json, { name: 'ds', alias: 'production', version: '2' });
    await registry.deleteAlias('ds', 'champion');
    assert.deepEqual(
      [server.requests[1]!.method, server.requests[1]!.json],
      ['DELETE', { name: 'ds', alias: 'champion' }],
    );
    const prod = await registry.getVersionByAlias('ds', 'production');
    assert.equal(prod.version, 2);
    assert.deepEqual(prod.aliases, ['production']);
    const lookup = server.requests.at(-1)!;
    assert.equal(lookup.query.get('alias'), 'production');
    server.requests.length = 0;
    await rejectsWith(
      registry.getVersionByAlias('ds', 'champion'),
      ERROR_CODES.trackingNotFound,
      /no alias "champion"/,
    );
    assert.deepEqual(
      server.requests.map((r) => r.path),
      [`${API}/registered-models/get`],
      'no alias request for an alias that is not set',
    );
  });

  test('listRegisteredModels follows next_page_token; listModelVersions filters by name and adds aliases', async () => {
    server.handler = (r) => {
      if (r.path.endsWith('/registered-models/search')) {
        return r.query.get('page_token') === null
          ? { json: { registered_models: [{ name: 'b' }], next_page_token: 'p2' } }
          : { json: { registered_models: [{ name: 'a' }] } };
      }
      if (r.path.endsWith('/registered-models/get')) {
        return {
          json: {
            registered_model: { name: 'ds', aliases: [{ alias: 'production', version: '1' }] },
          },
        };
      }
      return { json: { model_versions: [version('1'), version('2')] } };
    };
    assert.deepEqual(
      (await registry.listRegisteredModels()).map((m) => m.name),
      ['a', 'b'],
    );
    const versions = await registry.listModelVersions('ds');
    assert.deepEqual(
      versions.map((v) => [v.version, v.aliases]),
      [
        [2, []],
        [1, ['production']],
      ],
    );
    const search = server.requests.find((r) => r.path.endsWith('/model-versions/search'))!;
    assert.equal(search.query.get('filter'), "name = 'ds'");
  });
});

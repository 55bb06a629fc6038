// MLflow 3 itself as the peer of Pitwall's tracking and registry:
// - a real `mlflow server` (sqlite backend, artifact proxy) on 127.0.0.1: Pitwall logs a run,
//   registers a model and sets an alias; MLflow's Python MlflowClient reads them back;
// - Pitwall's file store (`mlruns`) read by MlflowClient, and moved to sqlite by
//   `mlflow migrate-filestore`;
// - the reverse: runs and registered models MLflow wrote, read by Pitwall;
// - the shared tracking contract (test/ml/tracking-contract.ts) against the real server.
// The server dies with the test process: it runs in its own process group, stopped in
// after(), and a watchdog kills the group if this process goes away first.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ModelRegistry } from '../../src/ml/registry/index.js';
import { openRegistry, resolveModel } from '../../src/ml/registry/index.js';
import type { Tracking } from '../../src/ml/tracking/index.js';
import { openTracking } from '../../src/ml/tracking/index.js';
import {
  filesOf,
  trackingContract,
  uniqueName,
  type ContractBackend,
} from '../ml/tracking-contract.js';
import { skipUnlessInterop } from './helpers.js';
import { loadInteropEnv } from './peer.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PEER_SCRIPT = path.join(REPO_ROOT, 'scripts/interop/mlflow_peer.py');
const INSTALL_HINT = 'run `npm run interop:install` first';
const SERVER_START_TIMEOUT_MS = 240_000;

/** The ml venv's python, or why it is missing (the Delta peers' reasons come first). */
function mlPeer(): { python: string } | { missing: string } {
  const interop = loadInteropEnv();
  if ('missing' in interop) return { missing: interop.missing };
  const python = (interop.env as { ml_python?: string }).ml_python;
  if (python === undefined || !existsSync(python)) {
    return {
      missing: `the MLflow peer is not installed (no ml_python in .cache/interop/env.json): ${INSTALL_HINT}`,
    };
  }
  return { python };
}

const peer = mlPeer();
// As helpers.ts does for the Delta peers: skip on a developer's machine without the peer,
// fail (never skip) under CI=true.
const skip: string | false =
  skipUnlessInterop !== false
    ? skipUnlessInterop
    : 'missing' in peer && process.env.CI !== 'true'
      ? peer.missing
      : false;

function requirePython(): string {
  if ('missing' in peer) throw new Error(peer.missing);
  return peer.python;
}

interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 180_000,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr
      .setEncoding('utf8')
      .on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${path.basename(command)} ${args.join(' ')} took over ${timeoutMs} ms; stderr ends:\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const PEER_ENV = {
  ...process.env,
  MLFLOW_ALLOW_FILE_STORE: 'true',
  PYTHONUNBUFFERED: '1',
  TZ: 'UTC',
};

/** Runs mlflow_peer.py and parses its one JSON line. */
async function runPeer(args: readonly string[]): Promise<Record<string, unknown>> {
  const result = await runProcess(requirePython(), [PEER_SCRIPT, ...args], PEER_ENV);
  if (result.code !== 0) {
    throw new Error(
      `mlflow_peer.py ${args[0]} exited ${String(result.code)}; stderr ends:\n${result.stderr.slice(-4000)}`,
    );
  }
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(`${url}/health`, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.setTimeout(2000, () => request.destroy());
  });
}

async function fetchJson(url: string, body?: unknown): Promise<unknown> {
  const response = await fetch(
    url,
    body === undefined
      ? {}
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
  );
  const text = await response.text();
  assert.equal(response.status, 200, `${url}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

/** A `mlflow server` in its own process group, with a watchdog tied to this process. */
class MlflowServer {
  private logTail = '';
  private exited: string | undefined;

  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout
      ?.setEncoding('utf8')
      .on('data', (c: string) => (this.logTail = (this.logTail + c).slice(-8000)));
    child.stderr
      ?.setEncoding('utf8')
      .on('data', (c: string) => (this.logTail = (this.logTail + c).slice(-8000)));
    child.on('exit', (code, signal) => (this.exited = signal ?? `code ${String(code)}`));
  }

  /**
   * `mlflow server` on a free port; by default a sqlite backend and the artifact proxy in
   * `dir`, or `backendStoreUri` (a file store, as `mlflow ui --backend-store-uri ./mlruns`).
   */
  static async start(
    dir: string,
    options: { backendStoreUri?: string } = {},
  ): Promise<MlflowServer> {
    const python = requirePython();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const store =
      options.backendStoreUri === undefined
        ? [
            '--backend-store-uri',
            `sqlite:///${path.join(dir, 'mlflow.db')}`,
            '--serve-artifacts',
            '--artifacts-destination',
            path.join(dir, 'artifacts'),
          ]
        : ['--backend-store-uri', options.backendStoreUri];
    const child = spawn(
      path.join(path.dirname(python), 'mlflow'),
      ['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1', ...store],
      {
        cwd: dir,
        // Job execution starts extra worker processes this suite does not need.
        env: { ...PEER_ENV, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const server = new MlflowServer(url, child);
    if (child.pid !== undefined) {
      // Kills the server's group once this test process is gone (even after a SIGKILL).
      const watchdog = spawn(
        'bash',
        [
          '-c',
          `while kill -0 ${process.pid} 2>/dev/null && kill -0 -${child.pid} 2>/dev/null; do sleep 1; done; ` +
            `kill -TERM -${child.pid} 2>/dev/null; sleep 5; kill -KILL -${child.pid} 2>/dev/null; true`,
        ],
        { detached: true, stdio: 'ignore' },
      );
      watchdog.unref();
    }
    const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
    while (!(await healthy(url))) {
      if (server.exited !== undefined || Date.now() > deadline) {
        await server.stop();
        throw new Error(
          `mlflow server did not become healthy (${server.exited === undefined ? 'timeout' : `exited: ${server.exited}`}); its output ends:\n${server.logTail}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return server;
  }

  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.exited !== undefined) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000);
    await gone;
    clearTimeout(timer);
  }
}

// --- one logging scenario, checked from MLflow's side for both backends ---

interface Logged {
  readonly experimentName: string;
  readonly experimentId: string;
  readonly runId: string;
  readonly modelName: string;
  readonly source: string;
  readonly params: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly lossSteps: number;
  readonly modelBytes: string;
}

async function logScenario(
  tracking: Tracking,
  registry: ModelRegistry,
  dir: string,
): Promise<Logged> {
  const experimentName = uniqueName('interop');
  const experiment = await tracking.getOrCreateExperiment(experimentName);
  const run = await tracking.startRun({
    experimentId: experiment.experimentId,
    runName: 'forest-300',
    tags: { team: 'pit' },
  });
  // More params and metric values than one log-batch request may carry.
  const params: Record<string, string> = {
    n_estimators: '300',
    max_depth: '12',
    class_weight: 'balanced',
  };
  for (let i = 0; i < 150; i++) params[`feature/${String(i).padStart(3, '0')}`] = `f${i}`;
  await run.logParams(params);
  const lossSteps = 1200;
  await run.logMetrics(
    Array.from({ length: lossSteps }, (_, step) => ({
      key: 'train/loss',
      value: 1 / (step + 1),
      step,
      timestamp: 1_700_000_000_000 + step,
    })),
  );
  await run.logMetrics([
    { key: 'accuracy', value: 0.9375, step: 300 },
    { key: 'per_class/aggressive/f1', value: 0.875, step: 300 },
  ]);
  const tags = { team: 'pit', 'mlflow.note.content': 'logged by Pitwall' };
  await run.setTags({ 'mlflow.note.content': tags['mlflow.note.content'] });
  await mkdir(path.join(dir, 'reports', 'nested'), { recursive: true });
  await writeFile(path.join(dir, 'confusion.svg'), '<svg>confusion</svg>');
  await writeFile(path.join(dir, 'reports', 'metrics.json'), '{"macro_f1":0.91}');
  await writeFile(path.join(dir, 'reports', 'nested', 'notes.txt'), 'seed 7');
  await run.logArtifact(path.join(dir, 'confusion.svg'), 'plots');
  await run.logArtifacts(path.join(dir, 'reports'), 'reports');
  const modelBytes = JSON.stringify({ format: 1, trees: [[0, 1, 2]] });
  await writeFile(path.join(dir, 'forest.json'), modelBytes);
  const logged = await run.logModel({
    modelFile: path.join(dir, 'forest.json'),
    formatVersion: 1,
    signature: {
      inputs: [{ name: 'speed_mean_kmh', type: 'double' }],
      outputs: [{ name: 'style', type: 'string' }],
    },
  });
  await run.end('FINISHED');
  const modelName = uniqueName('driving-style');
  const version = await registry.createModelVersion({
    name: modelName,
    source: logged.source,
    runId: run.runId,
    tags: { gold_version: '7' },
  });
  await registry.setAlias(modelName, 'production', version.version);
  return {
    experimentName,
    experimentId: experiment.experimentId,
    runId: run.runId,
    modelName,
    source: logged.source,
    params,
    tags,
    lossSteps,
    modelBytes,
  };
}

interface PeerRead {
  experiment: { experiment_id: string; name: string; lifecycle_stage: string };
  run: {
    run_id: string;
    run_name: string;
    status: string;
    params: Record<string, string>;
    tags: Record<string, string>;
    metrics: Record<string, number | string>;
    histories: Record<string, { step: number; value: number; timestamp: number }[]>;
  };
  search_run_ids: string[];
  artifacts: { path: string; is_dir: boolean; file_size: number | null }[];
  registered_model: {
    aliases: Record<string, string>;
    versions: {
      version: string;
      source: string;
      run_id: string;
      tags: Record<string, string>;
      aliases: string[];
    }[];
  };
  alias_version: { version: string; run_id: string; source: string };
  downloaded: {
    files: string[];
    flavors: Record<string, Record<string, unknown>>;
    run_id: string;
    artifact_path: string;
    signature_inputs: { name: string }[];
  };
}

async function peerRead(trackingUri: string, logged: Logged): Promise<PeerRead> {
  return (await runPeer([
    'read',
    '--tracking-uri',
    trackingUri,
    '--run-id',
    logged.runId,
    '--model',
    logged.modelName,
    '--alias',
    'production',
  ])) as unknown as PeerRead;
}

/** What MlflowClient read equals what Pitwall logged. */
function assertPeerSees(read: PeerRead, logged: Logged, what: string): void {
  assert.equal(read.experiment.experiment_id, logged.experimentId, `${what}: experiment id`);
  assert.equal(read.experiment.name, logged.experimentName, `${what}: experiment name`);
  assert.equal(read.run.run_id, logged.runId);
  assert.equal(read.run.run_name, 'forest-300');
  assert.equal(read.run.status, 'FINISHED');
  assert.deepEqual(read.run.params, logged.params, `${what}: params`);
  for (const [key, value] of Object.entries(logged.tags))
    assert.equal(read.run.tags[key], value, `${what}: tag ${key}`);
  assert.equal(read.run.tags['mlflow.runName'], 'forest-300');
  assert.equal(read.run.tags['mlflow.source.type'], 'LOCAL');
  assert.deepEqual(
    read.run.metrics,
    {
      'train/loss': 1 / logged.lossSteps,
      accuracy: 0.9375,
      'per_class/aggressive/f1': 0.875,
    },
    `${what}: latest metrics`,
  );
  const history = [...read.run.histories['train/loss']!].sort((a, b) => a.step - b.step);
  assert.equal(history.length, logged.lossSteps, `${what}: every loss value`);
  history.forEach((m, step) => {
    assert.deepEqual(
      [m.step, m.value, m.timestamp],
      [step, 1 / (step + 1), 1_700_000_000_000 + step],
    );
  });
  assert.ok(read.search_run_ids.includes(logged.runId), `${what}: search_runs finds the run`);
  assert.deepEqual(
    read.artifacts.map((a) => [a.path, a.is_dir, a.is_dir ? null : a.file_size]),
    [
      ['model', true, null],
      ['model/MLmodel', false, read.artifacts.find((a) => a.path === 'model/MLmodel')?.file_size],
      ['model/forest.json', false, logged.modelBytes.length],
      ['plots', true, null],
      ['plots/confusion.svg', false, '<svg>confusion</svg>'.length],
      ['reports', true, null],
      ['reports/metrics.json', false, '{"macro_f1":0.91}'.length],
      ['reports/nested', true, null],
      ['reports/nested/notes.txt', false, 'seed 7'.length],
    ],
    `${what}: artifacts`,
  );
  assert.deepEqual(read.registered_model.aliases, { production: '1' }, `${what}: aliases`);
  assert.deepEqual(
    read.registered_model.versions.map((v) => [v.version, v.source, v.run_id, v.tags, v.aliases]),
    [['1', logged.source, logged.runId, { gold_version: '7' }, ['production']]],
    `${what}: versions`,
  );
  assert.equal(read.alias_version.version, '1');
  assert.equal(read.alias_version.run_id, logged.runId);
  assert.ok(
    read.downloaded.files.includes('MLmodel') && read.downloaded.files.includes('forest.json'),
    `${what}: models:/ download`,
  );
  assert.deepEqual(read.downloaded.flavors, {
    pitwall: { model_file: 'forest.json', format_version: 1 },
  });
  assert.equal(read.downloaded.run_id, logged.runId);
  assert.equal(read.downloaded.artifact_path, 'model');
  assert.deepEqual(
    read.downloaded.signature_inputs.map((c) => c.name),
    ['speed_mean_kmh'],
  );
}

describe('MLflow interop', { skip, timeout: 900_000 }, () => {
  let dir = '';
  let server: MlflowServer | undefined;
  before(async () => {
    requirePython();
    dir = await mkdtemp(path.join(os.tmpdir(), 'pitwall-mlflow-'));
    server = await MlflowServer.start(dir);
  });
  after(async () => {
    await server?.stop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  test('Pitwall logs to a tracking server; MlflowClient reads run, metrics, artifacts, version and alias', async () => {
    const env = { MLFLOW_TRACKING_URI: server!.url };
    const tracking = await openTracking({ env });
    const registry = await openRegistry({ env });
    try {
      assert.equal(tracking.kind, 'rest');
      const work = await mkdtemp(path.join(dir, 'rest-'));
      const logged = await logScenario(tracking, registry, work);
      assert.match(logged.source, /^mlflow-artifacts:\//, 'artifacts went through the proxy');
      assertPeerSees(await peerRead(server!.url, logged), logged, 'server');
      // And Pitwall fetches the registered model back through the proxy.
      const resolved = await resolveModel(`models:/${logged.modelName}@production`, {
        env,
        cacheDir: path.join(work, 'cache'),
      });
      assert.equal(resolved.downloaded, true);
      const files = await filesOf(resolved.localDir);
      assert.equal(files['forest.json'], logged.modelBytes);
    } finally {
      tracking.close();
      registry.close();
    }
  });

  let fileStore: { root: string; logged: Logged } | undefined;

  test("MlflowClient reads Pitwall's file store, and `mlflow migrate-filestore` moves it to sqlite intact", async () => {
    const root = path.join(dir, 'file-store', 'mlruns');
    const tracking = await openTracking({ trackingUri: root, env: {} });
    const registry = await openRegistry({ trackingUri: root, env: {} });
    const logged = await logScenario(tracking, registry, await mkdtemp(path.join(dir, 'file-')));
    fileStore = { root, logged };
    assertPeerSees(await peerRead(`file://${root}`, logged), logged, 'file store');

    const db = path.join(dir, 'migrated.db');
    const migrate = await runProcess(
      path.join(path.dirname(requirePython()), 'mlflow'),
      ['migrate-filestore', '--source', root, '--target', `sqlite:///${db}`, '--no-progress'],
      PEER_ENV,
    );
    assert.equal(migrate.code, 0, `migrate-filestore failed:\n${migrate.stderr.slice(-3000)}`);
    assert.match(migrate.stdout, /runs\s+1\s+1/);
    assert.match(migrate.stdout, /registered_model_aliases\s+1\s+1/);
    assertPeerSees(await peerRead(`sqlite:///${db}`, logged), logged, 'migrated sqlite');
  });

  test("`mlflow ui --backend-store-uri` on Pitwall's file store serves the run, its artifacts and the model", async () => {
    assert.ok(fileStore !== undefined, 'the file-store test ran first');
    const { root, logged } = fileStore;
    const ui = await MlflowServer.start(dir, { backendStoreUri: `file://${root}` });
    try {
      // The endpoints MLflow's web UI calls (ajax-api is the UI's prefix for the REST API).
      const api = `${ui.url}/ajax-api/2.0/mlflow`;
      const search = (await fetchJson(`${api}/runs/search`, {
        experiment_ids: [logged.experimentId],
      })) as { runs: { info: { run_id: string; status: string }; data: { params: unknown[] } }[] };
      assert.deepEqual(
        search.runs.map((r) => [r.info.run_id, r.info.status, r.data.params.length]),
        [[logged.runId, 'FINISHED', Object.keys(logged.params).length]],
      );
      const listing = (await fetchJson(
        `${api}/artifacts/list?run_uuid=${logged.runId}&path=model`,
      )) as {
        files: { path: string }[];
      };
      assert.deepEqual(listing.files.map((f) => f.path).sort(), [
        'model/MLmodel',
        'model/forest.json',
      ]);
      const modelFile = await fetch(
        `${ui.url}/get-artifact?path=model/forest.json&run_uuid=${logged.runId}`,
      );
      assert.equal(await modelFile.text(), logged.modelBytes);
      const alias = (await fetchJson(
        `${api}/registered-models/alias?name=${encodeURIComponent(logged.modelName)}&alias=production`,
      )) as { model_version: { version: string; run_id: string } };
      assert.deepEqual(
        [alias.model_version.version, alias.model_version.run_id],
        ['1', logged.runId],
      );
      const page = await fetch(`${ui.url}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    } finally {
      await ui.stop();
    }
  });

  test('Pitwall reads runs and registered models MLflow wrote (server and file store)', async () => {
    const artifact = path.join(dir, 'from-mlflow.txt');
    await writeFile(artifact, 'written by mlflow');
    const fileRoot = path.join(dir, 'mlflow-wrote', 'mlruns');
    for (const trackingUri of [server!.url, `file://${fileRoot}`]) {
      const modelName = uniqueName('mlflow-model');
      const wrote = (await runPeer([
        'write',
        '--tracking-uri',
        trackingUri,
        '--experiment',
        uniqueName('mlflow-exp'),
        '--artifact',
        artifact,
        '--model',
        modelName,
        '--alias',
        'champion',
      ])) as { run_id: string; version: string };
      const env = { MLFLOW_TRACKING_URI: trackingUri };
      const tracking = await openTracking({ env });
      const registry = await openRegistry({ env });
      try {
        const run = await tracking.getRun(wrote.run_id);
        assert.equal(run.info.status, 'FINISHED', trackingUri);
        assert.equal(run.info.runName, 'written-by-mlflow');
        assert.deepEqual(run.data.params, { n_estimators: '100' });
        assert.equal(run.data.tags['peer'], 'mlflow');
        assert.deepEqual(
          (await tracking.getMetricHistory(wrote.run_id, 'loss')).map((m) => [
            m.step,
            m.value,
            m.timestamp,
          ]),
          [
            [0, 0.5, 1_700_000_000_000],
            [1, 0.25, 1_700_000_000_001],
            [2, 0.125, 1_700_000_000_002],
          ],
        );
        assert.deepEqual(
          (await tracking.listArtifacts(wrote.run_id, 'files')).map((a) => a.path),
          ['files/from-mlflow.txt'],
        );
        const version = await registry.getVersionByAlias(modelName, 'champion');
        assert.equal(version.version, Number(wrote.version));
        assert.equal(version.runId, wrote.run_id);
        const local = await resolveModel(`models:/${modelName}@champion`, {
          env,
          cacheDir: path.join(dir, 'cache-reverse'),
        });
        assert.deepEqual(Object.keys(await filesOf(local.localDir)).sort(), [
          'MLmodel',
          'weights.txt',
        ]);
        assert.match(await readFile(path.join(local.localDir, 'MLmodel'), 'utf8'), /custom:/);
      } finally {
        tracking.close();
        registry.close();
      }
    }
  });

  describe('shared tracking contract on the real server', () => {
    let backend: ContractBackend | undefined;
    before(async () => {
      const env = { MLFLOW_TRACKING_URI: server!.url };
      backend = {
        tracking: await openTracking({ env }),
        registry: await openRegistry({ env }),
        trackingUri: server!.url,
        env,
      };
    });
    after(() => {
      backend?.tracking.close();
      backend?.registry.close();
    });
    trackingContract(() => backend!);
  });
});

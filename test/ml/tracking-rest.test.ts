// The REST store and its HTTP client against a scripted server: the requests MLflow's API
// expects (paths, bodies, batch limits), auth headers, retries with backoff, and MLflow's
// error codes mapped to Pitwall's. Also: choosing the store from the tracking URI.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ERROR_CODES, TrackingError } from '../../src/errors.js';
import {
  MlflowHttpClient,
  openTracking,
  parseTrackingUri,
  restSettingsFromEnv,
  RestTrackingStore,
  splitBatch,
  Tracking,
  type Metric,
} from '../../src/ml/tracking/index.js';
import { rejectsWith } from './tracking-contract.js';
import {
  mlflowError,
  startFakeServer,
  type FakeServer,
  type RecordedRequest,
} from './tracking-fake-server.js';

const API = '/api/2.0/mlflow';
const RUN_ID = '0123456789abcdef0123456789abcdef';

function runJson(overrides: Record<string, unknown> = {}): unknown {
  return {
    run: {
      info: {
        run_id: RUN_ID,
        run_uuid: RUN_ID,
        experiment_id: '5',
        run_name: 'r',
        user_id: 'u',
        status: 'RUNNING',
        start_time: 1_700_000_000_000,
        artifact_uri: `mlflow-artifacts:/5/${RUN_ID}/artifacts`,
        lifecycle_stage: 'active',
        ...overrides,
      },
      data: { tags: [] },
    },
  };
}

/** A client whose retries do not sleep; waits are recorded instead. */
function clientFor(
  server: FakeServer,
  env: NodeJS.ProcessEnv = {},
): { client: MlflowHttpClient; waits: number[] } {
  const client = new MlflowHttpClient(restSettingsFromEnv(server.url, env));
  const waits: number[] = [];
  client.sleep = (ms) => {
    waits.push(ms);
    return Promise.resolve();
  };
  return { client, waits };
}

describe('tracking URI and settings', () => {
  test('a folder or file: URI is the file store; http(s) is a server; others fail with a hint', () => {
    assert.deepEqual(parseTrackingUri('./mlruns'), { kind: 'file', root: path.resolve('mlruns') });
    assert.deepEqual(parseTrackingUri(undefined), { kind: 'file', root: path.resolve('mlruns') });
    assert.deepEqual(parseTrackingUri('file:///tmp/x%20y/mlruns'), {
      kind: 'file',
      root: '/tmp/x y/mlruns',
    });
    assert.deepEqual(parseTrackingUri('file:/tmp/m'), { kind: 'file', root: '/tmp/m' });
    assert.deepEqual(parseTrackingUri('http://127.0.0.1:5000/'), {
      kind: 'rest',
      baseUrl: 'http://127.0.0.1:5000',
    });
    assert.deepEqual(parseTrackingUri('https://ml.example.com/mlflow'), {
      kind: 'rest',
      baseUrl: 'https://ml.example.com/mlflow',
    });
    for (const [uri, pattern] of [
      ['sqlite:///mlflow.db', /cannot open sqlite: .*mlflow server --backend-store-uri/],
      ['databricks', /^/],
      ['postgresql://u@h/db', /postgresql/],
      ['http://', /invalid tracking URI/],
      ['http://h:5000/?x=1', /no query/],
      ['file://remote-host/mlruns', /cannot name a host/],
    ] as const) {
      if (uri === 'databricks') {
        // A bare word is a relative folder, as in MLflow.
        assert.equal(parseTrackingUri(uri).kind, 'file');
        continue;
      }
      assert.throws(
        () => parseTrackingUri(uri),
        (error: unknown) =>
          error instanceof TrackingError &&
          error.code === ERROR_CODES.trackingInvalidArgument &&
          pattern.test(error.message) &&
          !error.message.includes('\n'),
        uri,
      );
    }
  });

  test('auth from MLflow variables: basic (env or URL) wins over the token; TLS and retry settings validated', () => {
    assert.deepEqual(restSettingsFromEnv('http://h', { MLFLOW_TRACKING_TOKEN: 't0k' }).auth, {
      kind: 'bearer',
      token: 't0k',
    });
    assert.deepEqual(
      restSettingsFromEnv('http://h', {
        MLFLOW_TRACKING_TOKEN: 't0k',
        MLFLOW_TRACKING_USERNAME: 'ann',
        MLFLOW_TRACKING_PASSWORD: 'p:w',
      }).auth,
      { kind: 'basic', username: 'ann', password: 'p:w' },
    );
    const fromUrl = restSettingsFromEnv('https://bob:s%40cret@h:8443/prefix', {});
    assert.deepEqual(fromUrl.auth, { kind: 'basic', username: 'bob', password: 's@cret' });
    assert.equal(fromUrl.baseUrl, 'https://h:8443/prefix', 'credentials never stay in the URL');
    assert.equal(restSettingsFromEnv('http://h', {}).auth, undefined);
    assert.equal(
      restSettingsFromEnv('http://h', { MLFLOW_TRACKING_INSECURE_TLS: 'true' }).tls
        .rejectUnauthorized,
      false,
    );
    const tuned = restSettingsFromEnv('http://h', {
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.1',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '5',
    });
    assert.deepEqual(
      [tuned.retry.maxRetries, tuned.retry.backoffMs, tuned.timeoutMs],
      [2, 100, 5000],
    );
    for (const env of [
      { MLFLOW_TRACKING_INSECURE_TLS: 'maybe' },
      { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '-1' },
      { MLFLOW_TRACKING_USERNAME: 'ann' },
      { MLFLOW_TRACKING_SERVER_CERT_PATH: '/nonexistent/ca.pem' },
    ]) {
      assert.throws(() => restSettingsFromEnv('http://h', env), TrackingError, JSON.stringify(env));
    }
  });

  test('openTracking picks the store from the option, else MLFLOW_TRACKING_URI', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pitwall-open-'));
    try {
      const local = await openTracking({
        trackingUri: dir,
        env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:9' },
      });
      assert.equal(local.kind, 'file');
      const remote = await openTracking({ env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:9/' } });
      assert.equal(remote.kind, 'rest');
      assert.equal(remote.uri, 'http://127.0.0.1:9');
      remote.close();
      await rejectsWith(
        openTracking({ trackingUri: 'sqlite:///x.db', env: {} }),
        ERROR_CODES.trackingInvalidArgument,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('REST store against a scripted server', () => {
  let server: FakeServer;
  before(async () => {
    server = await startFakeServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.handler = () => ({ json: {} });
  });

  test('get-or-create experiment: get-by-name, a 404 means create, then get', async () => {
    server.handler = (r) => {
      if (r.path === `${API}/experiments/get-by-name`) {
        return mlflowError(
          404,
          'RESOURCE_DOES_NOT_EXIST',
          "Could not find experiment with name 'ds'",
        );
      }
      if (r.path === `${API}/experiments/create`) return { json: { experiment_id: '5' } };
      return {
        json: {
          experiment: {
            experiment_id: '5',
            name: 'ds',
            artifact_location: 'mlflow-artifacts:/5',
            lifecycle_stage: 'active',
          },
        },
      };
    };
    const { client } = clientFor(server);
    const tracking = new Tracking(new RestTrackingStore(client), { client, env: {} });
    const experiment = await tracking.getOrCreateExperiment('ds', { tags: { team: 'pit' } });
    assert.equal(experiment.experimentId, '5');
    assert.deepEqual(
      server.requests.map((r) => `${r.method} ${r.path}`),
      [
        `GET ${API}/experiments/get-by-name`,
        `POST ${API}/experiments/create`,
        `GET ${API}/experiments/get`,
      ],
    );
    assert.equal(server.requests[0]!.query.get('experiment_name'), 'ds');
    assert.deepEqual(server.requests[1]!.json, {
      name: 'ds',
      tags: [{ key: 'team', value: 'pit' }],
    });
    assert.equal(server.requests[1]!.headers['content-type'], 'application/json');
    assert.equal(server.requests[2]!.query.get('experiment_id'), '5');
    tracking.close();
  });

  test('startRun sends runs/create with MLflow system tags; end sends runs/update', async () => {
    server.handler = (r) =>
      r.path.endsWith('/runs/update')
        ? {
            json: {
              run_info: (runJson({ status: 'FINISHED' }) as { run: { info: unknown } }).run.info,
            },
          }
        : { json: runJson() };
    const { client } = clientFor(server);
    const tracking = new Tracking(new RestTrackingStore(client), { client, env: {} });
    const run = await tracking.startRun({
      experimentId: '5',
      runName: 'r',
      startTime: 1_700_000_000_000,
    });
    assert.equal(run.runId, RUN_ID);
    const body = server.requests[0]!.json as {
      experiment_id: string;
      run_name: string;
      start_time: number;
      user_id: string;
      tags: { key: string; value: string }[];
    };
    assert.equal(server.requests[0]!.path, `${API}/runs/create`);
    assert.equal(body.experiment_id, '5');
    assert.equal(body.run_name, 'r');
    assert.equal(body.start_time, 1_700_000_000_000);
    const tags = Object.fromEntries(body.tags.map((t) => [t.key, t.value]));
    assert.equal(tags['mlflow.runName'], 'r');
    assert.equal(tags['mlflow.source.type'], 'LOCAL');
    assert.equal(tags['mlflow.user'], body.user_id);
    const ended = await run.end('FINISHED');
    assert.equal(ended.status, 'FINISHED');
    const update = server.requests[1]!;
    assert.equal(update.path, `${API}/runs/update`);
    const updateBody = update.json as { run_id: string; status: string; end_time: number };
    assert.equal(updateBody.run_id, RUN_ID);
    assert.equal(updateBody.status, 'FINISHED');
    assert.equal(typeof updateBody.end_time, 'number');
    tracking.close();
  });

  test('log-batch is split to MLflow limits: 1000 metrics, 100 params, 100 tags, 1000 entities per request', async () => {
    const { client } = clientFor(server);
    const store = new RestTrackingStore(client);
    const metrics: Metric[] = Array.from({ length: 2345 }, (_, i) => ({
      key: `m${i % 7}`,
      value: i === 3 ? NaN : i === 4 ? Infinity : i / 10,
      timestamp: 1_700_000_000_000 + i,
      step: i,
    }));
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
    const tags = Array.from({ length: 130 }, (_, i) => ({ key: `t${i}`, value: `v${i}` }));
    await store.logBatch(RUN_ID, { metrics, params, tags });
    const bodies = server.requests.map((r) => {
      assert.equal(r.path, `${API}/runs/log-batch`);
      return r.json as {
        run_id: string;
        metrics: { key: string; value: unknown; step: number }[];
        params: unknown[];
        tags: unknown[];
      };
    });
    for (const b of bodies) {
      assert.equal(b.run_id, RUN_ID);
      assert.ok(
        b.metrics.length <= 1000 && b.params.length <= 100 && b.tags.length <= 100,
        'per-kind limits',
      );
      assert.ok(b.metrics.length + b.params.length + b.tags.length <= 1000, 'entity limit');
    }
    assert.equal(
      bodies.length,
      3,
      `${bodies.map((b) => [b.metrics.length, b.params.length, b.tags.length].join('/')).join(' ')}`,
    );
    const sentMetrics = bodies.flatMap((b) => b.metrics);
    assert.deepEqual(
      sentMetrics.map((m) => m.step),
      metrics.map((m) => m.step),
      'every metric once, in order',
    );
    assert.equal(sentMetrics[3]!.value, 'NaN');
    assert.equal(sentMetrics[4]!.value, 'Infinity');
    assert.equal(bodies.flatMap((b) => b.params).length, 250);
    assert.equal(bodies.flatMap((b) => b.tags).length, 130);
    // The split on its own: never an empty request, params and tags first.
    assert.deepEqual(
      splitBatch({ metrics: metrics.slice(0, 10), params: params.slice(0, 3) }).map((b) => [
        b.metrics?.length,
        b.params?.length,
        b.tags?.length,
      ]),
      [[10, 3, 0]],
    );
    assert.deepEqual(splitBatch({}), []);
    // A param given twice with two values fails before anything is sent.
    server.requests.length = 0;
    await rejectsWith(
      store.logBatch(RUN_ID, {
        params: [
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ],
      }),
      ERROR_CODES.trackingInvalidArgument,
    );
    assert.equal(server.requests.length, 0);
  });

  test('auth headers: bearer token, or basic credentials', async () => {
    for (const [env, expected] of [
      [{ MLFLOW_TRACKING_TOKEN: 'secret-token' }, 'Bearer secret-token'],
      [
        { MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'pw' },
        `Basic ${Buffer.from('ann:pw').toString('base64')}`,
      ],
    ] as const) {
      server.requests.length = 0;
      server.handler = () => ({ json: runJson() });
      const { client } = clientFor(server, env);
      await new RestTrackingStore(client).getRun(RUN_ID);
      assert.equal(server.requests[0]!.headers['authorization'], expected);
      client.close();
    }
    server.requests.length = 0;
    const { client } = clientFor(server);
    await new RestTrackingStore(client).getRun(RUN_ID);
    assert.equal(server.requests[0]!.headers['authorization'], undefined);
    client.close();
  });

  test('retries 503 and 429 with exponential backoff and Retry-After, then succeeds', async () => {
    let calls = 0;
    server.handler = () => {
      calls++;
      if (calls === 1) return mlflowError(503, 'TEMPORARILY_UNAVAILABLE', 'busy');
      if (calls === 2)
        return {
          ...mlflowError(429, 'REQUEST_LIMIT_EXCEEDED', 'slow down'),
          headers: { 'retry-after': '2' },
        };
      if (calls === 3) return { status: 502, body: '<html>bad gateway</html>' };
      return { json: runJson() };
    };
    const { client, waits } = clientFor(server, { MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.1' });
    const run = await new RestTrackingStore(client).getRun(RUN_ID);
    assert.equal(run.info.runId, RUN_ID);
    assert.equal(server.requests.length, 4);
    assert.equal(waits.length, 3);
    assert.ok(waits[0]! >= 50 && waits[0]! <= 150, `first wait ~100 ms, got ${waits[0]}`);
    assert.equal(waits[1], 2000, 'Retry-After: 2 is obeyed');
    assert.ok(waits[2]! >= 200 && waits[2]! <= 600, `third wait ~400 ms, got ${waits[2]}`);
    client.close();
  });

  test('after the last retry: trackingUnavailable, canRetry, with the last answer', async () => {
    server.handler = () => mlflowError(503, 'TEMPORARILY_UNAVAILABLE', 'db locked');
    const { client } = clientFor(server, { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2' });
    await assert.rejects(new RestTrackingStore(client).getRun(RUN_ID), (error: unknown) => {
      assert.ok(error instanceof TrackingError);
      assert.equal(error.code, ERROR_CODES.trackingUnavailable);
      assert.equal(error.canRetry, true);
      assert.equal(error.httpStatus, 503);
      assert.equal(error.mlflowErrorCode, 'TEMPORARILY_UNAVAILABLE');
      assert.match(
        error.message,
        /failed 3 times, last with .*503 TEMPORARILY_UNAVAILABLE.*db locked/,
      );
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
    assert.equal(server.requests.length, 3);
    client.close();
  });

  test('a server that is not there: retried, then trackingUnavailable naming the connection error', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const client = new MlflowHttpClient(
      restSettingsFromEnv(`http://127.0.0.1:${port}`, { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1' }),
    );
    let slept = 0;
    client.sleep = () => {
      slept++;
      return Promise.resolve();
    };
    await rejectsWith(
      new RestTrackingStore(client).getRun(RUN_ID),
      ERROR_CODES.trackingUnavailable,
      /ECONNREFUSED/,
    );
    assert.equal(slept, 1);
    client.close();
  });

  test("4xx answers are not retried and map MLflow's error codes", async () => {
    const { client } = clientFor(server);
    const store = new RestTrackingStore(client);
    const cases = [
      [
        mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${RUN_ID} not found`),
        ERROR_CODES.trackingNotFound,
        /404 RESOURCE_DOES_NOT_EXIST .*not found/,
      ],
      [
        mlflowError(400, 'INVALID_PARAMETER_VALUE', 'Changing param values is not allowed'),
        ERROR_CODES.trackingInvalidArgument,
        /INVALID_PARAMETER_VALUE/,
      ],
      [
        mlflowError(400, 'RESOURCE_ALREADY_EXISTS', 'exists'),
        ERROR_CODES.trackingAlreadyExists,
        /exists/,
      ],
      [
        { status: 401, body: '<html>\n<body>Unauthorized</body>\n</html>' },
        ERROR_CODES.trackingUnauthorized,
        /401 .*Unauthorized.*MLFLOW_TRACKING_TOKEN/,
      ],
      [
        mlflowError(403, 'PERMISSION_DENIED', 'no'),
        ERROR_CODES.trackingUnauthorized,
        /PERMISSION_DENIED/,
      ],
      [mlflowError(409, 'ABORTED', 'conflict'), ERROR_CODES.tracking, /409 ABORTED/],
    ] as const;
    for (const [answer, code, pattern] of cases) {
      server.requests.length = 0;
      server.handler = () => answer;
      await rejectsWith(store.getRun(RUN_ID), code, pattern);
      assert.equal(server.requests.length, 1, `${code}: no retry`);
    }
    server.handler = () => mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', 'nope');
    await assert.rejects(
      store.getRun(RUN_ID),
      (error: unknown) =>
        error instanceof TrackingError &&
        error.mlflowErrorCode === 'RESOURCE_DOES_NOT_EXIST' &&
        error.httpStatus === 404,
    );
    client.close();
  });

  test('artifacts through the proxy: PUT raw bytes, list with ?path=, GET into a file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pitwall-proxy-'));
    try {
      const file = path.join(dir, 'a b.txt');
      await writeFile(file, 'hello proxy');
      const stored = new Map<string, Buffer>();
      server.handler = (r: RecordedRequest) => {
        const prefix = '/api/2.0/mlflow-artifacts/artifacts';
        if (r.method === 'PUT') {
          stored.set(decodeURIComponent(r.path.slice(prefix.length + 1)), r.body);
          return { json: {} };
        }
        if (r.path === prefix) {
          const dirPath = r.query.get('path') ?? '';
          const children = [...stored.keys()].filter((k) => k.startsWith(`${dirPath}/`));
          const names = new Map<string, boolean>();
          for (const child of children) {
            const rest = child.slice(dirPath.length + 1);
            names.set(rest.split('/')[0]!, rest.includes('/'));
          }
          return {
            json: {
              files: [...names].map(([name, isDir]) =>
                isDir
                  ? { path: name, is_dir: true }
                  : {
                      path: name,
                      is_dir: false,
                      file_size: stored.get(`${dirPath}/${name}`)!.length,
                    },
              ),
            },
          };
        }
        const key = decodeURIComponent(r.path.slice(prefix.length + 1));
        const body = stored.get(key);
        return body === undefined
          ? mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', 'missing')
          : { body };
      };
      const { client } = clientFor(server);
      const repo = new RestTrackingStore(client).artifactRepository(
        `mlflow-artifacts:/5/${RUN_ID}/artifacts`,
      );
      await repo.logFile(file, 'plots/deep');
      const put = server.requests.find((r) => r.method === 'PUT')!;
      assert.equal(
        put.path,
        `/api/2.0/mlflow-artifacts/artifacts/5/${RUN_ID}/artifacts/plots/deep/a%20b.txt`,
      );
      assert.equal(put.body.toString(), 'hello proxy');
      assert.equal(put.headers['content-type'], 'application/octet-stream');
      assert.deepEqual(await repo.list('plots'), [
        { path: 'plots/deep', isDir: true, fileSize: undefined },
      ]);
      assert.deepEqual(await repo.list('plots/deep'), [
        { path: 'plots/deep/a b.txt', isDir: false, fileSize: 11 },
      ]);
      const listing = server.requests.find(
        (r) => r.method === 'GET' && r.query.get('path') !== null,
      )!;
      assert.equal(listing.query.get('path'), `5/${RUN_ID}/artifacts/plots`);
      const got = await repo.download('plots', path.join(dir, 'out'));
      assert.equal(await readFile(path.join(got, 'deep', 'a b.txt'), 'utf8'), 'hello proxy');
      await rejectsWith(
        repo.download('nothing.txt', path.join(dir, 'out')),
        ERROR_CODES.trackingNotFound,
        /nothing\.txt/,
      );
      assert.throws(
        () => new RestTrackingStore(client).artifactRepository('s3://bucket/run'),
        /s3: .*--serve-artifacts/,
      );
      client.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

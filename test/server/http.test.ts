// The cockpit's HTTP API in-process: validation (every malformed request gets a 4xx and a
// one-line reason), session control, the lake and model pages' data, static files and
// the Host/Origin rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeltaTable } from '../../src/lake/index.js';
import type { RunsStore } from '../../src/server/runs-info.js';
import { trackingRuns } from '../../src/server/runs-info.js';
import { fixedModelSource, tempDir, testApp, throttleRuleModel } from './helpers.js';

interface ErrorBody {
  error: { code: string; message: string };
}

function errorOf(response: { json: () => unknown }): ErrorBody['error'] {
  return (response.json() as ErrorBody).error;
}

test('health and setup: version, cars with their redlines, driver choices, no token needed on loopback', async (t) => {
  const { app } = await testApp(t);
  const health = await app.inject({ method: 'GET', url: '/api/health' });
  assert.equal(health.statusCode, 200);
  assert.equal(health.json<{ status: string }>().status, 'ok');
  const setup = await app.inject({ method: 'GET', url: '/api/setup' });
  const body = setup.json<{
    cars: { id: string; redlineRpm: number; revLimitRpm: number; gears: number }[];
    drivers: string[];
    auth: { required: boolean };
    stateHz: number;
  }>();
  assert.ok(body.cars.length >= 3);
  const golf = body.cars.find((c) => c.id === 'vw-golf-1-5-tsi');
  assert.ok(golf !== undefined && golf.redlineRpm > 4000 && golf.revLimitRpm >= golf.redlineRpm);
  assert.deepEqual(body.drivers, ['aggressive', 'normal', 'eco', 'cautious', 'manual']);
  assert.equal(body.auth.required, false);
  assert.equal(body.stateHz, 30);
  assert.match(String(setup.headers['content-security-policy']), /default-src 'self'/);
});

test('malformed session requests get 400 with the reason, never a crash', async (t) => {
  const { app } = await testApp(t);
  const post = (body: string, contentType = 'application/json') =>
    app.inject({
      method: 'POST',
      url: '/api/session',
      payload: body,
      headers: { 'content-type': contentType },
    });
  const cases: [string, RegExp][] = [
    ['{"car":"vw-golf-1-5-tsi"}', /missing property "driver"/],
    [
      '{"car":"vw-golf-1-5-tsi","driver":"reckless"}',
      /driver must be one of aggressive, normal, eco, cautious, manual/,
    ],
    ['{"car":"vw-golf-1-5-tsi","driver":"eco","turbo":true}', /unknown property "turbo"/],
    ['{"car":42,"driver":"eco"}', /car must be string/],
    ['{"car":"vw-golf-1-5-tsi","driver":"eco","seed":-1}', /seed must be >= 0/],
    [
      '{"car":"no-such-car","driver":"eco"}',
      /unknown car "no-such-car" \(known: .*vw-golf-1-5-tsi/,
    ],
    ['{"car":', /JSON/i],
    ['[]', /must be object/],
  ];
  for (const [body, message] of cases) {
    const response = await post(body);
    assert.equal(response.statusCode, 400, `${body}: ${response.body}`);
    assert.match(errorOf(response).message, message, body);
    assert.ok(!errorOf(response).message.includes('\n'));
  }
  const text = await post('car=x', 'text/plain');
  assert.equal(text.statusCode, 415);
  const huge = await post(JSON.stringify({ car: 'x'.repeat(20_000), driver: 'eco' }));
  assert.equal(huge.statusCode, 413);
  const pedals = await app.inject({
    method: 'POST',
    url: '/api/session/input',
    payload: { throttle: 1.5, brake: 0 },
  });
  assert.equal(pedals.statusCode, 400);
  assert.match(errorOf(pedals).message, /throttle must be <= 1/);
  const gear = await app.inject({
    method: 'POST',
    url: '/api/session/gear',
    payload: { gear: 2.5 },
  });
  assert.equal(gear.statusCode, 400);
  assert.match(errorOf(gear).message, /gear must be integer/);
  const missing = await app.inject({ method: 'GET', url: '/api/nothing' });
  assert.equal(missing.statusCode, 404);
  assert.equal(errorOf(missing).code, 'not_found');
  // Still serving after all that.
  assert.equal((await app.inject({ method: 'GET', url: '/api/health' })).statusCode, 200);
});

test('session control over HTTP: start, pedals only in manual mode, engine, gears, stop', async (t) => {
  const { app, hub } = await testApp(t);
  const noSession = await app.inject({
    method: 'POST',
    url: '/api/session/input',
    payload: { throttle: 1, brake: 0 },
  });
  assert.equal(noSession.statusCode, 409);
  assert.match(errorOf(noSession).message, /no session is running/);

  const started = await app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { car: 'vw-golf-1-5-tsi', driver: 'normal', seed: 3 },
  });
  assert.equal(started.statusCode, 201);
  const session = started.json<{ session: { id: string; driver: string; car: { id: string } } }>()
    .session;
  assert.equal(session.driver, 'normal');
  const refused = await app.inject({
    method: 'POST',
    url: '/api/session/input',
    payload: { throttle: 1, brake: 0 },
  });
  assert.equal(refused.statusCode, 400);
  assert.match(errorOf(refused).message, /driven by the normal profile; start a manual session/);

  await app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { car: 'vw-golf-1-5-tsi', driver: 'manual', seed: 3 },
  });
  assert.equal(hub.session?.driver, 'manual');
  const input = await app.inject({
    method: 'POST',
    url: '/api/session/input',
    payload: { throttle: 1, brake: 0 },
  });
  assert.equal(input.statusCode, 204);
  const badGear = await app.inject({
    method: 'POST',
    url: '/api/session/gear',
    payload: { gear: 9 },
  });
  assert.equal(badGear.statusCode, 400);
  assert.match(errorOf(badGear).message, /gear must be 0 \(automatic\) or 1-7/);
  // The state endpoint reflects the car stepping in real time.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const state = (await app.inject({ method: 'GET', url: '/api/session' })).json<{
    state: { speedKmh: number; rpm: number; throttle: number };
  }>();
  assert.ok(state.state.throttle > 0.9, `throttle ${state.state.throttle}`);
  assert.ok(state.state.speedKmh > 5, `speed ${state.state.speedKmh}`);
  const off = await app.inject({
    method: 'POST',
    url: '/api/session/engine',
    payload: { on: false },
  });
  assert.equal(off.json<{ session: { engineOn: boolean } }>().session.engineOn, false);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/session' })).statusCode, 204);
  assert.equal(hub.session, undefined);
  assert.deepEqual(
    (await app.inject({ method: 'GET', url: '/api/session' })).json<{ session: null }>().session,
    null,
  );
});

test('Host and Origin rules: DNS-rebinding hosts and cross-site requests are refused', async (t) => {
  const { app } = await testApp(t);
  const rebound = await app.inject({
    method: 'GET',
    url: '/api/health',
    headers: { host: 'evil.example:8080' },
  });
  assert.equal(rebound.statusCode, 403);
  assert.equal(errorOf(rebound).code, 'forbidden_host');
  const crossSite = await app.inject({
    method: 'POST',
    url: '/api/session',
    headers: { host: '127.0.0.1:8080', origin: 'http://evil.example' },
    payload: { car: 'vw-golf-1-5-tsi', driver: 'eco' },
  });
  assert.equal(crossSite.statusCode, 403);
  assert.equal(errorOf(crossSite).code, 'forbidden_origin');
  const sameSite = await app.inject({
    method: 'POST',
    url: '/api/session',
    headers: { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' },
    payload: { car: 'vw-golf-1-5-tsi', driver: 'eco' },
  });
  assert.equal(sameSite.statusCode, 201);
});

test('lake page data: tables with versions and row counts, data docs served read-only', async (t) => {
  const root = path.join(await tempDir(t, 'lake'), 'lake');
  const before = await testApp(t, { lakeRoot: root });
  const empty = (await before.app.inject({ method: 'GET', url: '/api/lake' })).json<{
    tables: unknown[];
    message: string;
    dataDocs: unknown;
  }>();
  assert.deepEqual(empty.tables, []);
  assert.match(empty.message, /no lake at .*lake/);
  assert.equal(empty.dataDocs, null);

  const table = await DeltaTable.create(path.join(root, 'silver', 'telemetry'), {
    fields: [
      { name: 'vehicle_id', type: 'string' },
      { name: 'speed_kmh', type: 'double' },
    ],
  });
  await table.appendRows([
    { vehicle_id: 'VH-0001', speed_kmh: 12.5 },
    { vehicle_id: 'VH-0002', speed_kmh: 40 },
  ]);
  await table.appendRows([{ vehicle_id: 'VH-0003', speed_kmh: 88 }]);
  table.close();
  const docs = path.join(root, 'dq', 'docs');
  await mkdir(docs, { recursive: true });
  await writeFile(
    path.join(docs, 'index.html'),
    '<!doctype html><title>Data docs</title><p>all expectations met',
  );
  const { app } = await testApp(t, { lakeRoot: root });
  const view = (await app.inject({ method: 'GET', url: '/api/lake' })).json<{
    tables: { table: string; version: number; rows: number; files: number }[];
    dataDocs: { url: string };
  }>();
  assert.deepEqual(
    view.tables.map((x) => [x.table, x.version, x.rows, x.files]),
    [['silver/telemetry', 2, 3, 2]],
  );
  assert.equal(view.dataDocs.url, '/data-docs/index.html');
  const page = await app.inject({ method: 'GET', url: view.dataDocs.url });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /all expectations met/);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
  for (const url of ['/data-docs/../../../etc/passwd', '/data-docs/%2e%2e/%2e%2e/etc/passwd']) {
    const escaped = await app.inject({ method: 'GET', url });
    assert.ok([403, 404].includes(escaped.statusCode), `${url}: ${escaped.statusCode}`);
    assert.ok(!escaped.body.includes('root:'), url);
  }
  const write = await app.inject({ method: 'PUT', url: '/data-docs/index.html', payload: 'x' });
  assert.equal(write.statusCode, 404);
});

test('model page data: runs with metrics and feature importances, or why there are none', async (t) => {
  const none = await testApp(t);
  const missing = (await none.app.inject({ method: 'GET', url: '/api/models' })).json<{
    runs: unknown[];
    message: string;
    model: { state: string; message: string };
  }>();
  assert.deepEqual(missing.runs, []);
  assert.match(missing.message, /no tracking store/);
  assert.equal(missing.model.state, 'missing');

  const store: RunsStore = {
    listExperiments: () => Promise.resolve([{ experimentId: '1', name: 'driving-style' }]),
    searchRuns: () =>
      Promise.resolve([
        {
          info: {
            runId: 'r1',
            experimentId: '1',
            runName: 'forest-300',
            status: 'FINISHED',
            startTime: 1,
            endTime: 2,
            artifactUri: 'file:///nowhere',
          },
          data: {
            metrics: [
              { key: 'accuracy', value: 0.91 },
              { key: 'feature_importance.throttle_mean', value: 0.3 },
              { key: 'feature_importance.rpm_max', value: 0.5 },
            ],
            params: { n_estimators: '300' },
          },
        },
      ]),
    artifactRepository: () => ({
      list: () => Promise.resolve([]),
      download: () => Promise.resolve(''),
    }),
  };
  const { app } = await testApp(t, {
    runs: trackingRuns('./mlruns', store),
    models: fixedModelSource(throttleRuleModel('v7')),
  });
  const view = (await app.inject({ method: 'GET', url: '/api/models' })).json<{
    runs: {
      name: string;
      metrics: Record<string, number>;
      featureImportances: { feature: string }[];
    }[];
    model: { state: string; version: string; labels: string[] };
  }>();
  assert.equal(view.model.state, 'ready');
  assert.equal(view.model.version, 'v7');
  assert.equal(view.runs[0]!.name, 'forest-300');
  assert.deepEqual(view.runs[0]!.metrics, { accuracy: 0.91 });
  assert.deepEqual(
    view.runs[0]!.featureImportances.map((f) => f.feature),
    ['rpm_max', 'throttle_mean'],
  );
});

test('without a built web app the page says how to build it', async (t) => {
  const { app } = await testApp(t, { webRoot: path.join(await tempDir(t), 'no-build') });
  const page = await app.inject({ method: 'GET', url: '/' });
  assert.equal(page.statusCode, 503);
  assert.match(page.body, /npm run build:web/);
});

test('a built web app is served with cache rules: hashed assets immutable, the page revalidated', async (t) => {
  const web = await tempDir(t, 'web');
  await mkdir(path.join(web, 'assets'));
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>cockpit</title>');
  await writeFile(path.join(web, 'assets', 'index-abc123.js'), 'console.log(1)');
  const { app } = await testApp(t, { webRoot: web });
  const page = await app.inject({ method: 'GET', url: '/' });
  assert.equal(page.statusCode, 200);
  assert.equal(page.headers['cache-control'], 'no-cache');
  const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
  assert.equal(asset.statusCode, 200);
  assert.match(String(asset.headers['cache-control']), /immutable/);
});

// The cockpit's WebSocket in-process: every malformed message gets an error message with
// a clear text and the socket stays usable; floods are rate-limited; cross-site upgrades are
// refused; the state stream runs at 30 Hz and verdicts come once per second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineStyleModel } from '../../src/server/inference-source.js';
import { fixedModelSource, openSocket, testApp, throttleRuleModel } from './helpers.js';

test('hello first: cars, drivers, model status and auth state', async (t) => {
  const cockpit = await testApp(t);
  const ws = await openSocket(cockpit);
  const hello = await ws.next('hello');
  assert.ok(hello.cars.some((c) => c.id === 'porsche-911-carrera'));
  assert.deepEqual(hello.auth, { required: false, granted: true });
  assert.equal(hello.model.state, 'missing');
  assert.equal(hello.session, null);
  ws.close();
});

test('bad messages get an error message naming the problem; the socket stays open', async (t) => {
  const cockpit = await testApp(t);
  const ws = await openSocket(cockpit);
  await ws.next('hello');
  const cases: [unknown, RegExp][] = [
    ['not json', /not valid JSON/],
    ['[1,2]', /JSON object with a "type"/],
    ['{"throttle":1}', /must have a string "type"/],
    [
      { type: 'warp' },
      /unknown message type "warp" \(known: auth, start, stop, engine, input, gear, subscribe, ping\)/,
    ],
    [{ type: 'input', throttle: 'full', brake: 0 }, /^input: throttle must be number$/],
    [{ type: 'input', throttle: 2, brake: 0 }, /^input: throttle must be <= 1$/],
    [{ type: 'input', throttle: 1 }, /missing property "brake"/],
    [
      { type: 'start', car: 'vw-golf-1-5-tsi', driver: 'eco', extra: 1 },
      /unknown property "extra"/,
    ],
    [{ type: 'start', car: 'vw-golf-1-5-tsi', driver: 'speedy' }, /driver must be one of/],
    [{ type: 'start', car: 'no-such-car', driver: 'eco' }, /unknown car "no-such-car"/],
    [
      { type: 'subscribe', topics: ['cockpit', 'stocks'] },
      /topics.1 must be one of cockpit, fleet/,
    ],
    [{ type: 'gear', gear: 3 }, /no session is running/],
    [{ type: 'engine', on: 'yes' }, /on must be boolean/],
  ];
  for (const [message, pattern] of cases) {
    ws.send(message);
    const error = await ws.next('error');
    assert.match(error.message, pattern, JSON.stringify(message));
  }
  ws.socket.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.match((await ws.next('error')).message, /binary messages are not accepted/);
  ws.send({ type: 'ping', id: 7 });
  assert.deepEqual(await ws.next('pong'), { type: 'pong', id: 7 });
  ws.close();
});

test('an oversized frame closes only that socket; a flood is rate-limited', async (t) => {
  const cockpit = await testApp(t);
  const big = await openSocket(cockpit);
  await big.next('hello');
  big.send('x'.repeat(70 * 1024));
  const closed = await big.closedWith();
  assert.equal(closed.code, 1009);
  assert.equal((await cockpit.app.inject({ method: 'GET', url: '/api/health' })).statusCode, 200);

  const flood = await openSocket(cockpit);
  await flood.next('hello');
  for (let k = 0; k < 400; k++) flood.send({ type: 'ping', id: k });
  const limited = await flood.next('error', (e) => e.code === 'rate_limited');
  assert.match(limited.message, /at most 120 per second/);
  const pongs = flood.messages.filter((m) => m.type === 'pong').length;
  assert.ok(pongs >= 200 && pongs < 400, `pongs ${pongs}`);
  flood.close();
});

test('a WebSocket upgrade from another site is refused', async (t) => {
  const cockpit = await testApp(t);
  await assert.rejects(
    openSocket(cockpit, { origin: 'http://evil.example', host: '127.0.0.1:8080' }),
    /403|Unexpected server response/,
  );
  const same = await openSocket(cockpit, {
    origin: 'http://127.0.0.1:8080',
    host: '127.0.0.1:8080',
  });
  await same.next('hello');
  same.close();
});

test('the state stream runs at 30 Hz with rising session time; verdicts come once per second', async (t) => {
  const cockpit = await testApp(t, { models: fixedModelSource(throttleRuleModel()) });
  const ws = await openSocket(cockpit);
  await ws.next('hello');
  ws.send({ type: 'start', car: 'vw-golf-1-5-tsi', driver: 'aggressive', seed: 11 });
  const session = (await ws.next('session', (m) => m.session !== null)).session!;
  assert.equal(session.driver, 'aggressive');
  await ws.next('state');
  const from = ws.messages.length;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const seconds = (performance.now() - started) / 1000;
  const window = ws.messages.slice(from);
  const states = window.filter((m) => m.type === 'state');
  const rate = states.length / seconds;
  assert.ok(rate > 26 && rate < 33, `state rate ${rate.toFixed(1)} Hz`);
  const times = states.map((s) => s.t);
  for (let k = 1; k < times.length; k++) assert.ok(times[k]! > times[k - 1]!, 'session time rises');
  assert.ok(
    Math.abs(times.at(-1)! - times[0]! - seconds) < 0.25,
    'simulated time keeps wall-clock pace',
  );
  assert.ok(states.every((s) => s.type === 'state' && s.sessionId === session.id));
  const verdicts = window.filter((m) => m.type === 'verdict');
  assert.ok(verdicts.length >= 1 && verdicts.length <= 3, `verdicts ${verdicts.length}`);
  const verdict = verdicts[0]!;
  assert.equal(verdict.type === 'verdict' && verdict.status, 'warming-up');
  assert.ok(verdict.type === 'verdict' && verdict.progress > 0 && verdict.progress < 1);
  assert.equal(verdict.type === 'verdict' && verdict.modelVersion, 'rule-1');
  ws.send({ type: 'stop' });
  await ws.next('session', (m) => m.session === null);
  ws.close();
});

test('the fleet topic streams vehicles with their true profiles once per second', async (t) => {
  const cockpit = await testApp(t, { fleet: { vehicles: 4, speed: 20 } });
  const ws = await openSocket(cockpit);
  await ws.next('hello');
  ws.send({ type: 'subscribe', topics: ['fleet'] });
  const first = await ws.next('fleet');
  assert.equal(first.vehicles.length, 4);
  assert.deepEqual(new Set(first.vehicles.map((v) => v.trueProfile)).size, 4);
  const later = await ws.next('fleet', (f) => f.simulatedS >= 15, 4000);
  assert.ok(later.vehicles.every((v) => v.speedHistory.length >= 10));
  assert.equal(later.model.state, 'missing');
  assert.equal(later.accuracy, null);
  ws.send({ type: 'subscribe', topics: ['cockpit'] });
  ws.close();
});

test('a newly published model version reaches the running session without a restart', async (t) => {
  let published = throttleRuleModel('rule-1');
  const cockpit = await testApp(t, {
    models: { open: () => Promise.resolve({ model: engineStyleModel(published) }) },
  });
  const ws = await openSocket(cockpit);
  await ws.next('hello', (h) => h.model.version === 'rule-1');
  ws.send({ type: 'start', car: 'vw-golf-1-5-tsi', driver: 'normal', seed: 4 });
  await ws.next('verdict', (v) => v.modelVersion === 'rule-1' && v.t >= 1);
  published = throttleRuleModel('rule-2');
  const status = await cockpit.models.reload();
  assert.equal(status.version, 'rule-2');
  assert.equal((await ws.next('model')).model.version, 'rule-2');
  await ws.next('event', (e) => e.text === 'Driving-style model rule-2 loaded');
  await ws.next('verdict', (v) => v.modelVersion === 'rule-2', 3000);
  // The same version again keeps the session's engine (no new warm-up, no message).
  const before = ws.messages.length;
  await cockpit.models.reload();
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(!ws.messages.slice(before).some((m) => m.type === 'model'));
  ws.close();
});

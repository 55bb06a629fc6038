// Token rules: off loopback a token is mandatory; with a token, control endpoints and
// control messages need it (Bearer header or an auth message), reading does not; wrong
// tokens are refused and a socket that keeps guessing is closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCockpitApp } from '../../src/server/app.js';
import { ERROR_CODES } from '../../src/errors.js';
import { hostAllowed, originAllowed, tokenMatches } from '../../src/server/security.js';
import { TEST_TOKEN, openSocket, tempDir, testApp } from './helpers.js';

test('binding off loopback without a token is refused with the fix in the message', async (t) => {
  const lakeRoot = await tempDir(t);
  await assert.rejects(
    createCockpitApp({ host: '0.0.0.0', lakeRoot, webRoot: false }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, ERROR_CODES.config);
      assert.match(error.message, /binds 0\.0\.0\.0, not loopback: set PITWALL_TOKEN/);
      return true;
    },
  );
  await assert.rejects(
    createCockpitApp({ host: '127.0.0.1', token: 'short', lakeRoot, webRoot: false }),
    /at least 16 characters/,
  );
});

test('with a token, HTTP control needs Authorization: Bearer; reading does not', async (t) => {
  const { app } = await testApp(t, { host: '0.0.0.0', token: TEST_TOKEN });
  const body = { car: 'vw-golf-1-5-tsi', driver: 'eco' };
  const anonymous = await app.inject({ method: 'POST', url: '/api/session', payload: body });
  assert.equal(anonymous.statusCode, 401);
  assert.equal(anonymous.headers['www-authenticate'], 'Bearer realm="pitwall"');
  assert.match(
    anonymous.json<{ error: { message: string } }>().error.message,
    /Authorization: Bearer <PITWALL_TOKEN>/,
  );
  const wrong = await app.inject({
    method: 'POST',
    url: '/api/session',
    payload: body,
    headers: { authorization: `Bearer ${TEST_TOKEN}x` },
  });
  assert.equal(wrong.statusCode, 401);
  for (const url of [
    '/api/session/engine',
    '/api/session/input',
    '/api/session/gear',
    '/api/model/reload',
  ]) {
    assert.equal((await app.inject({ method: 'POST', url, payload: {} })).statusCode, 401, url);
  }
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/session' })).statusCode, 401);
  const right = await app.inject({
    method: 'POST',
    url: '/api/session',
    payload: body,
    headers: { authorization: `Bearer ${TEST_TOKEN}` },
  });
  assert.equal(right.statusCode, 201);
  for (const url of ['/api/health', '/api/setup', '/api/session', '/api/lake', '/api/models']) {
    assert.equal((await app.inject({ method: 'GET', url })).statusCode, 200, url);
  }
  const setup = (await app.inject({ method: 'GET', url: '/api/setup' })).json<{
    auth: { required: boolean; granted: boolean };
  }>();
  assert.deepEqual(setup.auth, { required: true, granted: false });
  // Off loopback any Host is fine (the token guards control).
  const named = await app.inject({
    method: 'GET',
    url: '/api/health',
    headers: { host: 'cockpit.lan:8080' },
  });
  assert.equal(named.statusCode, 200);
});

test('with a token, control messages need an auth message first; guessing closes the socket', async (t) => {
  const cockpit = await testApp(t, { host: '0.0.0.0', token: TEST_TOKEN });
  const ws = await openSocket(cockpit);
  const hello = await ws.next('hello');
  assert.deepEqual(hello.auth, { required: true, granted: false });
  ws.send({ type: 'start', car: 'vw-golf-1-5-tsi', driver: 'eco' });
  const refused = await ws.next('error');
  assert.equal(refused.code, 'unauthorized');
  assert.match(
    refused.message,
    /start needs the server token: send \{"type":"auth","token":"<PITWALL_TOKEN>"\} first/,
  );
  assert.equal(cockpit.hub.session?.driver, undefined);
  // Viewing needs no token.
  ws.send({ type: 'subscribe', topics: ['cockpit'] });
  ws.send({ type: 'ping', id: 1 });
  await ws.next('pong');

  ws.send({ type: 'auth', token: 'wrong-token-wrong-token' });
  assert.equal((await ws.next('auth')).granted, false);
  ws.send({ type: 'auth', token: TEST_TOKEN });
  assert.equal((await ws.next('auth')).granted, true);
  ws.send({ type: 'start', car: 'vw-golf-1-5-tsi', driver: 'eco' });
  await ws.next('session', (m) => m.session !== null);
  assert.equal(cockpit.hub.session?.driver, 'eco');
  ws.close();

  const guesser = await openSocket(cockpit);
  await guesser.next('hello');
  for (let k = 0; k < 5; k++) guesser.send({ type: 'auth', token: `guess-${k}-0123456789` });
  const closed = await guesser.closedWith();
  assert.equal(closed.code, 1008);
  assert.match(closed.reason, /too many failed token attempts/);
});

test('a Bearer header on the WebSocket handshake grants control at once', async (t) => {
  const cockpit = await testApp(t, { host: '0.0.0.0', token: TEST_TOKEN });
  const ws = await openSocket(cockpit, { authorization: `Bearer ${TEST_TOKEN}` });
  assert.deepEqual((await ws.next('hello')).auth, { required: true, granted: true });
  ws.close();
});

test('on loopback without a token, control is open to this machine', async (t) => {
  const cockpit = await testApp(t);
  const ws = await openSocket(cockpit);
  assert.deepEqual((await ws.next('hello')).auth, { required: false, granted: true });
  ws.send({ type: 'start', car: 'porsche-911-carrera', driver: 'manual' });
  assert.equal(
    (await ws.next('session', (m) => m.session !== null)).session?.car.id,
    'porsche-911-carrera',
  );
  ws.close();
});

test('access helpers: constant-time token check, loopback Host names, same-origin rule', () => {
  assert.equal(tokenMatches(TEST_TOKEN, TEST_TOKEN), true);
  assert.equal(tokenMatches(TEST_TOKEN, TEST_TOKEN.slice(0, -1)), false);
  assert.equal(tokenMatches(TEST_TOKEN, undefined), false);
  for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:3000', '127.1.2.3']) {
    assert.equal(hostAllowed(host, '127.0.0.1'), true, host);
  }
  for (const host of ['evil.example', '192.168.1.4:8080', '', undefined]) {
    assert.equal(hostAllowed(host, '127.0.0.1'), false, String(host));
  }
  assert.equal(originAllowed(undefined, '127.0.0.1:8080'), true);
  assert.equal(originAllowed('http://127.0.0.1:8080', '127.0.0.1:8080'), true);
  assert.equal(originAllowed('http://127.0.0.1:9999', '127.0.0.1:8080'), false);
  assert.equal(originAllowed('null', '127.0.0.1:8080'), false);
});

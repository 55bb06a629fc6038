// UUIDv5: the one-block SHA-1 fast path agrees with node:crypto on every kind of name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PITWALL_NAMESPACE, uuidV5, uuidV5Reference } from '../../src/telemetry/uuid.js';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('the RFC 9562 example: www.example.com in the DNS namespace', () => {
  const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
  assert.equal(uuidV5Reference('www.example.com', dns), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
  assert.equal(uuidV5('www.example.com', dns), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
});

test('uuidV5 equals the node:crypto reference for names of every length and kind', () => {
  const names: string[] = ['', 'a', '0', 'session/1/0/0/', '42/3/17/123456'];
  // Every length around the one-block limit (39 ASCII bytes) and the padding boundaries.
  for (let length = 0; length <= 70; length++) {
    names.push('x'.repeat(length));
    names.push(
      Array.from({ length }, (_, k) => String.fromCharCode(32 + ((k * 7 + length) % 95))).join(''),
    );
  }
  // All ASCII code points, including control characters and DEL.
  for (let code = 0; code < 128; code++) names.push(`seq/${String.fromCharCode(code)}/end`);
  // Non-ASCII: Latin-1, BMP, astral (surrogate pairs), short and long.
  names.push(
    'é',
    'München',
    'Nürburgring/Döttinger Höhe',
    '東京',
    '🏎️',
    'a'.repeat(38) + 'é',
    '🏁'.repeat(20),
  );
  // The simulator's own names: seed/vehicle/session/seq.
  for (let k = 0; k < 500; k++) names.push(`${k * 7919}/${k % 97}/${k % 13}/${k * 31}`);

  for (const name of names) {
    const fast = uuidV5(name);
    assert.equal(
      fast,
      uuidV5Reference(name),
      `name ${JSON.stringify(name)} (${name.length} chars)`,
    );
    assert.match(fast, UUID_V5);
  }
  assert.equal(uuidV5Reference('x'), uuidV5Reference('x', PITWALL_NAMESPACE));
});

test('39 and 40 ASCII characters straddle the fast path and agree', () => {
  const at39 = 'y'.repeat(39);
  const at40 = 'y'.repeat(40);
  assert.equal(uuidV5(at39), uuidV5Reference(at39));
  assert.equal(uuidV5(at40), uuidV5Reference(at40));
  assert.notEqual(uuidV5(at39), uuidV5(at40));
});

test('the fast path keeps no state between calls', () => {
  const long = 'z'.repeat(39);
  const first = uuidV5('1');
  uuidV5(long);
  assert.equal(uuidV5('1'), first);
});

test('a malformed namespace is rejected', () => {
  assert.throws(() => uuidV5('x', 'not-a-uuid'), TypeError);
});

// Kafka's RangeAssignor: contiguous ranges, the first members take the remainder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rangeAssign, rangeAssignTopics } from '../../src/log/range-assignor.js';

test('range assignment splits partitions into contiguous ranges', () => {
  assert.deepEqual(rangeAssign(4, ['a', 'b']), ['a', 'a', 'b', 'b']);
  assert.deepEqual(rangeAssign(5, ['a', 'b']), ['a', 'a', 'a', 'b', 'b']);
  assert.deepEqual(rangeAssign(7, ['a', 'b', 'c']), ['a', 'a', 'a', 'b', 'b', 'c', 'c']);
  assert.deepEqual(rangeAssign(2, ['a', 'b', 'c']), ['a', 'b']);
  assert.deepEqual(rangeAssign(3, []), []);
});

test('each topic is split among the members subscribed to it, sorted by member id', () => {
  const assignment = rangeAssignTopics(
    new Map([
      ['m2', ['t1', 't2']],
      ['m1', ['t1']],
      ['m3', ['t2', 'missing']],
    ]),
    new Map([
      ['t1', 3],
      ['t2', 2],
    ]),
  );
  assert.deepEqual(Object.fromEntries(assignment), {
    t1: ['m1', 'm1', 'm2'],
    t2: ['m2', 'm3'],
  });
});
